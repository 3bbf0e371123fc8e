/**
 * What the S3 home does with answers a local S3 server cannot give (mocked with aws-sdk-client-mock):
 * If-Match / If-None-Match 412 (real S3's conditional writes), access denied, missing bucket,
 * timeouts, S3's own paging markers; and how the state bucket is found (SSM /sst/bootstrap).
 * Everything else about the S3 home runs against a real server in tests/integration/s3-home.test.ts.
 */
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient, SSMServiceException } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SstLockHeldError, StateChangedError, StoreUnavailableError } from "@sst-state/core/errors";
import { createS3HomeStore, resolveStateBucket } from "../../s3-home.ts";

const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
afterEach(() => {
  s3.reset();
  ssm.reset();
});

const bucket = "sst-state-abc123def456";
const env = { AWS_REGION: "eu-west-1", AWS_PROFILE: "acme-prod" };
const store = () => createS3HomeStore({ bucket, client: new S3Client({ region: "eu-west-1" }), env });
/** the part of an SDK stream body the store uses */
const body = (s: string) => ({ transformToByteArray: async () => new TextEncoder().encode(s) }) as unknown as NonNullable<GetObjectCommandOutput["Body"]>;
const s3Error = (name: string, status: number, message = name) =>
  new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, message });

describe("S3 home conditional writes (real S3 answers)", () => {
  it("turns If-Match 412 into StateChangedError and writes nothing else", async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"));
    // Act
    const err = await store().writeCurrent("shop", "prod", new TextEncoder().encode("{}"), '"etag-seen"').catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StateChangedError);
    expect((err as Error).message).toContain("shop/prod");
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toMatchObject({ Bucket: bucket, Key: "app/shop/prod.json", IfMatch: '"etag-seen"' });
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it("returns the new ETag and version id when If-Match holds", async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"etag-new"', VersionId: "v-new" });
    const res = await store().writeCurrent("shop", "prod", new TextEncoder().encode('{"version":3}'), '"etag-seen"');
    expect(res).toMatchObject({ token: '"etag-new"', versionId: "v-new" });
    expect(new TextDecoder().decode(res.bytes)).toBe('{"version":3}');
  });

  it("falls back to HEAD-compare-PUT on 501 and refuses when the ETag moved", async () => {
    s3.on(PutObjectCommand).rejects(s3Error("NotImplemented", 501));
    s3.on(HeadObjectCommand).resolves({ ETag: '"etag-other"', ContentLength: 10 });
    await expect(store().writeCurrent("shop", "prod", new Uint8Array([123, 125]), '"etag-seen"')).rejects.toBeInstanceOf(StateChangedError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("turns If-None-Match 412 on SST's lock into SstLockHeldError naming the holder", async () => {
    s3.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412));
    s3.on(GetObjectCommand, { Key: "lock/shop/prod.json" }).resolves({
      Body: body(JSON.stringify({ created: "2026-03-01T10:00:00Z", updateID: "fffffe6a1c0d6a0123456789", command: "deploy", ignore: true })),
    });
    const err = await store()
      .putSstLock("shop", "prod", { created: "2026-03-01T11:00:00Z", updateID: "fffffe6a1c0d6a9999999999", ignore: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SstLockHeldError);
    expect((err as Error).message).toContain("fffffe6a1c0d6a0123456789");
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.IfNoneMatch).toBe("*");
  });
});

describe("S3 home failures become StoreUnavailableError with a hint", () => {
  it("access denied names the bucket, the credentials and the permissions", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    const err = await store().readCurrent("shop", "prod").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const e = err as StoreUnavailableError;
    expect(e.message).toContain(`s3://${bucket}/app/shop/prod.json`);
    expect(e.hint).toContain("acme-prod");
    expect(e.hint).toContain("s3:GetObject");
    expect(e.hint).toContain(bucket);
    expect(e.exitCode).toBe(1);
  });

  it("a timeout points at the endpoint and region", async () => {
    s3.on(ListObjectVersionsCommand).rejects(Object.assign(new Error("Connection timed out after 5000 ms"), { name: "TimeoutError" }));
    const err = await store().listObjectVersions("shop", "prod", { limit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).hint).toContain("AWS_ENDPOINT_URL_S3");
    expect((err as StoreUnavailableError).hint).toContain("eu-west-1");
  });

  it("a missing bucket points at SST_STATE_BUCKET and /sst/bootstrap", async () => {
    s3.on(GetObjectCommand).rejects(s3Error("NoSuchBucket", 404, "The specified bucket does not exist"));
    const err = await store().readSstLock("shop", "prod").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain(bucket);
    expect((err as StoreUnavailableError).hint).toContain("SST_STATE_BUCKET");
    expect((err as StoreUnavailableError).hint).toContain("/sst/bootstrap");
  });
});

describe("S3 home paging markers", () => {
  it("carries S3's KeyMarker and VersionIdMarker in the cursor, and stops at the next key", async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [
          { Key: "app/shop/prod.json", VersionId: "b", IsLatest: true, LastModified: t(9), Size: 5 },
          { Key: "app/shop/prod.json", VersionId: "a", IsLatest: false, LastModified: t(7), Size: 4 },
        ],
        DeleteMarkers: [{ Key: "app/shop/prod.json", VersionId: "dm", IsLatest: false, LastModified: t(8) }],
        IsTruncated: true,
        NextKeyMarker: "app/shop/prod.json",
        NextVersionIdMarker: "a",
      })
      .resolvesOnce({
        Versions: [
          { Key: "app/shop/prod.json", VersionId: "0", IsLatest: false, LastModified: t(1), Size: 3 },
          { Key: "app/shop/prod.json.bak", VersionId: "x", IsLatest: true, LastModified: t(2), Size: 3 },
        ],
        IsTruncated: true,
        NextKeyMarker: "app/shop/prod.json.bak",
        NextVersionIdMarker: "x",
      });
    const first = await store().listObjectVersions("shop", "prod", { limit: 3 });
    const second = await store().listObjectVersions("shop", "prod", { limit: 3, cursor: first.cursor! });
    expect(first.versions.map((v) => [v.versionId, v.deleteMarker])).toEqual([
      ["b", false],
      ["dm", true],
      ["a", false],
    ]);
    expect(second.versions.map((v) => v.versionId)).toEqual(["0"]);
    expect(second.cursor).toBeUndefined();
    const calls = s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ Bucket: bucket, Prefix: "app/shop/prod.json", MaxKeys: 3 });
    expect(calls[0]!.KeyMarker).toBeUndefined();
    expect(calls[1]).toMatchObject({ KeyMarker: "app/shop/prod.json", VersionIdMarker: "a", MaxKeys: 3 });
  });
});

describe("resolveStateBucket", () => {
  it("uses SST_STATE_BUCKET without asking SSM", async () => {
    const res = await resolveStateBucket({ env: { SST_STATE_BUCKET: "sst-state-override" }, ssm: new SSMClient({ region: "us-east-1" }) });
    expect(res.bucket).toBe("sst-state-override");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it("reads the state bucket from SSM /sst/bootstrap", async () => {
    ssm.on(GetParameterCommand, { Name: "/sst/bootstrap" }).resolves({
      Parameter: { Name: "/sst/bootstrap", Type: "String", Value: JSON.stringify({ version: 2, asset: "sst-asset-x", state: "sst-state-k3j4h5g6f7d8" }) },
    });
    const res = await resolveStateBucket({ env: { AWS_REGION: "eu-west-1" }, ssm: new SSMClient({ region: "eu-west-1" }) });
    expect(res).toEqual({ bucket: "sst-state-k3j4h5g6f7d8", from: "SSM /sst/bootstrap in eu-west-1" });
  });

  it("says SST has not bootstrapped the region when the parameter is missing", async () => {
    ssm.on(GetParameterCommand).rejects(new SSMServiceException({ name: "ParameterNotFound", $fault: "client", $metadata: { httpStatusCode: 400 }, message: "" }));
    const err = await resolveStateBucket({ env: { AWS_REGION: "ap-south-1" }, ssm: new SSMClient({ region: "ap-south-1" }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toContain("ap-south-1");
    expect((err as StoreUnavailableError).hint).toContain("SST_STATE_BUCKET");
  });
});
