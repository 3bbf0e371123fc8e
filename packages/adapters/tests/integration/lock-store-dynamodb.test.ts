/**
 * The LockStore contract and the contention guarantees on DynamoDB Local (started by
 * scripts/test/global-setup.ts), plus the translation of SDK failures into StoreUnavailableError.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { lockStoreContract } from "../contract/lock-store.contract.ts";

const endpoint = inject("dynamoEndpoint");
const tableName = `locks-${Date.now().toString(36)}`;
const client = () => createDynamoClient({ endpoint, env: {}, region: "us-east-1", credentials: dynamoCredentials });

beforeAll(async () => {
  const c = client();
  await ensureTable(c, tableName, { stream: true });
  c.destroy();
});

lockStoreContract("DynamoDB Local", async () => {
  const c = client();
  return { store: createDynamoLockStore({ client: c, tableName }), close: async () => c.destroy() };
});

describe("DynamoDB lock store on DynamoDB Local", () => {
  it("lets exactly one of 200 concurrent acquirers win; all 199 others are told that same holder", async () => {
    // Prepare
    const c = createDynamoClient({ endpoint, env: {}, region: "us-east-1", credentials: dynamoCredentials, maxAttempts: 10, requestTimeoutMs: 30_000 });
    const store = createDynamoLockStore({ client: c, tableName });
    const now = Date.parse("2025-03-01T12:00:00Z");
    // Act
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.acquire({ app: "race200", stage: "prod", holder: `ci-${i}`, reason: "deploy", ttlMs: 600_000 }, now)),
    );
    // Assess
    const winners = results.filter((r) => r.acquired);
    const losers = results.filter((r) => !r.acquired);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(199);
    for (const l of losers) expect(l.lock).toEqual(winners[0]!.lock);
    expect(await store.get("race200", "prod", now)).toEqual(winners[0]!.lock);
    c.destroy();
  });

  it("learns the holder from the failed write itself (ReturnValuesOnConditionCheckFailure), without a second request", async () => {
    // Prepare
    const c = client();
    const store = createDynamoLockStore({ client: c, tableName });
    const sent: string[] = [];
    c.middlewareStack.add((next, ctx) => async (args) => {
      sent.push(ctx.commandName ?? "?");
      return next(args);
    }, { step: "initialize" });
    const now = Date.parse("2025-03-01T12:00:00Z");
    await store.acquire({ app: "rvoccf", stage: "prod", holder: "U0ALICE", reason: "hotfix", ttlMs: 600_000 }, now);
    sent.length = 0;
    // Act
    const res = await store.acquire({ app: "rvoccf", stage: "prod", holder: "U0BOB", reason: "other", ttlMs: 600_000 }, now + 1000);
    // Assess
    expect(res).toMatchObject({ acquired: false, lock: { holder: "U0ALICE" } });
    expect(sent).toEqual(["UpdateItemCommand"]);
    c.destroy();
  });

  it("never writes the table's ttl attribute on a lock item, so TTL cannot reset the token", async () => {
    // Prepare
    const c = client();
    const store = createDynamoLockStore({ client: c, tableName });
    const now = Date.parse("2025-03-01T12:00:00Z");
    const a = await store.acquire({ app: "nottl", stage: "prod", holder: "A", reason: "r", ttlMs: 60_000 }, now);
    // Act
    await store.release("nottl", "prod", a.lock.token, now + 1);
    const item = await c.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: "LOCK#nottl/prod" }, sk: { S: "LOCK" } } }));
    // Assess
    expect(item.Item?.ttl).toBeUndefined();
    expect(item.Item?.token).toEqual({ N: "1" });
    expect(item.Item?.released).toEqual({ BOOL: true });
    c.destroy();
  });

  it("stores every attribute with the item's types: strings S, token N, released BOOL, times as ISO strings", async () => {
    // Prepare
    const c = client();
    const store = createDynamoLockStore({ client: c, tableName });
    const now = Date.parse("2025-03-01T12:00:00Z");
    const a = await store.acquire({ app: "layout", stage: "prod", holder: "U0ALICE", reason: "deploy", runUrl: "https://ci/run/9", ttlMs: 60_000 }, now);
    // Act
    await store.release("layout", "prod", a.lock.token, now + 5_000, "success");
    const item = await c.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: "LOCK#layout/prod" }, sk: { S: "LOCK" } }, ConsistentRead: true }));
    // Assess
    expect(item.Item).toEqual({
      pk: { S: "LOCK#layout/prod" },
      sk: { S: "LOCK" },
      app: { S: "layout" },
      stage: { S: "prod" },
      holder: { S: "U0ALICE" },
      reason: { S: "deploy" },
      runUrl: { S: "https://ci/run/9" },
      token: { N: "1" },
      acquiredAt: { S: "2025-03-01T12:00:00.000Z" },
      expiresAt: { S: "2025-03-01T12:01:00.000Z" },
      released: { BOOL: true },
      releasedAt: { S: "2025-03-01T12:00:05.000Z" },
      outcome: { S: "success" },
    });
    c.destroy();
  });

  it("reads, heartbeats, releases and takes over a lock item as earlier versions wrote it", async () => {
    // Prepare: the item exactly as the hand-marshalled store wrote it (token 41, held until 12:30).
    const c = client();
    const store = createDynamoLockStore({ client: c, tableName });
    const now = Date.parse("2025-03-01T12:10:00Z");
    await c.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: "LOCK#legacy/prod" },
          sk: { S: "LOCK" },
          app: { S: "legacy" },
          stage: { S: "prod" },
          holder: { S: "U0BOB" },
          reason: { S: "migration" },
          token: { N: "41" },
          acquiredAt: { S: "2025-03-01T12:00:00.000Z" },
          expiresAt: { S: "2025-03-01T12:30:00.000Z" },
          released: { BOOL: false },
        },
      }),
    );
    // Act
    const held = await store.get("legacy", "prod", now);
    const listed = await store.list(now, "legacy");
    const beat = await store.heartbeat("legacy", "prod", 41, 30 * 60_000, now);
    const released = await store.release("legacy", "prod", 41, now + 1_000, "success");
    const next = await store.acquire({ app: "legacy", stage: "prod", holder: "U0CAROL", reason: "next", ttlMs: 60_000 }, now + 2_000);
    // Assess
    const lease = { app: "legacy", stage: "prod", holder: "U0BOB", reason: "migration", token: 41, acquiredAt: "2025-03-01T12:00:00.000Z", expiresAt: "2025-03-01T12:30:00.000Z" };
    expect(held).toEqual(lease);
    expect(listed).toEqual([lease]);
    expect(beat).toEqual({ ok: true, lock: { ...lease, expiresAt: "2025-03-01T12:40:00.000Z" } });
    expect(released.released).toBe(true);
    expect(next.acquired && next.lock.token).toBe(42);
    c.destroy();
  });

  it("turns a missing table into StoreUnavailableError that points at SST_STATE_TABLE", async () => {
    // Prepare
    const c = client();
    const store = createDynamoLockStore({ client: c, tableName: "no-such-table" });
    // Act
    const err = await store.get("a", "prod", Date.now()).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain('"no-such-table" does not exist');
    expect((err as StoreUnavailableError).hint).toContain("SST_STATE_TABLE");
    c.destroy();
  });
});

describe("DynamoDB lock store when DynamoDB cannot be reached", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    // A TCP server that accepts and never answers: the request must time out, not hang.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", () => ok()));
    const a = silent.address();
    port = typeof a === "object" && a ? a.port : 0;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => silent.close(() => ok()));
  });

  it("fails with StoreUnavailableError naming the endpoint when the server never answers", async () => {
    // Prepare
    const c = createDynamoClient({ endpoint: `http://127.0.0.1:${port}`, env: {}, credentials: dynamoCredentials, requestTimeoutMs: 300, maxAttempts: 1 });
    const store = createDynamoLockStore({ client: c, tableName: "locks" });
    // Act
    const err = await store.acquire({ app: "a", stage: "prod", holder: "h", reason: "r", ttlMs: 1000 }, Date.now()).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain(`Could not reach DynamoDB at http://127.0.0.1:${port}`);
    expect((err as StoreUnavailableError).hint).toContain("AWS_ENDPOINT_URL_DYNAMODB");
    c.destroy();
  });

  it("fails with StoreUnavailableError when nothing listens on the endpoint", async () => {
    // Prepare
    const c = createDynamoClient({ env: { AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1" }, credentials: dynamoCredentials, maxAttempts: 1 });
    const store = createDynamoLockStore({ client: c, tableName: "locks" });
    // Act
    const err = await store.list(Date.now()).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain("http://127.0.0.1:1");
    c.destroy();
  });
});

describe("createDynamoClient", () => {
  it("uses AWS_ENDPOINT_URL_DYNAMODB and AWS_REGION from the env it is given", async () => {
    // Act
    const c = createDynamoClient({ env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" } });
    // Assess
    expect(await c.config.region()).toBe("eu-west-1");
    const ep = await c.config.endpoint!();
    expect(`${ep.protocol}//${ep.hostname}:${ep.port}`).toBe(endpoint);
    expect(c).toBeInstanceOf(DynamoDBClient);
    c.destroy();
  });
});
