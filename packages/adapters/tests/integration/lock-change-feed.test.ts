/**
 * Lock announcements without a stream: the polling change feed over dynalite (the server behind
 * the embedded store), with every change made through the real DynamoDB lock store, and
 * `startLockAnnouncements` posting what the feed sees through the announcer.
 */
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { parseConfig } from "@sst-state/core/config";
import { createLockAnnouncer, type LockEvent } from "@sst-state/core/lock";
import { renderLockEvent } from "@sst-state/slack/render/lock-event";
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { startLockAnnouncements } from "../../lock-announcements.ts";
import { createLockChangeFeed, type LockChangeFeed } from "../../lock-change-feed.ts";

const dynalite = createRequire(import.meta.url)("dynalite") as (o: object) => Server;
const MIN = 60_000;
const T0 = Date.parse("2025-03-01T12:00:00.000Z");
let server: Server;
let endpoint: string;
let client: DynamoDBClient;
let tables = 0;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  client = createDynamoClient({ endpoint, env: {}, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
afterAll(async () => {
  client.destroy();
  await new Promise<void>((ok) => server.close(() => ok()));
});

async function freshTable(): Promise<string> {
  const tableName = `feed-${++tables}`;
  await ensureTable(client, tableName);
  return tableName;
}

function feedOn(tableName: string, extra: { pageSize?: number; intervalMs?: number; client?: DynamoDBClient } = {}) {
  const delivered: LockEvent[][] = [];
  const errors: unknown[] = [];
  const feed: LockChangeFeed = createLockChangeFeed({
    client: extra.client ?? client,
    tableName,
    intervalMs: extra.intervalMs ?? 60_000,
    onEvents: (events) => void delivered.push(events),
    onError: (e) => void errors.push(e),
    ...(extra.pageSize ? { pageSize: extra.pageSize } : {}),
  });
  stops.push(() => feed.stop());
  return { feed, delivered, errors };
}

const summary = (events: LockEvent[]) => events.map((e) => [e.type, e.lock.stage, e.lock.holder, e.lock.token]);

function recordingNotifier(): Notifier & { posts: { channel: string; message: ChatMessage }[] } {
  const posts: { channel: string; message: ChatMessage }[] = [];
  return {
    posts,
    async post(channel, message) {
      posts.push({ channel, message });
      return { channel, ts: `${posts.length}.000` };
    },
    async update() {},
    async upload() {},
  };
}

describe("createLockChangeFeed (dynalite, no stream)", () => {
  it("does not announce leases that exist before the first poll after start", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "before serve", ttlMs: 30 * MIN }, T0);
    const { feed, delivered } = feedOn(tableName);
    // Act
    await feed.start();
    const next = await feed.pollOnce();
    // Assess
    expect(next).toEqual([]);
    expect(delivered).toEqual([]);
  });

  it("announces acquire, release, takeover and force-release once each; heartbeats, refusals and repeated polls say nothing", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    const { feed, delivered } = feedOn(tableName);
    await feed.start();
    // Act: one poll after each change, plus polls with no change in between.
    const polls: LockEvent[][] = [];
    const a = await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "hotfix", runUrl: "https://ci/run/1", ttlMs: 30 * MIN }, T0);
    polls.push(await feed.pollOnce());
    polls.push(await feed.pollOnce());
    await store.heartbeat("shop", "prod", a.lock.token, 30 * MIN, T0 + 5 * MIN);
    await store.acquire({ app: "shop", stage: "prod", holder: "U0BOB", reason: "other", ttlMs: 30 * MIN }, T0 + 6 * MIN);
    polls.push(await feed.pollOnce());
    await store.release("shop", "prod", a.lock.token, T0 + 17 * MIN, "success");
    polls.push(await feed.pollOnce());
    const ci = await store.acquire({ app: "shop", stage: "prod", holder: "ci-bot", reason: "nightly", ttlMs: MIN }, T0 + 20 * MIN);
    polls.push(await feed.pollOnce());
    const carol = await store.acquire({ app: "shop", stage: "prod", holder: "U0CAROL", reason: "deploy", ttlMs: 30 * MIN }, T0 + 25 * MIN);
    polls.push(await feed.pollOnce());
    await store.forceRelease("shop", "prod", "U0SRE", "job hung", T0 + 40 * MIN);
    polls.push(await feed.pollOnce());
    polls.push(await feed.pollOnce());
    // Assess
    expect(polls.map(summary)).toEqual([
      [["acquired", "prod", "U0ALICE", a.lock.token]],
      [],
      [],
      [["released", "prod", "U0ALICE", a.lock.token]],
      [["acquired", "prod", "ci-bot", ci.lock.token]],
      [["acquired", "prod", "U0CAROL", carol.lock.token]],
      [["force-released", "prod", "U0CAROL", carol.lock.token]],
      [],
    ]);
    expect(polls[0]![0]!.lock.runUrl).toBe("https://ci/run/1");
    expect(polls[3]![0]).toMatchObject({ heldMs: 17 * MIN, outcome: "success" });
    expect(polls[5]![0]).toMatchObject({ tookOver: { holder: "ci-bot", token: ci.lock.token } });
    expect(polls[6]![0]).toMatchObject({ by: "U0SRE", reason: "job hung" });
    expect(delivered).toEqual(polls.filter((p) => p.length));
  });

  it("announces a lease taken and released between two polls as acquired, then released", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    const { feed } = feedOn(tableName);
    await feed.start();
    // Act: a fresh stage, and a stage whose earlier lease was released before the baseline.
    const first = await store.acquire({ app: "shop", stage: "dev", holder: "me@laptop", reason: "run", ttlMs: 30 * MIN }, T0);
    await store.release("shop", "dev", first.lock.token, T0 + 2 * MIN, "success");
    const fresh = await feed.pollOnce();
    const again = await store.acquire({ app: "shop", stage: "dev", holder: "ci-bot", reason: "deploy", ttlMs: 30 * MIN }, T0 + 5 * MIN);
    await store.forceRelease("shop", "dev", "U0SRE", "stuck", T0 + 6 * MIN);
    const reused = await feed.pollOnce();
    // Assess
    expect(summary(fresh)).toEqual([
      ["acquired", "dev", "me@laptop", first.lock.token],
      ["released", "dev", "me@laptop", first.lock.token],
    ]);
    expect(fresh[1]).toMatchObject({ heldMs: 2 * MIN, outcome: "success" });
    expect(fresh[0]).not.toHaveProperty("tookOver");
    expect(summary(reused)).toEqual([
      ["acquired", "dev", "ci-bot", again.lock.token],
      ["force-released", "dev", "ci-bot", again.lock.token],
    ]);
  });

  it("reads every page of lock items and skips the table's other items", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    for (let i = 0; i < 3; i++) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: `AUDIT#shop/s${i}` }, sk: { S: `2025-03-01T12:00:0${i}Z#1` }, what: { S: "x" } } }));
    }
    const { feed } = feedOn(tableName, { pageSize: 2 });
    await feed.start();
    // Act
    const stages = ["a", "b", "c", "d", "e"];
    for (const stage of stages) await store.acquire({ app: "shop", stage, holder: "U0ALICE", reason: "x", ttlMs: 30 * MIN }, T0);
    const events = await feed.pollOnce();
    // Assess
    expect(summary(events)).toEqual(stages.map((s) => ["acquired", s, "U0ALICE", 1]));
  });

  it("keeps the last good baseline when a poll fails, and announces the change once when polling recovers", async () => {
    // Prepare: a client whose requests fail while `down` is set (a middleware injects the outage).
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    let down = false;
    const flaky = createDynamoClient({ endpoint, env: {}, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    flaky.middlewareStack.add(
      (next) => async (args) => {
        if (down) throw new Error("connect ECONNREFUSED");
        return next(args);
      },
      { step: "initialize", name: "injectOutage" },
    );
    stops.push(async () => flaky.destroy());
    const { feed, errors } = feedOn(tableName, { client: flaky });
    await feed.start();
    // Act
    const a = await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "x", ttlMs: 30 * MIN }, T0);
    down = true;
    const failed = await feed.pollOnce().catch((e: unknown) => e);
    down = false;
    const recovered = await feed.pollOnce();
    const after = await feed.pollOnce();
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(summary(recovered)).toEqual([["acquired", "prod", "U0ALICE", a.lock.token]]);
    expect(after).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("polls on its timer after start and stops when asked", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    let resolveEvents!: (events: LockEvent[]) => void;
    const got = new Promise<LockEvent[]>((r) => (resolveEvents = r));
    const feed = createLockChangeFeed({ client, tableName, intervalMs: 20, onEvents: (events) => resolveEvents(events) });
    stops.push(() => feed.stop());
    await feed.start();
    // Act
    await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "timer", ttlMs: 30 * MIN }, T0);
    const events = await got;
    await feed.stop();
    // Assess
    expect(summary(events)).toEqual([["acquired", "prod", "U0ALICE", 1]]);
  });
});

describe("startLockAnnouncements", () => {
  const config = parseConfig(JSON.stringify({ stages: { prod: { channel: "C0PROD" }, "*": { channel: "C0DEPLOYS" } } }));

  it("posts the embedded store's lock changes to the stage's channel, without the leases already held", async () => {
    // Prepare
    const tableName = await freshTable();
    const store = createDynamoLockStore({ client, tableName });
    await store.acquire({ app: "shop", stage: "dev", holder: "me@laptop", reason: "old", ttlMs: 30 * MIN }, T0);
    const notifier = recordingNotifier();
    const announcements = await startLockAnnouncements({ table: { client, tableName, embedded: true }, announcer: createLockAnnouncer({ notifier, config, render: renderLockEvent }), intervalMs: 60_000 });
    stops.push(() => announcements.stop());
    // Act
    const a = await store.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "hotfix", ttlMs: 30 * MIN }, T0);
    await announcements.pollOnce();
    await store.release("shop", "prod", a.lock.token, T0 + 17 * MIN, "success");
    await announcements.pollOnce();
    await announcements.pollOnce();
    // Assess
    expect(announcements.source).toBe("feed");
    expect(notifier.posts.map((p) => [p.channel, p.message.text])).toEqual([
      ["C0PROD", "prod locked by U0ALICE for 'hotfix', for up to 30 min"],
      ["C0PROD", "prod unlocked by U0ALICE after 17 min (success)"],
    ]);
  });

  it("does nothing for a real table: its stream Lambda announces", async () => {
    // Prepare: a client that must not be used.
    const used: unknown[] = [];
    const untouchable = { send: (cmd: unknown) => (used.push(cmd), Promise.reject(new Error("must not be called"))) } as unknown as DynamoDBClient;
    const notifier = recordingNotifier();
    // Act
    const announcements = await startLockAnnouncements({ table: { client: untouchable, tableName: "sst-state", embedded: false }, announcer: createLockAnnouncer({ notifier, config, render: renderLockEvent }) });
    const polled = await announcements.pollOnce();
    await announcements.stop();
    // Assess
    expect(announcements.source).toBe("stream");
    expect(polled).toEqual([]);
    expect(used).toEqual([]);
    expect(notifier.posts).toEqual([]);
  });
});
