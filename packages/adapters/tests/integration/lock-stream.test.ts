/**
 * Announcements from the table's stream: lock operations on DynamoDB Local, the records read back
 * through the DynamoDB Streams API (as a poller or Lambda's event source mapping would), turned
 * into LockEvents and posted by the announcer to a recording Notifier.
 */
import { DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from "@aws-sdk/client-dynamodb-streams";
import { parseConfig } from "@sst-state/core/config";
import { createLockAnnouncer, type LockEvent } from "@sst-state/core/lock";
import { renderLockEvent } from "@sst-state/slack/render/lock-event";
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { lockEventsFromStreamRecords } from "../../lock-stream.ts";

const endpoint = inject("dynamoEndpoint");
const tableName = `lockstream-${Date.now().toString(36)}`;
const MIN = 60_000;
const T0 = Date.parse("2025-03-01T12:00:00.000Z");

function recordingNotifier(fail = false): Notifier & { posts: { channel: string; message: ChatMessage }[] } {
  const posts: { channel: string; message: ChatMessage }[] = [];
  return {
    posts,
    async post(channel, message) {
      if (fail) throw new Error("slack is down");
      posts.push({ channel, message });
      return { channel, ts: `${posts.length}.000` };
    },
    async update() {},
    async upload() {},
  };
}

async function readStream(): Promise<_Record[]> {
  const ddb = createDynamoClient({ endpoint, env: {}, credentials: dynamoCredentials });
  const streams = new DynamoDBStreamsClient({ endpoint, region: "us-east-1", credentials: dynamoCredentials });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: tableName }))).Table!.LatestStreamArn!;
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards ?? [];
  const records: _Record[] = [];
  for (const shard of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    // An open shard always returns an iterator; stop when a page comes back empty.
    for (let pages = 0; it && pages < 20; pages++) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      records.push(...(out.Records ?? []));
      if (!out.Records?.length) break;
      it = out.NextShardIterator;
    }
  }
  ddb.destroy();
  streams.destroy();
  return records.sort((a, b) => (a.dynamodb!.SequenceNumber! < b.dynamodb!.SequenceNumber! ? -1 : 1));
}

describe("lock announcements from the DynamoDB stream", () => {
  let events: LockEvent[] = [];
  let tokens: Record<string, number> = {};

  beforeAll(async () => {
    // Prepare: a table with a stream, and one stage's lock going through its whole life.
    const client = createDynamoClient({ endpoint, env: {}, credentials: dynamoCredentials });
    await ensureTable(client, tableName, { stream: true });
    const store = createDynamoLockStore({ client, tableName });
    const a = await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "hotfix", runUrl: "https://github.com/acme/shop/actions/runs/42", ttlMs: 30 * MIN }, T0);
    await store.heartbeat("shop", "prod", a.lock.token, 30 * MIN, T0 + 5 * MIN);
    await store.acquire({ app: "shop", stage: "prod", holder: "U0BOB", reason: "other", ttlMs: 30 * MIN }, T0 + 6 * MIN); // refused: no write
    await store.release("shop", "prod", a.lock.token, T0 + 17 * MIN, "success");
    const ci = await store.acquire({ app: "shop", stage: "prod", holder: "ci-bot", reason: "nightly", ttlMs: MIN }, T0 + 20 * MIN);
    const next = await store.acquire({ app: "shop", stage: "prod", holder: "U0CAROL", reason: "deploy", ttlMs: 30 * MIN }, T0 + 25 * MIN); // takeover
    await store.forceRelease("shop", "prod", "U0SRE", "job hung", T0 + 40 * MIN);
    // Another kind of item in the same table must be ignored.
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: "AUDIT#shop/prod" }, sk: { S: "2025-03-01T12:00:00Z#1" }, what: { S: "x" } } }));
    tokens = { alice: a.lock.token, ci: ci.lock.token, carol: next.lock.token };
    client.destroy();
    // Act
    events = lockEventsFromStreamRecords(await readStream());
  });

  it("turns the stream into acquired, released, acquired, takeover and force-released events (heartbeats and refusals say nothing)", () => {
    // Assess
    expect(events.map((e) => [e.type, e.lock.holder, e.lock.token])).toEqual([
      ["acquired", "U0ALICE", tokens.alice],
      ["released", "U0ALICE", tokens.alice],
      ["acquired", "ci-bot", tokens.ci],
      ["acquired", "U0CAROL", tokens.carol],
      ["force-released", "U0CAROL", tokens.carol],
    ]);
    expect(events[0]!.lock.runUrl).toBe("https://github.com/acme/shop/actions/runs/42");
    expect(events[1]).toMatchObject({ type: "released", heldMs: 17 * MIN, outcome: "success" });
    expect(events[3]).toMatchObject({ type: "acquired", tookOver: { holder: "ci-bot", token: tokens.ci } });
    expect(events[4]).toMatchObject({ type: "force-released", by: "U0SRE", reason: "job hung" });
  });

  it("posts each event to the stage's channel from the config, with a Release button while held", async () => {
    // Prepare
    const notifier = recordingNotifier();
    const config = parseConfig(JSON.stringify({ stages: { prod: { channel: "C0PROD" }, "*": { channel: "C0DEPLOYS" } } }));
    const announcer = createLockAnnouncer({ notifier, config, render: renderLockEvent });
    // Act
    const results = await announcer.announceAll(events);
    // Assess
    expect(results.every((r) => r.posted)).toBe(true);
    expect(notifier.posts.map((p) => p.channel)).toEqual(["C0PROD", "C0PROD", "C0PROD", "C0PROD", "C0PROD"]);
    const [acquired, released, , takeover, forced] = notifier.posts.map((p) => p.message);
    expect(acquired!.text).toContain("prod locked by U0ALICE for 'hotfix'");
    expect(acquired!.text).toContain("https://github.com/acme/shop/actions/runs/42");
    expect(JSON.stringify(acquired!.blocks)).toContain(`"action_id":"lock_release"`);
    expect(JSON.stringify(acquired!.blocks)).toContain(`"value":"shop/prod/${tokens.alice}"`);
    expect(released!.text).toBe("prod unlocked by U0ALICE after 17 min (success)");
    expect(JSON.stringify(released!.blocks)).not.toContain("lock_release");
    expect(takeover!.text).toContain("took over the expired lock of ci-bot");
    expect(forced!.text).toBe("prod: U0SRE broke the lock of U0CAROL: job hung");
  });

  it("returns a Notifier failure as data instead of throwing", async () => {
    // Prepare
    const logged: string[] = [];
    const announcer = createLockAnnouncer({
      render: renderLockEvent,
      notifier: recordingNotifier(true),
      config: parseConfig(JSON.stringify({ stages: { "*": { channel: "C0DEPLOYS" } } })),
      log: (m) => logged.push(m),
    });
    // Act
    const results = await announcer.announceAll(events);
    // Assess
    expect(results).toHaveLength(5);
    expect(results.every((r) => !r.posted && "error" in r && r.channel === "C0DEPLOYS")).toBe(true);
    expect(logged).toHaveLength(5);
  });
});
