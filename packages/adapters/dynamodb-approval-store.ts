/**
 * ApprovalStore over the single table (dynamo-table.ts): one item per request,
 * `pk=RESTORE#<id> sk=REQUEST`, the request's fields as top-level attributes plus `expiresAtMs`
 * (for the condition) and `ttl` (the table's TTL, long after the request is finished).
 *
 * Every status change is ONE UpdateItem whose ConditionExpression is the rule of
 * `ApprovalStore.transition`; a failed condition is a result, answered with a consistent read of
 * the record as it is now.
 */
import { isConditionFailed } from "./dynamodb-errors.ts";
import { attributes, callTable, pages, plain } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";
import type { ApprovalStore, RestoreRequest, RestoreStatus, TransitionResult } from "@sst-state/core/restore/ports";

/** Finished requests stay readable this long (the undo button and `audit` refer to them). */
const KEEP_MS = 90 * 86_400_000;
const KEY_ATTRS = new Set(["pk", "sk", "expiresAtMs", "ttl"]);

export interface DynamoApprovalStoreOptions {
  client: TableClientLike;
  tableName: string;
}

function toItem(r: RestoreRequest): Record<string, unknown> {
  const expiresAtMs = Date.parse(r.expiresAt);
  return {
    ...r,
    pk: `RESTORE#${r.id}`,
    sk: "REQUEST",
    expiresAtMs,
    ttl: Math.floor((Math.max(expiresAtMs, Date.parse(r.createdAt)) + KEEP_MS) / 1000),
  };
}

function fromItem(item: Parameters<typeof plain>[0] | undefined): RestoreRequest | null {
  if (!item) return null;
  return Object.fromEntries(Object.entries(plain(item)).filter(([k]) => !KEY_ATTRS.has(k))) as unknown as RestoreRequest;
}

export function createDynamoApprovalStore(opts: DynamoApprovalStoreOptions): ApprovalStore {
  const client = tableClientOf(opts.client);
  const TableName = opts.tableName;
  const key = (id: string) => attributes({ pk: `RESTORE#${id}`, sk: "REQUEST" });

  async function get(id: string): Promise<RestoreRequest | null> {
    const r = await callTable(client, "GetItem", { TableName, Key: key(id), ConsistentRead: true });
    return fromItem(r.Item);
  }

  return {
    async create(request) {
      try {
        await callTable(client, "PutItem", { TableName, Item: attributes(toItem(request)), ConditionExpression: "attribute_not_exists(pk)" });
      } catch (e) {
        if (isConditionFailed(e)) throw new Error(`restore request ${request.id} already exists`);
        throw e;
      }
    },
    get,
    async transition(id, from, to, fields, now): Promise<TransitionResult> {
      const names: Record<string, string> = { "#status": "status" };
      const values: Record<string, unknown> = { ":from": from, ":to": to };
      const sets = ["#status = :to"];
      let i = 0;
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined || KEY_ATTRS.has(k) || k === "id" || k === "status") continue;
        names[`#f${i}`] = k;
        values[`:v${i}`] = v;
        sets.push(`#f${i} = :v${i}`);
        i++;
      }
      let condition = "attribute_exists(pk) AND #status = :from";
      if (from === "pending" && to !== from) {
        values[":now"] = now;
        condition += to === "expired" ? " AND expiresAtMs <= :now" : " AND expiresAtMs > :now";
      }
      try {
        const r = await callTable(client, "UpdateItem", {
          TableName,
          Key: key(id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attributes(values),
          ReturnValues: "ALL_NEW",
        });
        return { ok: true, request: fromItem(r.Attributes)! };
      } catch (e) {
        if (isConditionFailed(e)) return { ok: false, request: await get(id) };
        throw e;
      }
    },
    listPending: (filter = {}) => listByStatus("pending", filter),
    listApproved: (filter = {}) => listByStatus("approved", filter),
  };

  async function listByStatus(status: RestoreStatus, filter: { app?: string; stage?: string }): Promise<RestoreRequest[]> {
      const out: RestoreRequest[] = [];
      const names: Record<string, string> = { "#status": "status" };
      const values: Record<string, unknown> = { ":prefix": "RESTORE#", ":status": status };
      let expr = "begins_with(pk, :prefix) AND #status = :status";
      if (filter.app) {
        names["#app"] = "app";
        values[":app"] = filter.app;
        expr += " AND #app = :app";
      }
      if (filter.stage) {
        names["#stage"] = "stage";
        values[":stage"] = filter.stage;
        expr += " AND #stage = :stage";
      }
      const scan = pages(client, "Scan", { TableName, FilterExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: attributes(values), ConsistentRead: true });
      for await (const page of scan) for (const item of page.Items ?? []) out.push(fromItem(item)!);
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
