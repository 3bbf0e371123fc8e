/**
 * The scheduled deploy-feed function as AWS runs it: each invocation a fresh handler (a cold start
 * every time, the worst case), reading SST's bucket on the S3 test server (Swift), its cursor and
 * events in a table on DynamoDB Local, posting to the local Slack Web API.
 */
import { randomBytes } from "node:crypto";
import { PutObjectCommand, DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { writeS3Home } from "@sst-state/adapters/home-writer";
import { generateHome } from "@sst-state/core/state/generate-home";
import { endDeploy, startDeploy, type SimHome } from "@sst-state/test-kit/deploy-sim";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { swiftCredentials } from "../../../scripts/services/swift.ts";
import { dynamoCredentials } from "../../../scripts/services/dynamodb-local.ts";
import { createDeployFeedHandler } from "../deploy-feed.ts";

const TOKEN = "xoxb-feed-lambda";
let slack: FakeSlackApi;
let s3: S3Client;
let env: Record<string, string>;
let home: SimHome;

beforeAll(async () => {
  slack = await startFakeSlackApi({ token: TOKEN });
  const bucket = `sst-state-${randomBytes(6).toString("hex")}`;
  s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", forcePathStyle: true, credentials: swiftCredentials });
  await writeS3Home(s3, bucket, generateHome({ app: "shop", seed: 41, now: Date.now() - 3_600_000, stages: [{ name: "prod", resources: 20, deploys: 5 }] }).files);
  home = {
    put: async (key, body) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    del: async (key) => void (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    read: async () => null,
  };
  env = {
    AWS_REGION: "us-east-1",
    // DynamoDB Local's keys; the S3 client (Swift's keys) is passed to the handler
    AWS_ACCESS_KEY_ID: dynamoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: dynamoCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: inject("dynamoEndpoint"),
    SST_STATE_BUCKET: bucket,
    SST_STATE_TABLE: `feed-lambda-${randomBytes(4).toString("hex")}`,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SST_STATE_CONFIG_JSON: JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD", feed: true } } }),
  };
  const ddb = createDynamoClient({ env });
  await ensureTable(ddb, env.SST_STATE_TABLE!);
  ddb.destroy();
}, 60_000);

afterAll(async () => {
  await slack?.close();
  s3?.destroy();
});

const run = () => createDeployFeedHandler(env, { s3 })();

describe("deploy feed function (scheduled)", () => {
  it("first run notes where prod is; later runs post a deploy once, then edit it in place; nothing twice", async () => {
    // Act
    const first = await run();
    const d = await startDeploy(home, "shop", "prod", { at: Date.now() });
    const second = await run();
    const third = await run();
    await endDeploy(home, d, { at: d.startedMs + 95_000 });
    const fourth = await run();
    const fifth = await run();
    // Assess
    expect([first, second, third, fourth, fifth].map((o) => [o.stages, o.posted, o.failedStages])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    const posts = slack.callsTo("chat.postMessage");
    const updates = slack.callsTo("chat.update");
    expect(posts.map((c) => [c.args.channel, c.args.text])).toEqual([["C0PROD", `deploy of prod started (update ${d.id}, command deploy)`]]);
    expect(updates.map((c) => [c.args.ts, c.args.text])).toEqual([[posts[0]!.result!.ts, "deploy of prod finished in 1m 35s"]]);
  }, 60_000);

  it("without a Slack token it fails to start, saying what to set", async () => {
    // Act / Assess
    await expect(createDeployFeedHandler({ ...env, SLACK_BOT_TOKEN: "" }, { s3 })()).rejects.toThrow(/SlackBotToken/);
  });
});
