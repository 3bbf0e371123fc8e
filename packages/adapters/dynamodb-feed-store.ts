/**
 * The deploy feed's FeedStore over the single table (dynamo-table.ts), the same on DynamoDB in AWS
 * and in the embedded store behind `serve`:
 *
 *   pk                       sk                    what
 *   FEED#<app>/<stage>       CURSOR                the newest update id seen (`updateId`, null: none), `at`
 *   FEED#<app>/<stage>       UPDATE#<updateID>     one deploy's message: `phase`, `channel`, `ts`, `at`
 *
 * Every phase change is ONE conditional write (`attribute_not_exists(pk)` for the first, else
 * `phase = :from`): of two pollers (the scheduled function and a `serve` on the same table, two
 * overlapping runs, a restart) exactly one wins it, and only the winner talks to Slack. Entries of
 * finished and failed updates expire through the table's TTL after 90 days; open ones (started,
 * stuck) are kept until they end.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, paginateQuery, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { claimStaleBefore, isFinalPhase, type ClaimResult, type FeedCursor, type FeedEntry, type FeedStore } from "@sst-state/core/feed";
import { isConditionFailed, toStoreError } from "./dynamodb-errors.ts";

const FEED_PK_PREFIX = "FEED#";
const KEEP_MS = 90 * 86_400_000;
const ENTRY_FIELDS = ["app", "stage", "updateId", "phase", "channel", "ts", "at"] as const;

export interface DynamoFeedStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

const pk = (app: string, stage: string) => `${FEED_PK_PREFIX}${app}/${stage}`;
const entryKey = (app: string, stage: string, id: string) => ({ pk: pk(app, stage), sk: `UPDATE#${id}` });

function toItem(e: FeedEntry): Record<string, unknown> {
  return {
    ...entryKey(e.app, e.stage, e.updateId),
    ...Object.fromEntries(ENTRY_FIELDS.map((k) => [k, e[k]])),
    ...(isFinalPhase(e.phase) ? { ttl: Math.floor((Date.parse(e.at) + KEEP_MS) / 1000) } : {}),
  };
}

function fromItem(item: Record<string, unknown> | undefined): FeedEntry | null {
  if (!item) return null;
  return Object.fromEntries(ENTRY_FIELDS.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) as unknown as FeedEntry;
}

export function createDynamoFeedStore(opts: DynamoFeedStoreOptions): FeedStore {
  const doc = DynamoDBDocumentClient.from(opts.client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = opts.tableName;
  const call = async <T>(op: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw toStoreError(e, op, TableName);
    }
  };
  const get = async (app: string, stage: string, id: string) =>
    fromItem((await call("GetItem", () => doc.send(new GetCommand({ TableName, Key: entryKey(app, stage, id), ConsistentRead: true })))).Item);

  return {
    async getCursor(app, stage) {
      const r = await call("GetItem", () => doc.send(new GetCommand({ TableName, Key: { pk: pk(app, stage), sk: "CURSOR" }, ConsistentRead: true })));
      if (!r.Item) return null;
      return { updateId: typeof r.Item.updateId === "string" ? r.Item.updateId : null, at: String(r.Item.at ?? "") } satisfies FeedCursor;
    },
    async putCursor(app, stage, cursor) {
      await call("PutItem", () => doc.send(new PutCommand({ TableName, Item: { pk: pk(app, stage), sk: "CURSOR", updateId: cursor.updateId, at: cursor.at } })));
    },
    async listOpen(app, stage) {
      const out: FeedEntry[] = [];
      const pages = paginateQuery(
        { client: doc },
        {
          TableName,
          ConsistentRead: true,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :u)",
          FilterExpression: "#phase IN (:started, :stuck)",
          ExpressionAttributeNames: { "#phase": "phase" },
          ExpressionAttributeValues: { ":pk": pk(app, stage), ":u": "UPDATE#", ":started": "started", ":stuck": "stuck" },
        },
      );
      await call("Query", async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            const e = fromItem(item);
            if (e) out.push(e);
          }
        }
      });
      return out;
    },
    get,
    async claim(next, from): Promise<ClaimResult> {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: toItem(next),
            ...(from === null
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#phase = :from AND (attribute_exists(#ts) OR #at < :stale)",
                  ExpressionAttributeNames: { "#phase": "phase", "#ts": "ts", "#at": "at" },
                  ExpressionAttributeValues: { ":from": from, ":stale": claimStaleBefore(next) },
                }),
          }),
        );
        return { claimed: true };
      } catch (e) {
        if (isConditionFailed(e)) return { claimed: false, current: await get(next.app, next.stage, next.updateId) };
        throw toStoreError(e, "PutItem", TableName);
      }
    },
    async release(claimed, back) {
      const cond = { ConditionExpression: "#phase = :claimed", ExpressionAttributeNames: { "#phase": "phase" }, ExpressionAttributeValues: { ":claimed": claimed.phase } };
      try {
        if (back) await doc.send(new PutCommand({ TableName, Item: toItem(back), ...cond }));
        else await doc.send(new DeleteCommand({ TableName, Key: entryKey(claimed.app, claimed.stage, claimed.updateId), ...cond }));
      } catch (e) {
        if (isConditionFailed(e)) return; // someone else moved it on: theirs now
        throw toStoreError(e, back ? "PutItem" : "DeleteItem", TableName);
      }
    },
    async setTs(app, stage, id, ts, channel) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: entryKey(app, stage, id),
            UpdateExpression: "SET #ts = :ts, #channel = :channel",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#ts": "ts", "#channel": "channel" },
            ExpressionAttributeValues: { ":ts": ts, ":channel": channel },
          }),
        );
      } catch (e) {
        if (isConditionFailed(e)) return;
        throw toStoreError(e, "UpdateItem", TableName);
      }
    },
  };
}
