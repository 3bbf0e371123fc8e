/**
 * AuditLog over the single table: `pk=AUDIT#<app>/<stage> sk=<ISO time>#<id>`, so one Query
 * (newest first) lists a stage's log. Entries never expire.
 */
import type { AuditEntry, AuditLog } from "@sst-state/core/restore/ports";
import { attributes, callTable, pages, plain } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

export interface DynamoAuditLogOptions {
  client: TableClientLike;
  tableName: string;
}

export function createDynamoAuditLog(opts: DynamoAuditLogOptions): AuditLog {
  const client = tableClientOf(opts.client);
  const TableName = opts.tableName;
  return {
    async append(entry) {
      await callTable(client, "PutItem", { TableName, Item: attributes({ ...entry, pk: `AUDIT#${entry.app}/${entry.stage}`, sk: `${entry.time}#${entry.id}` }) });
    },
    async list(app, stage, opts = {}) {
      if (opts.limit !== undefined && opts.limit <= 0) return [];
      const limit = opts.limit ?? Infinity;
      const out: AuditEntry[] = [];
      // Pages of `limit` entries (newest first); stop as soon as there are enough.
      const query = pages(
        client,
        "Query",
        { TableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: attributes({ ":pk": `AUDIT#${app}/${stage}` }), ScanIndexForward: false, ConsistentRead: true },
        opts.limit,
      );
      for await (const page of query) {
        for (const item of page.Items ?? []) {
          const { pk: _pk, sk: _sk, ...entry } = plain(item);
          out.push(entry as unknown as AuditEntry);
        }
        if (out.length >= limit) break;
      }
      return out.slice(0, limit);
    },
  };
}
