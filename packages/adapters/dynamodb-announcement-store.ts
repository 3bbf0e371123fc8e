/**
 * Where lock announcements were posted (core/lock AnnouncementStore) over the single table
 * (dynamo-table.ts), the same on DynamoDB in AWS and in the embedded store behind `serve`:
 *
 *   pk                         sk                    what
 *   ANNOUNCED#<app>/<stage>    TOKEN#<token>         the announcement of that lease: `channel`, `ts`
 *
 * Written after the acquisition was posted, read when the lease ends, so that its message is
 * rewritten in place. Not `LOCK#`, so neither the stream's filter (infra/announcer.ts) nor the
 * embedded change feed (lock-change-feed.ts) sees these items as lock changes. Expire by `ttl`
 * after 90 days.
 */
import type { AnnouncementStore } from "@sst-state/core/lock";
import { attributes, callTable, plain } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

const ANNOUNCED_PK_PREFIX = "ANNOUNCED#";
const KEEP_MS = 90 * 86_400_000;

export interface DynamoAnnouncementStoreOptions {
  client: TableClientLike;
  tableName: string;
  now?: () => number;
}

const key = (lock: { app: string; stage: string; token: number }) => ({ pk: `${ANNOUNCED_PK_PREFIX}${lock.app}/${lock.stage}`, sk: `TOKEN#${lock.token}` });

export function createDynamoAnnouncementStore(opts: DynamoAnnouncementStoreOptions): AnnouncementStore {
  const client = tableClientOf(opts.client);
  const TableName = opts.tableName;
  const now = opts.now ?? Date.now;
  return {
    async remember(lock, posted) {
      await callTable(client, "PutItem", { TableName, Item: attributes({ ...key(lock), channel: posted.channel, ts: posted.ts, ttl: Math.floor((now() + KEEP_MS) / 1000) }) });
    },
    async recall(lock) {
      const r = await callTable(client, "GetItem", { TableName, Key: attributes(key(lock)), ConsistentRead: true });
      const item = r.Item && plain(r.Item);
      return item && typeof item.channel === "string" && typeof item.ts === "string" ? { channel: item.channel, ts: item.ts } : null;
    },
  };
}
