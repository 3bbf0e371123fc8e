/**
 * `sst-state status | history | diff` as a child process against a real S3 layout: SST's bucket
 * on OpenStack Swift (S3 layer with versioning), found through SST_STATE_BUCKET and reached
 * through the standard AWS_ENDPOINT_URL_S3, exactly as a user points it at a local server.
 */
import { randomBytes } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeS3Home } from "@sst-state/adapters/home-writer";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { runBin } from "../helpers.ts";

const bucket = `sst-state-${randomBytes(6).toString("hex")}`;
let s3: S3Client;
let generated: ReturnType<typeof generateHome>;

const env = () => ({
  SST_STATE_HOME: "aws",
  SST_STATE_BUCKET: bucket,
  AWS_ENDPOINT_URL_S3: inject("s3Endpoint"),
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: swiftCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: swiftCredentials.secretAccessKey,
});

beforeAll(async () => {
  // Prepare: a gzip-compressed home (SST v4.13+ `state.compress`) with a failed last deploy.
  s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", forcePathStyle: true, credentials: swiftCredentials });
  generated = generateHome({ app: "shop", seed: 11, compress: true, stages: [{ name: "prod", resources: 60, deploys: 3, errors: true }] });
  await writeS3Home(s3, bucket, generated.files);
}, 120_000);
afterAll(() => s3.destroy());

describe("the CLI on the AWS home", () => {
  it("status reads the bucket and reports the last update's errors (exit 1)", async () => {
    const r = await runBin(["status", "prod", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ app: "shop", stage: "prod", home: "aws", lock: null });
    expect(s.location).toContain(bucket);
    expect(s.resources).toBeGreaterThan(30);
    expect(s.lastUpdate.errors.length).toBeGreaterThan(0);
    expect(r.code).toBe(1);
  });

  it("history lists one version per deploy and, with --all, the raw object versions", async () => {
    const r = await runBin(["history", "prod", "--all", "--json"], { env: env() });
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout);
    expect(h.versions.map((v: { id: string }) => v.id)).toEqual(generated.stages[0]!.updateIds);
    expect(h.objectVersions.length).toBeGreaterThanOrEqual(1);
    expect(h.objectVersions[0].isLatest).toBe(true);
  });

  it("diff reads an S3 object version id as a selector", async () => {
    const h = JSON.parse((await runBin(["history", "prod", "--all", "--json"], { env: env() })).stdout);
    const vid = h.objectVersions[0].versionId as string;
    const r = await runBin(["diff", "prod", vid, "latest", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    const d = JSON.parse(r.stdout);
    expect(d.from).toBe(vid);
    expect(d).toMatchObject({ added: [], removed: [], changed: [] });
  });

  it("a missing bucket is a clear error that names it", async () => {
    const r = await runBin(["status", "prod"], { env: { ...env(), SST_STATE_BUCKET: `${bucket}-missing` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bucket}-missing`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
