/**
 * ApprovalStore and AuditLog contracts against DynamoDB Local (real server from the global setup)
 * through the SDK's client, and dynalite (in-process, random port) through the JSON client, as the
 * embedded store runs them; the in-memory ones run in tests/unit/restore-memory-stores.test.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, inject } from "vitest";
import { ensureTable } from "../../dynamo-table.ts";
import { createDynamoApprovalStore } from "../../dynamodb-approval-store.ts";
import { createDynamoAuditLog } from "../../dynamodb-audit-log.ts";
import { createJsonTableClient, type JsonTableClient } from "../../dynamodb-json-client.ts";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { approvalStoreContract } from "../contract/approval-store.contract.ts";
import { auditLogContract } from "../contract/audit-log.contract.ts";

function client(endpoint: string) {
  return new DynamoDBClient({ endpoint, region: "us-east-1", credentials: dynamoCredentials });
}

// --- DynamoDB Local ---------------------------------------------------------------------------
const localTable = `restore-contract-${Date.now()}`;
let local: DynamoDBClient;
beforeAll(async () => {
  local = client(inject("dynamoEndpoint"));
  await ensureTable(local, localTable);
});

approvalStoreContract("DynamoDB Local", () => createDynamoApprovalStore({ client: local, tableName: localTable }), { concurrency: 20 });
auditLogContract("DynamoDB Local", () => createDynamoAuditLog({ client: local, tableName: localTable }));

// --- dynalite (in-process) --------------------------------------------------------------------
type DynaliteServer = { listen(port: number, cb: () => void): void; close(cb: () => void): void; address(): AddressInfo };
const dynaliteModule = "dynalite";
let dynaliteServer: DynaliteServer;
let lite: JsonTableClient;
const liteTable = "restore-contract";
beforeAll(async () => {
  const dynalite = ((await import(dynaliteModule)) as { default: (o: object) => DynaliteServer }).default;
  dynaliteServer = dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => dynaliteServer.listen(0, resolve));
  const endpoint = `http://127.0.0.1:${dynaliteServer.address().port}`;
  lite = createJsonTableClient({ endpoint: () => endpoint });
  await ensureTable(lite, liteTable);
});
afterAll(async () => {
  lite?.destroy();
  local?.destroy();
  if (dynaliteServer) await new Promise<void>((resolve) => dynaliteServer.close(() => resolve()));
});

approvalStoreContract("dynalite", () => createDynamoApprovalStore({ client: lite, tableName: liteTable }), { concurrency: 20 });
auditLogContract("dynalite", () => createDynamoAuditLog({ client: lite, tableName: liteTable }));
