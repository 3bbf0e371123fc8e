/**
 * Which home `createStateStore` picks (DESIGN §4) and how it is configured. AWS clients are
 * mocked: no request leaves the machine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SstStateError, UsageError } from "@sst-state/core/errors";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "../../home-writer.ts";
import type { S3HomeStore } from "../../s3-home.ts";
import { awsSetup, createStateStore } from "../../state-store-factory.ts";

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

let root: string;
let empty: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sst-state-factory-"));
  empty = await mkdtemp(join(tmpdir(), "sst-state-factory-empty-"));
  await writeLocalHome(root, generateHome({ app: "shop", seed: 1, stages: ["prod"] }).files);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
});

describe("createStateStore", () => {
  it("picks the local home when it has the app", async () => {
    const res = await createStateStore({ env: { SST_STATE_DIR: root }, app: "shop" });
    expect(res.home).toBe("local");
    expect(res.why).toContain("has app shop");
    expect(await res.store.listStages("shop")).toEqual(["prod"]);
  });

  it("picks the local home when no app is named and it has any", async () => {
    const res = await createStateStore({ env: {}, stateDir: root });
    expect(res.home).toBe("local");
    expect(res.store.location).toBe(`local home ${root}`);
  });

  it("falls back to AWS when the local home lacks the app, with the bucket from SST_STATE_BUCKET", async () => {
    const res = await createStateStore({ env: { SST_STATE_DIR: root, SST_STATE_BUCKET: "sst-state-override", AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" }, app: "blog" });
    expect(res.home).toBe("aws");
    expect(res.store.location).toBe("s3://sst-state-override");
    expect(res.why).toContain("no state for app blog");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it("finds the bucket through SSM /sst/bootstrap when told to use AWS", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ state: "sst-state-x1y2z3" }) } });
    const res = await createStateStore({ env: { SST_STATE_HOME: "aws", SST_STATE_DIR: root, AWS_REGION: "us-east-2" }, app: "shop" });
    expect(res.home).toBe("aws");
    expect(res.store.location).toBe("s3://sst-state-x1y2z3");
    expect(res.why).toContain("SST_STATE_HOME=aws");
  });

  it("honours --home local even when the local home is empty", async () => {
    const res = await createStateStore({ env: { SST_STATE_HOME: "aws" }, home: "local", stateDir: empty });
    expect(res.home).toBe("local");
    expect(await res.store.listApps()).toEqual([]);
  });

  it("uses path-style addressing and the endpoint from AWS_ENDPOINT_URL_S3", async () => {
    const res = await createStateStore({
      env: { SST_STATE_HOME: "aws", SST_STATE_BUCKET: "b", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" },
    });
    const { client, bucket } = res.store as S3HomeStore;
    expect(bucket).toBe("b");
    expect(client.config.forcePathStyle).toBe(true);
    const endpoint = await client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe("http://127.0.0.1:9000");
    expect((await client.config.credentials()).accessKeyId).toBe("k");
  });

  it("without AWS region or credentials never asks SSM: exit 2 naming the homes tried, the apps and stages found, and the extra hint", async () => {
    // Prepare: a local home without app "blog"; no AWS_* at all, HOME without ~/.aws
    const env = { SST_STATE_DIR: root, HOME: empty };
    // Act
    const err = (await createStateStore({ env, app: "blog", noHomeHint: "Try the demo." }).then(() => null, (e: unknown) => e)) as SstStateError;
    // Assess
    expect(err).toBeInstanceOf(SstStateError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`local home ${root}: apps shop (prod)`);
    expect(err.message).toContain("AWS: no credentials/region");
    expect(err.hint).toContain("Try the demo.");
    expect(err.hint).toContain("--app shop");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it("without AWS and an empty local home says no state was found anywhere", async () => {
    const err = (await createStateStore({ env: { HOME: empty }, stateDir: empty }).then(() => null, (e: unknown) => e)) as SstStateError;
    expect(err.exitCode).toBe(2);
    expect(err.code).toBe("home-not-found");
    expect(err.message).toContain(`local home ${empty}: no state`);
  });

  it("counts a profile with a region as AWS being set up", () => {
    expect(awsSetup({ HOME: empty, AWS_PROFILE: "p", AWS_REGION: "eu-west-1" }).usable).toBe(true);
    expect(awsSetup({ HOME: empty, AWS_PROFILE: "p" })).toEqual({ usable: false, missing: "region" });
    expect(awsSetup({ HOME: empty })).toEqual({ usable: false, missing: "credentials/region" });
  });

  it("rejects an unknown SST_STATE_HOME as a usage error", async () => {
    await expect(createStateStore({ env: { SST_STATE_HOME: "gcp" } })).rejects.toBeInstanceOf(UsageError);
  });
});
