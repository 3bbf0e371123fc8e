/**
 * dynalite in this process (dynalite-direct.cjs), which the embedded store's owner calls without
 * HTTP: it must answer every request as dynalite's own HTTP handler answers it (status and body),
 * because the one JSON client (dynamodb-json-client.ts) reads both. Each request goes to two
 * stores built alike, one called in-process and one through dynalite's server (`serve()`), and
 * the answers are compared.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tableDefinition } from "../../dynamo-table.ts";

interface Direct {
  call(operation: string, body: string): Promise<{ status: number; text: string }>;
  serve(): Server;
  close(): Promise<void>;
}
const createDirect = createRequire(import.meta.url)("../../dynalite-direct.cjs") as (o: { path: string; createTableMs?: number }) => Direct;

const dirs: string[] = [];
const opened: Direct[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function open(): { direct: Direct; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "sst-state-direct-"));
  dirs.push(dir);
  const path = join(dir, "data");
  const direct = createDirect({ path, createTableMs: 0 });
  opened.push(direct);
  return { direct, path };
}
async function listen(d: Direct): Promise<string> {
  const server = d.serve();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
/** a request as a DynamoDB client sends it (dynalite checks the Authorization header's shape, not its signature) */
async function post(endpoint: string, operation: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `DynamoDB_20120810.${operation}`,
      "x-amz-date": "20261201T000000Z",
      authorization: "AWS4-HMAC-SHA256 Credential=k/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const TableName = "parity";
const table = JSON.stringify(tableDefinition(TableName));
type Send = (operation: string, body: string) => Promise<{ status: number; text: string }>;
/** CreateTable, then DescribeTable until ACTIVE (dynalite makes a table ACTIVE a tick after it answers) */
async function createTable(send: Send): Promise<void> {
  expect((await send("CreateTable", table)).status).toBe(200);
  for (let i = 0; i < 100; i++) {
    if (JSON.parse((await send("DescribeTable", JSON.stringify({ TableName }))).text).Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the table did not become ACTIVE");
}
const item = (sk: string, n = "1") => ({ pk: { S: "p" }, sk: { S: sk }, n: { N: n } });

/** requests after the table exists: successes, refusals and protocol errors */
const REQUESTS: [string, string][] = [
  ["PutItem", JSON.stringify({ TableName, Item: item("a"), ConditionExpression: "attribute_not_exists(pk)" })],
  ["PutItem", JSON.stringify({ TableName, Item: item("a", "2"), ConditionExpression: "attribute_not_exists(pk)" })],
  ["UpdateItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "a" } }, UpdateExpression: "SET n = n + :one", ExpressionAttributeValues: { ":one": { N: "1" } }, ReturnValues: "ALL_NEW" })],
  ["PutItem", JSON.stringify({ TableName, Item: item("b") })],
  ["GetItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "a" } }, ConsistentRead: true })],
  ["Query", JSON.stringify({ TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } }, Limit: 1 })],
  ["DeleteItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "b" } }, ReturnValues: "ALL_OLD" })],
  ["Scan", JSON.stringify({ TableName })],
  ["GetItem", JSON.stringify({ TableName, Key: {} })],
  ["GetItem", JSON.stringify({ TableName: "missing", Key: { pk: { S: "p" } } })],
  ["PutItem", JSON.stringify({ TableName, Item: { pk: { S: "p" } } })],
  ["Query", JSON.stringify({ TableName, KeyConditionExpression: "pk = ", ExpressionAttributeValues: {} })],
  ["Query", JSON.stringify({ TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } }, Limit: "ten" })],
  ["GetItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "a" } }, ConsistentRead: 7 })],
  ["GetItem", "{not json"],
  ["GetItem", ""],
  ["FlyToTheMoon", "{}"],
  ["TransactWriteItems", JSON.stringify({ TransactItems: [] })],
];

describe("dynalite in this process", () => {
  it("answers each request as dynalite's HTTP handler does: status and body", async () => {
    // Prepare: two stores alike, one called here, one through dynalite's server
    const here = open().direct;
    const there = open().direct;
    const endpoint = await listen(there);
    await createTable(here.call);
    await createTable((operation, body) => post(endpoint, operation, body));
    // Act
    const answers: { here: unknown; there: unknown }[] = [];
    for (const [operation, body] of REQUESTS) {
      const a = await here.call(operation, body);
      const b = await post(endpoint, operation, body);
      answers.push({ here: [operation, a.status, a.text && JSON.parse(a.text)], there: [operation, b.status, b.text && JSON.parse(b.text)] });
    }
    // Assess
    for (const { here: a, there: b } of answers) expect(a).toEqual(b);
    // ... and the answers are the ones each request calls for, not alike by accident
    const statuses = answers.map((x) => (x.here as [string, number])[1]);
    expect(statuses).toEqual([200, 400, 200, 200, 200, 200, 200, 200, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    const types = answers.map((x) => ((x.here as [string, number, { __type?: string }])[2] || {}).__type?.replace(/.*#/, ""));
    expect(types).toEqual([
      undefined,
      "ConditionalCheckFailedException",
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      "ValidationException",
      "ResourceNotFoundException",
      "ValidationException",
      "ValidationException",
      "SerializationException",
      "SerializationException",
      "SerializationException",
      "SerializationException",
      "UnknownOperationException",
      "UnknownOperationException",
    ]);
  });

  it("knows every operation dynalite's HTTP handler knows, and refuses a body over 16 MiB as it does", async () => {
    // Prepare: dynalite's own list (node_modules/dynalite/index.js, validOperations)
    const index = readFileSync(createRequire(import.meta.url).resolve("dynalite"), "utf8");
    const list = /validOperations = \[([^\]]+)\]/.exec(index)?.[1] ?? "";
    const known = [...list.matchAll(/'(\w+)'/g)].map((m) => m[1]!);
    const { direct } = open();
    // Act
    const types = [];
    for (const operation of known) types.push(JSON.parse((await direct.call(operation, "{}")).text).__type as string);
    const big = await direct.call("PutItem", JSON.stringify({ TableName, Item: { pk: { S: "x".repeat(16 * 1024 * 1024) } } }));
    // Assess: each is validated (none is unknown), and the big body gets dynalite's 413
    expect(known.length).toBeGreaterThanOrEqual(17);
    for (const [i, type] of types.entries()) expect({ operation: known[i], type }).not.toEqual({ operation: known[i], type: expect.stringMatching(/UnknownOperationException/) });
    expect(big).toEqual({ status: 413, text: "" });
  });

  it("serves the same store over HTTP once asked, and closes it through the server", async () => {
    // Prepare
    const { direct, path } = open();
    await createTable(direct.call);
    await direct.call("PutItem", JSON.stringify({ TableName, Item: item("here") }));
    // Act
    const endpoint = await listen(direct);
    const seen = await post(endpoint, "GetItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "here" } } }));
    await post(endpoint, "PutItem", JSON.stringify({ TableName, Item: item("there") }));
    const back = await direct.call("GetItem", JSON.stringify({ TableName, Key: { pk: { S: "p" }, sk: { S: "there" } } }));
    await direct.close();
    // Assess: one store, and its LevelDB is let go (the next store on the folder opens it)
    expect(JSON.parse(seen.text).Item).toEqual(item("here"));
    expect(JSON.parse(back.text).Item).toEqual(item("there"));
    expect(direct.serve().listening).toBe(false);
    const next = createDirect({ path, createTableMs: 0 });
    opened.push(next);
    expect(JSON.parse((await next.call("Scan", JSON.stringify({ TableName }))).text).Count).toBe(2);
  });

  it("lets go of its LevelDB on close when it never served", async () => {
    // Prepare
    const { direct, path } = open();
    await createTable(direct.call);
    // Act
    await direct.close();
    const next = createDirect({ path, createTableMs: 0 });
    opened.push(next);
    const described = await next.call("DescribeTable", JSON.stringify({ TableName }));
    // Assess
    expect(described.status).toBe(200);
  });
});
