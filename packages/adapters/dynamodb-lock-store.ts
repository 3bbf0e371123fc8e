/**
 * LockStore over the one table of dynamo-table.ts: one item per stage, `pk=LOCK#<app>/<stage>`,
 * `sk=LOCK`. The protocol (and its timeline) is in core/lock/lease.ts; here each operation is one
 * conditional UpdateItem.
 *
 * The item's attributes and their codec (key layout, item ↔ LeaseRecord) are in lock-item.ts;
 * values go through `@aws-sdk/util-dynamodb`'s marshall / unmarshall, so what is written is what
 * the stream announcer and the embedded change feed decode. The condition `expiresAt < :now`
 * compares ISO strings (string order is time order there).
 *
 * Contention: the failed acquire asks for the item that made it fail
 * (ReturnValuesOnConditionCheckFailure = ALL_OLD, one round trip). Servers that ignore that
 * parameter (dynalite) get a consistent GetItem after the failed write instead. Race in that
 * fallback: between the failed write and the read, the holder may release or its lease may expire;
 * the read then shows no live lease, and the acquire is simply tried again (at most 5 times), so
 * the caller is never told "held" without a holder.
 *
 * Errors of the table's client become StoreUnavailableError with a hint, as in every store of the
 * table (table-client.ts `callTable` → dynamodb-errors.ts `toStoreError`: missing table →
 * SST_STATE_TABLE; throttling; timeouts / unreachable endpoint; access denied; naming the call and
 * where the table is).
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import { StoreUnavailableError } from "@sst-state/core/errors";
import type { AcquireRequest, AcquireResult, Lease, LeaseRecord, LockStore } from "@sst-state/core/lock";
import { isLive, leaseOf, nextLease } from "@sst-state/core/lock";
import { isConditionFailed } from "./dynamodb-errors.ts";
import { isLockItem, leaseRecordFromItem, lockKey, LOCK_PK_PREFIX, type LockItem } from "./lock-item.ts";
import { callTable, pages } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Expression attribute values as plain values; `marshall` writes them as the item stores them. */
type Values = Record<string, string | number | boolean>;

// Every attribute name goes through ExpressionAttributeNames (some, like `token`, may be reserved).
const N = {
  "#pk": "pk",
  "#app": "app",
  "#stage": "stage",
  "#holder": "holder",
  "#reason": "reason",
  "#runUrl": "runUrl",
  "#token": "token",
  "#acq": "acquiredAt",
  "#exp": "expiresAt",
  "#rel": "released",
  "#relAt": "releasedAt",
  "#outcome": "outcome",
  "#forcedBy": "forcedBy",
  "#forceReason": "forceReason",
} as const;
type Name = keyof typeof N;
const names = (...used: Name[]) => Object.fromEntries(used.map((n) => [n, N[n]]));

export interface DynamoLockStoreOptions {
  client: TableClientLike;
  tableName: string;
}

export type DynamoLockStore = LockStore & { inspect(app: string, stage: string): Promise<LeaseRecord | null> };

export function createDynamoLockStore(opts: DynamoLockStoreOptions): DynamoLockStore {
  const { tableName } = opts;
  const client = tableClientOf(opts.client);

  async function read(app: string, stage: string): Promise<LeaseRecord | null> {
    const out = await callTable(client, "GetItem", { TableName: tableName, Key: marshall(lockKey(app, stage)), ConsistentRead: true });
    return out.Item ? leaseRecordFromItem(out.Item) : null;
  }

  /** The item that failed a condition: from the exception when the server returns it, else read. */
  async function itemAfterFailure(e: unknown, app: string, stage: string): Promise<LeaseRecord | null> {
    const item = (e as { Item?: LockItem }).Item;
    return item && Object.keys(item).length ? leaseRecordFromItem(item) : read(app, stage);
  }

  /**
   * One UpdateItem on the stage's lock item under `condition`; the item as written, or `failed`
   * with the condition's exception (the caller decides what a refusal means).
   */
  async function conditionalUpdate(
    app: string,
    stage: string,
    update: string,
    condition: string,
    used: readonly Name[],
    values: Values,
  ): Promise<{ ok: true; record: LeaseRecord } | { ok: false; failure: unknown }> {
    try {
      const out = await callTable(client, "UpdateItem", {
        TableName: tableName,
        Key: marshall(lockKey(app, stage)),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names(...used),
        ExpressionAttributeValues: marshall(values),
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      return { ok: true, record: leaseRecordFromItem(out.Attributes ?? {}) };
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      return { ok: false, failure: e };
    }
  }

  /**
   * Heartbeat and release: applies only while `token` is the current, unreleased lease (a holder
   * that lost its lease cannot touch the next holder's). On a refusal, `current` is the live lease
   * that is there instead, if any.
   */
  async function updateWithToken(
    app: string,
    stage: string,
    token: number,
    now: number,
    update: string,
    used: readonly Name[],
    values: Values,
  ): Promise<{ ok: true; lock: Lease } | { ok: false; current: Lease | null }> {
    const r = await conditionalUpdate(app, stage, update, "#token = :token AND #rel = :false", ["#token", "#rel", ...used], {
      ...values,
      ":token": token,
      ":false": false,
    });
    if (r.ok) return { ok: true, lock: leaseOf(r.record) };
    const current = await itemAfterFailure(r.failure, app, stage);
    return { ok: false, current: current && isLive(current, now) ? leaseOf(current) : null };
  }

  return {
    async acquire(req: AcquireRequest, now: number): Promise<AcquireResult> {
      for (let attempt = 0; ; attempt++) {
        const set = ["#app = :app", "#stage = :stage", "#holder = :holder", "#reason = :reason", "#acq = :acq", "#exp = :exp", "#rel = :false", "#token = if_not_exists(#token, :zero) + :one"];
        const remove: Name[] = ["#relAt", "#outcome", "#forcedBy", "#forceReason"];
        const values: Values = {
          ":app": req.app,
          ":stage": req.stage,
          ":holder": req.holder,
          ":reason": req.reason,
          ":acq": iso(now),
          ":exp": iso(now + req.ttlMs),
          ":now": iso(now),
          ":false": false,
          ":true": true,
          ":zero": 0,
          ":one": 1,
        };
        if (req.runUrl !== undefined) {
          set.push("#runUrl = :runUrl");
          values[":runUrl"] = req.runUrl;
        } else remove.push("#runUrl");
        try {
          const out = await callTable(client, "UpdateItem", {
            TableName: tableName,
            Key: marshall(lockKey(req.app, req.stage)),
            UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
            ConditionExpression: "attribute_not_exists(#pk) OR #exp < :now OR #rel = :true",
            ExpressionAttributeNames: names("#pk", "#app", "#stage", "#holder", "#reason", "#acq", "#exp", "#rel", "#token", "#runUrl", ...remove),
            ExpressionAttributeValues: marshall(values),
            ReturnValues: "ALL_OLD",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          });
          // ALL_OLD is the item exactly as the conditional write found it, so the new token is its + 1.
          const old = out.Attributes && Object.keys(out.Attributes).length ? leaseRecordFromItem(out.Attributes) : null;
          const lock = nextLease(req, old?.token, now);
          return old && !old.released ? { acquired: true, lock, tookOver: leaseOf(old) } : { acquired: true, lock };
        } catch (e) {
          if (!isConditionFailed(e)) throw e;
          const current = await itemAfterFailure(e, req.app, req.stage);
          if (current && isLive(current, now)) return { acquired: false, lock: leaseOf(current) };
          // Only after a fallback read: the lease ended between our write and our read. Try again.
          if (attempt >= 4) {
            throw new StoreUnavailableError(
              `Could not take the lock ${req.app}/${req.stage}: it changed hands on every one of 5 attempts.`,
              "Try again; if it keeps happening, look at `sst-state locks` for a holder that takes and releases the lock in a loop.",
            );
          }
        }
      }
    },

    async heartbeat(app, stage, token, ttlMs, now) {
      const r = await updateWithToken(app, stage, token, now, "SET #exp = :exp", ["#exp"], { ":exp": iso(now + ttlMs) });
      return r.ok ? { ok: true, lock: r.lock } : { ok: false, lock: r.current };
    },

    async release(app, stage, token, now, outcome) {
      const r = await updateWithToken(
        app,
        stage,
        token,
        now,
        `SET #rel = :true, #relAt = :now${outcome !== undefined ? ", #outcome = :outcome" : ""}`,
        ["#relAt", ...(outcome !== undefined ? (["#outcome"] as const) : [])],
        { ":true": true, ":now": iso(now), ...(outcome !== undefined ? { ":outcome": outcome } : {}) },
      );
      return r.ok ? { released: true, lock: r.lock } : { released: false, lock: r.current };
    },

    async forceRelease(app, stage, by, reason, now) {
      // Whatever the token: only "is there an unreleased lease at all".
      const r = await conditionalUpdate(
        app,
        stage,
        "SET #rel = :true, #relAt = :now, #forcedBy = :by, #forceReason = :why",
        "attribute_exists(#pk) AND #rel = :false",
        ["#pk", "#rel", "#relAt", "#forcedBy", "#forceReason"],
        { ":true": true, ":false": false, ":now": iso(now), ":by": by, ":why": reason },
      );
      return r.ok ? leaseOf(r.record) : null;
    },

    async get(app, stage, now) {
      const r = await read(app, stage);
      return r && isLive(r, now) ? leaseOf(r) : null;
    },

    async list(now, app) {
      // A Scan of the lock items (one per stage; the table also holds restore requests and audit
      // entries, which the filter skips). Fine at the size of a team's stages; a GSI on a
      // `LOCKS` partition would replace it if the audit log grows large.
      const leases: Lease[] = [];
      const scan = pages(client, "Scan", {
        TableName: tableName,
        ConsistentRead: true,
        FilterExpression: "begins_with(#pk, :prefix) AND #rel = :false AND #exp >= :now",
        ExpressionAttributeNames: names("#pk", "#rel", "#exp"),
        ExpressionAttributeValues: marshall({ ":prefix": app === undefined ? LOCK_PK_PREFIX : `${LOCK_PK_PREFIX}${app}/`, ":false": false, ":now": iso(now) }),
      });
      for await (const page of scan) {
        for (const item of page.Items ?? []) {
          if (!isLockItem(item)) continue;
          const r = leaseRecordFromItem(item);
          if (isLive(r, now)) leases.push(leaseOf(r));
        }
      }
      return leases.sort((a, b) => a.app.localeCompare(b.app) || a.stage.localeCompare(b.stage));
    },

    inspect: (app, stage) => read(app, stage),
  };
}
