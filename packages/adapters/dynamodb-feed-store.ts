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
import { claimStaleBefore, isFinalPhase, type ClaimResult, type FeedCursor, type FeedEntry, type FeedStore } from "@sst-state/core/feed";
import { isConditionFailed } from "./dynamodb-errors.ts";
import { attributes, callTable, pages, plain } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

const FEED_PK_PREFIX = "FEED#";
const KEEP_MS = 90 * 86_400_000;
const ENTRY_FIELDS = ["app", "stage", "updateId", "phase", "channel", "ts", "at"] as const;

export interface DynamoFeedStoreOptions {
  client: TableClientLike;
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

function fromItem(stored: Parameters<typeof plain>[0] | undefined): FeedEntry | null {
  if (!stored) return null;
  const item = plain(stored);
  return Object.fromEntries(ENTRY_FIELDS.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) as unknown as FeedEntry;
}

export function createDynamoFeedStore(opts: DynamoFeedStoreOptions): FeedStore {
  const client = tableClientOf(opts.client);
  const TableName = opts.tableName;
  const get = async (app: string, stage: string, id: string) => fromItem((await callTable(client, "GetItem", { TableName, Key: attributes(entryKey(app, stage, id)), ConsistentRead: true })).Item);

  return {
    async getCursor(app, stage) {
      const r = await callTable(client, "GetItem", { TableName, Key: attributes({ pk: pk(app, stage), sk: "CURSOR" }), ConsistentRead: true });
      if (!r.Item) return null;
      const item = plain(r.Item);
      return { updateId: typeof item.updateId === "string" ? item.updateId : null, at: String(item.at ?? "") } satisfies FeedCursor;
    },
    async putCursor(app, stage, cursor) {
      await callTable(client, "PutItem", { TableName, Item: attributes({ pk: pk(app, stage), sk: "CURSOR", updateId: cursor.updateId, at: cursor.at }) });
    },
    async listOpen(app, stage) {
      const out: FeedEntry[] = [];
      const query = pages(client, "Query", {
        TableName,
        ConsistentRead: true,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :u)",
        FilterExpression: "#phase IN (:started, :stuck)",
        ExpressionAttributeNames: { "#phase": "phase" },
        ExpressionAttributeValues: attributes({ ":pk": pk(app, stage), ":u": "UPDATE#", ":started": "started", ":stuck": "stuck" }),
      });
      for await (const page of query) {
        for (const item of page.Items ?? []) {
          const e = fromItem(item);
          if (e) out.push(e);
        }
      }
      return out;
    },
    get,
    async claim(next, from): Promise<ClaimResult> {
      try {
        await callTable(client, "PutItem", {
          TableName,
          Item: attributes(toItem(next)),
          ...(from === null
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "#phase = :from AND (attribute_exists(#ts) OR #at < :stale)",
                ExpressionAttributeNames: { "#phase": "phase", "#ts": "ts", "#at": "at" },
                ExpressionAttributeValues: attributes({ ":from": from, ":stale": claimStaleBefore(next) }),
              }),
        });
        return { claimed: true };
      } catch (e) {
        if (isConditionFailed(e)) return { claimed: false, current: await get(next.app, next.stage, next.updateId) };
        throw e;
      }
    },
    async release(claimed, back) {
      const cond = { ConditionExpression: "#phase = :claimed", ExpressionAttributeNames: { "#phase": "phase" }, ExpressionAttributeValues: attributes({ ":claimed": claimed.phase }) };
      try {
        if (back) await callTable(client, "PutItem", { TableName, Item: attributes(toItem(back)), ...cond });
        else await callTable(client, "DeleteItem", { TableName, Key: attributes(entryKey(claimed.app, claimed.stage, claimed.updateId)), ...cond });
      } catch (e) {
        if (isConditionFailed(e)) return; // someone else moved it on: theirs now
        throw e;
      }
    },
    async setTs(app, stage, id, ts, channel) {
      try {
        await callTable(client, "UpdateItem", {
          TableName,
          Key: attributes(entryKey(app, stage, id)),
          UpdateExpression: "SET #ts = :ts, #channel = :channel",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#ts": "ts", "#channel": "channel" },
          ExpressionAttributeValues: attributes({ ":ts": ts, ":channel": channel }),
        });
      } catch (e) {
        if (isConditionFailed(e)) return;
        throw e;
      }
    },
  };
}
