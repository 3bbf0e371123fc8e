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
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AnnouncementStore } from "@sst-state/core/lock";
import { toStoreError } from "./dynamodb-errors.ts";

const ANNOUNCED_PK_PREFIX = "ANNOUNCED#";
const KEEP_MS = 90 * 86_400_000;

export interface DynamoAnnouncementStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => number;
}

const key = (lock: { app: string; stage: string; token: number }) => ({ pk: `${ANNOUNCED_PK_PREFIX}${lock.app}/${lock.stage}`, sk: `TOKEN#${lock.token}` });

export function createDynamoAnnouncementStore(opts: DynamoAnnouncementStoreOptions): AnnouncementStore {
  const doc = DynamoDBDocumentClient.from(opts.client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = opts.tableName;
  const now = opts.now ?? Date.now;
  return {
    async remember(lock, posted) {
      try {
        await doc.send(new PutCommand({ TableName, Item: { ...key(lock), channel: posted.channel, ts: posted.ts, ttl: Math.floor((now() + KEEP_MS) / 1000) } }));
      } catch (e) {
        throw toStoreError(e, "PutItem", TableName);
      }
    },
    async recall(lock) {
      try {
        const r = await doc.send(new GetCommand({ TableName, Key: key(lock), ConsistentRead: true }));
        const item = r.Item;
        return item && typeof item.channel === "string" && typeof item.ts === "string" ? { channel: item.channel, ts: item.ts } : null;
      } catch (e) {
        throw toStoreError(e, "GetItem", TableName);
      }
    },
  };
}
