/**
 * The deploy feed on an S3 state bucket (OpenStack Swift with s3api and versioning, as the
 * scheduled function reads SST's bucket): the shared scenario, and a stage with 1,000 past updates
 * that the first scan does not replay and does not even list past one key: it makes the same
 * requests as for a stage with one past update. The 1,000 records are PUT 32 at a time (this Swift
 * takes ~0.1 s per sequential PUT).
 */
import { randomBytes } from "node:crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, inject, it } from "vitest";
import { unlockStuckDeploy } from "@sst-state/core/feed";
import { generateHome } from "@sst-state/core/state/generate-home";
import { stateKeys } from "@sst-state/core/state/versions";
import { endDeploy, startDeploy, type SimHome } from "@sst-state/test-kit/deploy-sim";
import { recordCommands, s3TestClients } from "../support/s3-test-client.ts";
import { createS3DeployWatch } from "../../deploy-watch.ts";
import { writeS3Home } from "../../home-writer.ts";
import { createS3HomeStore } from "../../s3-home.ts";
import { deployFeedScenario, emptyStateObject, expectOneFinishedDeployPosted, FEED_APP, feedWithFakeSlack, pastUpdateRecords } from "../support/deploy-feed-scenario.ts";

const client = s3TestClients();
const record = recordCommands;

function s3SimHome(c: S3Client, bucket: string): SimHome {
  return {
    put: async (key, body) => void (await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    del: async (key) => void (await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    async read(key) {
      try {
        const r = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await r.Body?.transformToString()) ?? null;
      } catch {
        return null;
      }
    },
  };
}

const newBucket = () => `sst-state-${randomBytes(6).toString("hex")}`;

deployFeedScenario("an S3 bucket (OpenStack Swift)", async () => {
  const bucket = newBucket();
  const c = client();
  await writeS3Home(
    c,
    bucket,
    generateHome({
      app: FEED_APP,
      seed: 29,
      now: Date.now() - 3_600_000,
      stages: [
        { name: "prod", resources: 40, deploys: 3 },
        { name: "staging", resources: 20, deploys: 2 },
        { name: "dev", resources: 10, deploys: 1 },
      ],
    }).files,
  );
  const store = createS3HomeStore({ bucket, client: c });
  return {
    home: s3SimHome(c, bucket),
    stateStore: store,
    source: createS3DeployWatch(store),
    // as `sst unlock` does (the same writes; core/feed/unlock.ts), with the stage's threshold passed
    async sstUnlock(stage) {
      const lock = await store.readSstLock(FEED_APP, stage);
      const res = await unlockStuckDeploy({ store, clock: { now: () => Date.now() + 3_600_000 } }, { app: FEED_APP, stage, updateId: lock!.updateID, stuckMs: 0 });
      if (!res.unlocked) throw new Error(res.reason);
    },
  };
});

describe("deploy feed on an S3 bucket with 1,000 past updates", () => {
  it("the first scan posts none of them and makes the same requests as for a stage with one past update; the next deploy is posted once", async () => {
    // Prepare: 1,000 completed update records of prod and 1 of staging (records only: the feed
    // lists and reads nothing else of them), PUT 32 at a time
    const bucket = newBucket();
    const seeder = client();
    const base = Date.now() - 1_000 * 3_600_000;
    await writeS3Home(seeder, bucket, [...pastUpdateRecords("prod", 1_000, base), emptyStateObject("prod"), ...pastUpdateRecords("staging", 1, base), emptyStateObject("staging")], { concurrency: 32 });
    const storeClient = client();
    const calls = record(storeClient);
    const store = createS3HomeStore({ bucket, client: storeClient });
    const { slack, feed } = await feedWithFakeSlack({ token: "xoxb-1000", stateStore: store, source: createS3DeployWatch(store), channels: { prod: "C0PROD", staging: "C0STAGING" } });
    /** the requests, with the stage's name taken out of keys and prefixes */
    const shape = (list: typeof calls, stage: string) => list.map((c) => [c.command, JSON.stringify(c.input).split(`/${stage}`).join("/<stage>")]);
    try {
      // Act
      const first = await feed.pollStage(FEED_APP, "prod");
      const prodFirst = calls.splice(0);
      await feed.pollStage(FEED_APP, "staging");
      const stagingFirst = calls.splice(0);
      const second = await feed.pollStage(FEED_APP, "prod");
      const secondCalls = calls.splice(0);
      const d = await startDeploy(s3SimHome(seeder, bucket), FEED_APP, "prod", { at: Date.now() });
      await endDeploy(s3SimHome(seeder, bucket), d, { at: Date.now() + 1_000 });
      await feed.pollAll();
      await feed.pollAll();
      // Assess: the first scan of 1,000 past updates asks S3 exactly what it asks for 1
      expect(first).toEqual({ app: FEED_APP, stage: "prod", baseline: true });
      expect(shape(prodFirst, "prod")).toEqual(shape(stagingFirst, "staging"));
      expect(prodFirst.filter((c) => c.command === "ListObjectsV2Command").map((c) => c.input.MaxKeys)).toEqual([1]);
      expect(prodFirst.filter((c) => c.command === "GetObjectCommand").map((c) => c.input.Key)).toEqual([stateKeys.lock(FEED_APP, "prod")]);
      expect(prodFirst.length).toBeLessThanOrEqual(3);
      expect(second).toEqual({ app: FEED_APP, stage: "prod", baseline: false, posted: [], skipped: [] });
      expect(secondCalls.filter((c) => c.command === "GetObjectCommand").map((c) => c.input.Key)).toEqual([stateKeys.lock(FEED_APP, "prod")]);
      expectOneFinishedDeployPosted(slack, d.id);
    } finally {
      await slack.close();
    }
  }, 240_000);
});
