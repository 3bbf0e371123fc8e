/**
 * The LockStore contract on dynalite (in memory, started here on a random loopback port): the
 * server behind the embedded store. dynalite ignores ReturnValuesOnConditionCheckFailure, so this
 * also covers the read-after-failed-write path of acquire.
 */
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { afterAll, beforeAll } from "vitest";
import { createDynamoClient } from "../../dynamodb-client.ts";
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
  const client = createDynamoClient({ endpoint, env: {}, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  await ensureTable(client, "locks");
  client.destroy();
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

lockStoreContract("dynalite", async () => {
  const client = createDynamoClient({ endpoint, env: {}, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  return { store: createDynamoLockStore({ client, tableName: "locks" }), close: async () => client.destroy() };
});
