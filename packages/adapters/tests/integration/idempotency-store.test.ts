/**
 * The IdempotencyStore port: the same behaviour from the memory store and the DynamoDB store
 * (DynamoDB Local, started by scripts/test/global-setup.ts, through the SDK's client; the embedded
 * store, dynalite through the JSON client): one winner per key, even under concurrent claims, and
 * a key can be claimed again once its claim expired.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { startEmbeddedDynamo, type EmbeddedDynamo } from "@sst-state/adapters/embedded-dynamo";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { createMemoryIdempotencyStore, type IdempotencyStore } from "@sst-state/slack/idempotency";
import { createDynamoIdempotencyStore } from "@sst-state/adapters/dynamodb-idempotency-store";

const endpoint = inject("dynamoEndpoint");
const tableName = `seen-${Date.now().toString(36)}`;
const client = createDynamoClient({ endpoint, env: {}, region: "us-east-1", credentials: dynamoCredentials, maxAttempts: 10, requestTimeoutMs: 30_000 });

let embedded: EmbeddedDynamo;
beforeAll(async () => {
  await ensureTable(client, tableName);
  embedded = await startEmbeddedDynamo({ dir: join(mkdtempSync(join(tmpdir(), "seen-")), "db") });
});
afterAll(async () => {
  client.destroy();
  await embedded?.close();
});

const T0 = Date.parse("2026-01-15T12:00:00Z");

function contract(name: string, make: (now: () => number) => IdempotencyStore) {
  describe(`IdempotencyStore: ${name}`, () => {
    it("claims a key once, and other keys independently", async () => {
      // Prepare
      const store = make(() => T0);
      const key = `T0TEAM:${name}:1.2.3`;
      // Act
      const first = await store.claim(key, 60_000);
      const again = await store.claim(key, 60_000);
      const other = await store.claim(`${key}-other`, 60_000);
      // Assess
      expect([first, again, other]).toEqual([true, false, true]);
    });

    it("lets exactly one of 50 concurrent claims of a key win", async () => {
      // Prepare
      const store = make(() => T0);
      const key = `T0TEAM:${name}:race`;
      // Act
      const results = await Promise.all(Array.from({ length: 50 }, () => store.claim(key, 60_000)));
      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("lets a key be claimed again after its claim expired", async () => {
      // Prepare
      let now = T0;
      const store = make(() => now);
      const key = `T0TEAM:${name}:expiring`;
      await store.claim(key, 2_000);
      // Act
      now = T0 + 1_000;
      const early = await store.claim(key, 2_000);
      now = T0 + 10_000;
      const late = await store.claim(key, 2_000);
      // Assess
      expect(early).toBe(false);
      expect(late).toBe(true);
    });
  });
}

contract("memory", (now) => createMemoryIdempotencyStore({ now }));
contract("DynamoDB Local", (now) => createDynamoIdempotencyStore({ client, tableName, now }));
contract("embedded store", (now) => createDynamoIdempotencyStore({ client: embedded.client, tableName: embedded.tableName, now }));

describe("DynamoDB idempotency store", () => {
  it("writes pk=SEEN#<key>, sk=SEEN with the table's ttl in epoch seconds", async () => {
    // Prepare
    const store = createDynamoIdempotencyStore({ client, tableName, now: () => T0 });
    // Act
    await store.claim("T0TEAM:layout", 3_600_000);
    const item = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: "SEEN#T0TEAM:layout" }, sk: { S: "SEEN" } }, ConsistentRead: true }));
    // Assess
    expect(item.Item?.ttl?.N).toBe(String((T0 + 3_600_000) / 1000));
  });

  it("turns a missing table into StoreUnavailableError that names where the table was looked for, with a hint", async () => {
    // Prepare
    const store = createDynamoIdempotencyStore({ client, tableName: "no-such-table" });
    // Act
    const err = await store.claim("k", 1000).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe(`The table "no-such-table" does not exist in DynamoDB at ${new URL(inject("dynamoEndpoint")).origin}.`);
    expect((err as StoreUnavailableError).hint).toMatch(/SST_STATE_TABLE/);
  });

  it("turns a missing table into the same StoreUnavailableError on the embedded store, for its owner and for a guest", async () => {
    // Prepare: the owner calls dynalite in its process; a second opener of the folder is a guest over HTTP
    const guest = await startEmbeddedDynamo({ dir: embedded.dir });
    try {
      const errors = [];
      // Act
      for (const client of [embedded.client, guest.client]) {
        errors.push(await createDynamoIdempotencyStore({ client, tableName: "no-such-table" }).claim("k", 1000).catch((e: unknown) => e));
      }
      // Assess
      expect(guest.owned).toBe(false);
      for (const err of errors) expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(errors.map((e) => (e as Error).message)).toEqual([
        `The table "no-such-table" does not exist in the embedded store at ${embedded.dir}.`,
        `The table "no-such-table" does not exist in DynamoDB at ${embedded.endpoint}.`,
      ]);
    } finally {
      await guest.close();
    }
  });
});
