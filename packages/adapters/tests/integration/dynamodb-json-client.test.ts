/**
 * The embedded store's JSON client (dynamodb-json-client.ts) against dynalite, the server it talks
 * to: outputs and errors shaped as the stores read them from the SDK, and the faults no dynalite
 * produces (a server that never answers, one that answers garbage, nothing listening) from small
 * loopback servers.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { ensureTable } from "../../dynamo-table.ts";
import { isConditionFailed, isResourceNotFound, toStoreError } from "../../dynamodb-errors.ts";
import { createJsonTableClient, type JsonTableClient } from "../../dynamodb-json-client.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { attributes, pages, plain } from "../../table-client.ts";

const dynalite = createRequire(import.meta.url)("dynalite") as (o: object) => Server;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const listen = (s: Server) => new Promise<void>((ok) => s.listen(0, "127.0.0.1", () => ok()));
const close = (s: Server) => new Promise<void>((ok) => s.close(() => ok()));

let server: Server;
let endpoint: string;
let client: JsonTableClient;
const TableName = "json-client";

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await listen(server);
  endpoint = urlOf(server);
  client = createJsonTableClient({ endpoint: () => endpoint });
  await ensureTable(client, TableName);
});
afterAll(async () => {
  client?.destroy();
  if (server) await close(server);
});

describe("JSON client on dynalite", () => {
  it("writes and reads items as AttributeValue maps, as the SDK's client does", async () => {
    // Prepare
    const item = { pk: "T#1", sk: "A", n: 7, ok: true, tags: ["a", "b"], nested: { s: "x" } };
    // Act
    await client.call("PutItem", { TableName, Item: attributes(item) });
    const got = await client.call("GetItem", { TableName, Key: attributes({ pk: "T#1", sk: "A" }), ConsistentRead: true });
    // Assess
    expect(got.Item?.n).toEqual({ N: "7" });
    expect(plain(got.Item!)).toEqual(item);
  });

  it("pages a Query through LastEvaluatedKey, and stops reading when the caller stops", async () => {
    // Prepare: 7 items in one partition, pages of 3
    for (let i = 0; i < 7; i++) await client.call("PutItem", { TableName, Item: attributes({ pk: "P#1", sk: `S${i}` }) });
    const input = { TableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: attributes({ ":pk": "P#1" }) };
    // Act
    const sizes: number[] = [];
    for await (const page of pages(client, "Query", input, 3)) sizes.push(page.Items?.length ?? 0);
    let firstOnly = 0;
    for await (const page of pages(client, "Query", input, 3)) {
      firstOnly += page.Items?.length ?? 0;
      break;
    }
    // Assess: dynalite may end with an empty page when the last one was full
    expect(sizes.slice(0, 3)).toEqual([3, 3, 1]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
    expect(firstOnly).toBe(3);
  });

  it("rejects a failed condition with DynamoDB's error name and status, as the stores test for it", async () => {
    // Prepare
    await client.call("PutItem", { TableName, Item: attributes({ pk: "C#1", sk: "A" }) });
    // Act
    const err = await client.call("PutItem", { TableName, Item: attributes({ pk: "C#1", sk: "A" }), ConditionExpression: "attribute_not_exists(pk)" }).catch((e: unknown) => e);
    // Assess
    expect(isConditionFailed(err)).toBe(true);
    expect(err).toMatchObject({ name: "ConditionalCheckFailedException", $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(/conditional request failed/i);
  });

  it("names a missing table ResourceNotFoundException, and the lock store says which table and where", async () => {
    // Act
    const raw = await client.call("DescribeTable", { TableName: "missing" }).catch((e: unknown) => e);
    const fromStore = await createDynamoLockStore({ client, tableName: "missing" }).get("shop", "prod", Date.now()).catch((e: unknown) => e);
    // Assess
    expect(isResourceNotFound(raw)).toBe(true);
    expect(fromStore).toBeInstanceOf(StoreUnavailableError);
    expect((fromStore as Error).message).toBe(`The table "missing" does not exist in DynamoDB at ${endpoint}.`);
  });

  it("passes a validation error's message through", async () => {
    // Act
    const err = await client.call("GetItem", { TableName, Key: attributes({ pk: "only-half-the-key" }) }).catch((e: unknown) => e);
    // Assess
    expect(err).toMatchObject({ name: "ValidationException" });
    expect((err as Error).message).toMatch(/key/i);
  });
});

describe("JSON client faults", () => {
  it("times out a server that accepts and never answers, as an error toStoreError calls unreachable", async () => {
    // Prepare
    const silent = createServer(() => {
      /* never answers */
    });
    await listen(silent);
    const c = createJsonTableClient({ endpoint: () => urlOf(silent), requestTimeoutMs: 200 });
    try {
      // Act
      const started = Date.now();
      const err = await c.call("DescribeTable", { TableName }).catch((e: unknown) => e);
      // Assess
      expect(err).toMatchObject({ name: "TimeoutError" });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(toStoreError(err, "DescribeTable", TableName, await c.where()).message).toMatch(/^Could not reach DynamoDB at http:\/\/127\.0\.0\.1:\d+ for DescribeTable/);
    } finally {
      c.destroy();
      silent.closeAllConnections();
      await close(silent);
    }
  });

  it("turns an answer that is not DynamoDB's JSON into an error naming the status, never a parse crash", async () => {
    // Prepare
    const odd = createServer((_req, res) => {
      res.statusCode = 502;
      res.end("<html>bad gateway</html>");
    });
    await listen(odd);
    const c = createJsonTableClient({ endpoint: () => urlOf(odd) });
    try {
      // Act
      const err = await c.call("GetItem", { TableName, Key: attributes({ pk: "x", sk: "y" }) }).catch((e: unknown) => e);
      // Assess
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ name: "InternalServerError", $metadata: { httpStatusCode: 502 } });
      expect((err as Error).message).toBe("<html>bad gateway</html>");
    } finally {
      c.destroy();
      await close(odd);
    }
  });

  it("turns a 200 whose body is not JSON into an error saying so", async () => {
    // Prepare
    const odd = createServer((_req, res) => res.end("OK"));
    await listen(odd);
    const c = createJsonTableClient({ endpoint: () => urlOf(odd) });
    try {
      // Act
      const err = await c.call("DescribeTable", { TableName }).catch((e: unknown) => e);
      // Assess
      expect(err).toMatchObject({ name: "InternalServerError" });
      expect((err as Error).message).toMatch(/^DescribeTable: DynamoDB at http:\/\/127\.0\.0\.1:\d+ answered 200 with a body that is not JSON: OK$/);
    } finally {
      c.destroy();
      await close(odd);
    }
  });

  it("keeps Node's ECONNREFUSED when nothing listens (the embedded store re-opens on it)", async () => {
    // Prepare: a port that was just freed
    const gone = createServer();
    await listen(gone);
    const url = urlOf(gone);
    await close(gone);
    const c = createJsonTableClient({ endpoint: () => url });
    // Act
    const err = await c.call("DescribeTable", { TableName }).catch((e: unknown) => e);
    c.destroy();
    // Assess
    expect(err).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("refuses an endpoint that is not loopback http, sending nothing", async () => {
    // Prepare
    const c = createJsonTableClient({ endpoint: () => "http://dynamodb.us-east-1.amazonaws.com" });
    // Act
    const err = await c.call("DescribeTable", { TableName }).catch((e: unknown) => e);
    c.destroy();
    // Assess
    expect((err as Error).message).toMatch(/only talks to a loopback http endpoint/);
  });
});
