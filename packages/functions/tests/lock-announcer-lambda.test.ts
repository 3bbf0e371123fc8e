/**
 * The lock announcer Lambda: called with a DynamoDB stream event as Lambda delivers it (records
 * with NEW_AND_OLD_IMAGES, captured from a lock table), posting to the fake Slack Web API.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoCredentials } from "../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { createLockAnnouncerHandler } from "../lock-announcer.ts";

const TOKEN = "xoxb-announcer-token";
const CONFIG = JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD" }, "*": { channel: "C0DEPLOYS" } } });

let api: FakeSlackApi;
beforeAll(async () => {
  api = await startFakeSlackApi({ token: TOKEN });
});
afterAll(async () => {
  await api.close();
});
afterEach(() => api.reset());

type Img = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;
const held: Img = {
  pk: { S: "LOCK#shop/prod" },
  sk: { S: "LOCK" },
  app: { S: "shop" },
  stage: { S: "prod" },
  holder: { S: "octocat (GitHub Actions run 77)" },
  reason: { S: "deploy" },
  runUrl: { S: "https://github.com/acme/shop/actions/runs/77" },
  token: { N: "7" },
  acquiredAt: { S: "2025-03-01T12:03:00.000Z" },
  expiresAt: { S: "2025-03-01T12:33:00.000Z" },
  released: { BOOL: false },
};

let seq = 100;
function record(eventName: "INSERT" | "MODIFY" | "REMOVE", oldImage: Img | undefined, newImage: Img | undefined): DynamoDBRecord {
  const keys = (newImage ?? oldImage)!;
  return {
    eventID: `e${++seq}`,
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: 1740830580,
      Keys: { pk: keys.pk!, sk: keys.sk! },
      ...(oldImage ? { OldImage: oldImage } : {}),
      ...(newImage ? { NewImage: newImage } : {}),
      SequenceNumber: String(seq),
      SizeBytes: 200,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/sst-state-prod-StateTable/stream/2025-03-01T00:00:00.000",
  };
}

/** A CI job took prod, heartbeat once, and released it 17 minutes later. */
function ciDeployEvent(): DynamoDBStreamEvent {
  const heartbeat: Img = { ...held, expiresAt: { S: "2025-03-01T12:50:00.000Z" } };
  const released: Img = { ...heartbeat, released: { BOOL: true }, releasedAt: { S: "2025-03-01T12:20:00.000Z" }, outcome: { S: "success" } };
  return {
    Records: [
      record("INSERT", undefined, held),
      record("MODIFY", held, heartbeat),
      record("INSERT", undefined, { pk: { S: "AUDIT#shop/prod" }, sk: { S: "2025-03-01T12:03:00Z#1" }, what: { S: "lock" } }),
      record("MODIFY", heartbeat, released),
    ],
  };
}

const env = (over: Record<string, string | undefined> = {}) => ({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: api.url, SST_STATE_CONFIG_JSON: CONFIG, ...over });

describe("lock announcer Lambda (DynamoDB stream)", () => {
  it("posts the acquisition (with a Release button) and the release to the stage's channel; heartbeats and other items say nothing", async () => {
    // Prepare
    const handler = createLockAnnouncerHandler(env());
    // Act
    const outcome = await handler(ciDeployEvent());
    // Assess
    const posts = api.callsTo("chat.postMessage");
    expect(outcome).toEqual({ events: 2, posted: 2, notPosted: 0 });
    expect(posts.map((c) => [c.token, c.args.channel, c.args.text])).toEqual([
      [TOKEN, "C0PROD", "prod locked by octocat (GitHub Actions run 77) for 'deploy', for up to 30 min (https://github.com/acme/shop/actions/runs/77)"],
      [TOKEN, "C0PROD", "prod unlocked by octocat (GitHub Actions run 77) after 17 min (success)"],
    ]);
    expect(JSON.stringify(posts[0]!.args.blocks)).toContain('"value":"shop/prod/7"');
    expect(JSON.stringify(posts[1]!.args.blocks)).not.toContain("lock_release");
  });

  it("posts a force release and a takeover of another stage to the default channel", async () => {
    // Prepare
    const handler = createLockAnnouncerHandler(env());
    const dev: Img = { ...held, pk: { S: "LOCK#shop/dev" }, stage: { S: "dev" }, holder: { S: "U0ALICE" } };
    const next: Img = { ...dev, holder: { S: "U0BOB" }, token: { N: "8" }, acquiredAt: { S: "2025-03-01T13:00:00.000Z" }, expiresAt: { S: "2025-03-01T13:30:00.000Z" } };
    const broken: Img = { ...next, released: { BOOL: true }, releasedAt: { S: "2025-03-01T13:05:00.000Z" }, forcedBy: { S: "U0SRE" }, forceReason: { S: "hung" } };
    // Act
    const outcome = await handler({ Records: [record("MODIFY", dev, next), record("MODIFY", next, broken)] });
    // Assess
    expect(outcome).toEqual({ events: 2, posted: 2, notPosted: 0 });
    expect(api.callsTo("chat.postMessage").map((c) => [c.args.channel, c.args.text])).toEqual([
      ["C0DEPLOYS", "dev locked by U0BOB for 'deploy', for up to 30 min (https://github.com/acme/shop/actions/runs/77); took over the expired lock of U0ALICE"],
      ["C0DEPLOYS", "dev: U0SRE broke the lock of U0BOB: hung"],
    ]);
  });

  it("with the table linked, a lease's end rewrites its announcement in place: no Release button, who ended it and when", async () => {
    // Prepare: the table (DynamoDB Local) where the announcer keeps where it posted
    const tableName = `announced-${Date.now().toString(36)}`;
    const endpoint = inject("dynamoEndpoint");
    const client = createDynamoClient({ endpoint, env: {}, region: "us-east-1", credentials: dynamoCredentials });
    await ensureTable(client, tableName);
    client.destroy();
    const withTable = env({ SST_STATE_TABLE: tableName, AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: dynamoCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: dynamoCredentials.secretAccessKey });
    const [insert, , , release] = ciDeployEvent().Records;
    const dev: Img = { ...held, pk: { S: "LOCK#shop/dev" }, stage: { S: "dev" }, holder: { S: "U0ALICE" }, reason: { S: "migration" } };
    const broken: Img = { ...dev, released: { BOOL: true }, releasedAt: { S: "2025-03-01T12:09:00.000Z" }, forcedBy: { S: "U0SRE" }, forceReason: { S: "the CI run was cancelled" } };
    // Act: each change in its own invocation (a cold start between them), as the stream delivers them
    await createLockAnnouncerHandler(withTable)({ Records: [insert!, record("INSERT", undefined, dev)] });
    const [prodPost, devPost] = api.callsTo("chat.postMessage").map((c) => ({ channel: c.args.channel, ts: c.result?.ts }));
    await createLockAnnouncerHandler(withTable)({ Records: [release!] });
    await createLockAnnouncerHandler(withTable)({ Records: [record("MODIFY", dev, broken)] });
    // Assess: both announcements updated in place, the ends posted too
    const updates = api.callsTo("chat.update");
    expect(updates.map((u) => [u.args.channel, u.args.ts])).toEqual([
      [prodPost!.channel, prodPost!.ts],
      [devPost!.channel, devPost!.ts],
    ]);
    const [prodNow, devNow] = updates.map((u) => JSON.stringify(u.args.blocks));
    expect(prodNow).not.toContain("lock_release");
    expect(prodNow).toContain("released by octocat (GitHub Actions run 77) at <!date^1740831600^");
    expect(devNow).not.toContain("lock_release");
    expect(devNow).toContain("broken by <@U0SRE> at <!date^1740830940^");
    expect(devNow).toContain("the CI run was cancelled");
    expect(api.callsTo("chat.postMessage")).toHaveLength(4);
  });

  it("does not throw when Slack refuses a post (Lambda would retry the batch): it reports it and posts the rest", async () => {
    // Prepare
    const handler = createLockAnnouncerHandler(env());
    api.failNext("chat.postMessage", "channel_not_found");
    // Act
    const outcome = await handler(ciDeployEvent());
    // Assess
    expect(outcome).toEqual({ events: 2, posted: 1, notPosted: 1 });
    expect(api.callsTo("chat.postMessage").map((c) => c.args.text)).toContain("prod unlocked by octocat (GitHub Actions run 77) after 17 min (success)");
  });

  it("does not throw without a bot token, and posts nothing", async () => {
    // Prepare
    const handler = createLockAnnouncerHandler(env({ SLACK_BOT_TOKEN: undefined }));
    // Act
    const outcome = await handler(ciDeployEvent());
    // Assess
    expect(outcome).toEqual({ events: 2, posted: 0, notPosted: 2 });
    expect(api.callsTo("chat.postMessage")).toEqual([]);
  });
});
