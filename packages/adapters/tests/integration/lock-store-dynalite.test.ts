/**
 * The LockStore contract on dynalite (in memory, started here on a random loopback port) through
 * the JSON client: the server and the carrier behind the embedded store (DynamoDB Local runs the
 * same contract through the SDK's client). dynalite ignores ReturnValuesOnConditionCheckFailure,
 * so this also covers the read-after-failed-write path of acquire.
 */
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { afterAll, beforeAll } from "vitest";
import { createJsonTableClient } from "../../dynamodb-json-client.ts";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { lockStoreContract } from "../contract/lock-store.contract.ts";

const dynalite = createRequire(import.meta.url)("dynalite") as (o: object) => Server;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  const client = createJsonTableClient({ endpoint: () => endpoint });
  await ensureTable(client, "locks");
  client.destroy();
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

lockStoreContract("dynalite", async () => {
  const client = createJsonTableClient({ endpoint: () => endpoint });
  return { store: createDynamoLockStore({ client, tableName: "locks" }), close: async () => client.destroy() };
});
