/**
 * AuditLog over the single table: `pk=AUDIT#<app>/<stage> sk=<ISO time>#<id>`, so one Query
 * (newest first) lists a stage's log. Entries never expire.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateQuery, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditEntry, AuditLog } from "@sst-state/core/restore/ports";
import { toStoreError } from "./dynamodb-errors.ts";

export interface DynamoAuditLogOptions {
  client: DynamoDBClient;
  tableName: string;
}

export function createDynamoAuditLog(opts: DynamoAuditLogOptions): AuditLog {
  const doc = DynamoDBDocumentClient.from(opts.client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = opts.tableName;
  return {
    async append(entry) {
      try {
        await doc.send(
          new PutCommand({ TableName, Item: { ...entry, pk: `AUDIT#${entry.app}/${entry.stage}`, sk: `${entry.time}#${entry.id}` } }),
        );
      } catch (e) {
        throw toStoreError(e, "PutItem", TableName);
      }
    },
    async list(app, stage, opts = {}) {
      if (opts.limit !== undefined && opts.limit <= 0) return [];
      const limit = opts.limit ?? Infinity;
      const out: AuditEntry[] = [];
      // Pages of `limit` entries (newest first); stop as soon as there are enough.
      const pages = paginateQuery(
        { client: doc, ...(opts.limit !== undefined ? { pageSize: opts.limit } : {}) },
        { TableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `AUDIT#${app}/${stage}` }, ScanIndexForward: false, ConsistentRead: true },
      );
      try {
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            const { pk: _pk, sk: _sk, ...entry } = item;
            out.push(entry as AuditEntry);
          }
          if (out.length >= limit) break;
        }
      } catch (e) {
        throw toStoreError(e, "Query", TableName);
      }
      return out.slice(0, limit);
    },
  };
}
