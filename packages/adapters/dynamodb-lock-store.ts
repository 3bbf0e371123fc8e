/**
 * LockStore over the one table of dynamo-table.ts: one item per stage, `pk=LOCK#<app>/<stage>`,
 * `sk=LOCK`. The protocol (and its timeline) is in core/lock/lease.ts; here each operation is one
 * conditional UpdateItem.
 *
 * Item: app, stage, holder, reason, runUrl?, token (N), acquiredAt / expiresAt (ISO-8601 UTC
 * strings, always `toISOString()` so that string order is time order: the condition
 * `expiresAt < :now` compares them), released (BOOL), releasedAt?, outcome?, forcedBy?,
 * forceReason?. Lock items never carry the table's `ttl` attribute, so TTL never deletes them
 * and the fencing token never restarts (see lease.ts).
 *
 * Contention: the failed acquire asks for the item that made it fail
 * (ReturnValuesOnConditionCheckFailure = ALL_OLD, one round trip). Servers that ignore that
 * parameter (dynalite) get a consistent GetItem after the failed write instead. Race in that
 * fallback: between the failed write and the read, the holder may release or its lease may expire;
 * the read then shows no live lease, and the acquire is simply tried again (at most 5 times), so
 * the caller is never told "held" without a holder.
 *
 * Errors from the SDK become StoreUnavailableError with a hint (missing table → SST_STATE_TABLE;
 * throttling; timeouts / unreachable endpoint; access denied / no credentials).
 */
import {
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { StoreUnavailableError } from "@sst-state/core/errors";
import type { AcquireRequest, AcquireResult, Lease, LeaseRecord, LockStore } from "@sst-state/core/lock";
import { isLive, nextLease } from "@sst-state/core/lock";
import { describeDynamoTarget } from "./dynamodb-client.ts";
import { isConditionFailed } from "./dynamodb-errors.ts";

export const LOCK_PK_PREFIX = "LOCK#";
export const LOCK_SK = "LOCK";

/** A DynamoDB attribute value as the SDK, the streams API and Lambda stream events all spell it. */
export type RawAttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; [other: string]: unknown };
export type RawItem = Record<string, RawAttributeValue>;

export function lockKey(app: string, stage: string): { pk: { S: string }; sk: { S: string } } {
  return { pk: { S: `${LOCK_PK_PREFIX}${app}/${stage}` }, sk: { S: LOCK_SK } };
}

export function isLockItem(item: RawItem | undefined): boolean {
  return !!item?.pk?.S?.startsWith(LOCK_PK_PREFIX) && item.sk?.S === LOCK_SK;
}

/** The stored item → LeaseRecord (used by the store and by lock-stream.ts). */
export function leaseRecordFromItem(item: RawItem): LeaseRecord {
  const s = (k: string) => item[k]?.S;
  const [app = "", stage = ""] = (s("pk") ?? "").slice(LOCK_PK_PREFIX.length).split("/");
  const r: LeaseRecord = {
    app: s("app") ?? app,
    stage: s("stage") ?? stage,
    holder: s("holder") ?? "",
    reason: s("reason") ?? "",
    token: Number(item.token?.N ?? 0),
    acquiredAt: s("acquiredAt") ?? new Date(0).toISOString(),
    expiresAt: s("expiresAt") ?? new Date(0).toISOString(),
    released: item.released?.BOOL === true,
  };
  const opt = ["runUrl", "releasedAt", "outcome", "forcedBy", "forceReason"] as const;
  for (const k of opt) {
    const v = s(k);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

export function leaseOf(r: LeaseRecord): Lease {
  const l: Lease = { app: r.app, stage: r.stage, holder: r.holder, reason: r.reason, token: r.token, acquiredAt: r.acquiredAt, expiresAt: r.expiresAt };
  if (r.runUrl !== undefined) l.runUrl = r.runUrl;
  return l;
}

const iso = (ms: number) => new Date(ms).toISOString();

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
  client: DynamoDBClient;
  tableName: string;
}

export type DynamoLockStore = LockStore & { inspect(app: string, stage: string): Promise<LeaseRecord | null> };

export function createDynamoLockStore(opts: DynamoLockStoreOptions): DynamoLockStore {
  const { client, tableName } = opts;

  async function call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isConditionFailed(e)) throw e;
      throw await toStoreError(e, op, tableName, await describeDynamoTarget(client));
    }
  }

  async function read(app: string, stage: string): Promise<LeaseRecord | null> {
    const out = await call("GetItem", () => client.send(new GetItemCommand({ TableName: tableName, Key: lockKey(app, stage), ConsistentRead: true })));
    return out.Item ? leaseRecordFromItem(out.Item as RawItem) : null;
  }

  /** The item that failed a condition: from the exception when the server returns it, else read. */
  async function itemAfterFailure(e: unknown, app: string, stage: string): Promise<LeaseRecord | null> {
    const item = (e as { Item?: Record<string, AttributeValue> }).Item;
    return item && Object.keys(item).length ? leaseRecordFromItem(item as RawItem) : read(app, stage);
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
    values: Record<string, AttributeValue>,
  ): Promise<{ ok: true; record: LeaseRecord } | { ok: false; failure: unknown }> {
    try {
      const out = await call("UpdateItem", () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: lockKey(app, stage),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: names(...used),
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      return { ok: true, record: leaseRecordFromItem(out.Attributes as RawItem) };
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
    values: Record<string, AttributeValue>,
  ): Promise<{ ok: true; lock: Lease } | { ok: false; current: Lease | null }> {
    const r = await conditionalUpdate(app, stage, update, "#token = :token AND #rel = :false", ["#token", "#rel", ...used], {
      ...values,
      ":token": { N: String(token) },
      ":false": { BOOL: false },
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
        const values: Record<string, AttributeValue> = {
          ":app": { S: req.app },
          ":stage": { S: req.stage },
          ":holder": { S: req.holder },
          ":reason": { S: req.reason },
          ":acq": { S: iso(now) },
          ":exp": { S: iso(now + req.ttlMs) },
          ":now": { S: iso(now) },
          ":false": { BOOL: false },
          ":true": { BOOL: true },
          ":zero": { N: "0" },
          ":one": { N: "1" },
        };
        if (req.runUrl !== undefined) {
          set.push("#runUrl = :runUrl");
          values[":runUrl"] = { S: req.runUrl };
        } else remove.push("#runUrl");
        try {
          const out = await call("UpdateItem", () =>
            client.send(
              new UpdateItemCommand({
                TableName: tableName,
                Key: lockKey(req.app, req.stage),
                UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
                ConditionExpression: "attribute_not_exists(#pk) OR #exp < :now OR #rel = :true",
                ExpressionAttributeNames: names("#pk", "#app", "#stage", "#holder", "#reason", "#acq", "#exp", "#rel", "#token", "#runUrl", ...remove),
                ExpressionAttributeValues: values,
                ReturnValues: "ALL_OLD",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              }),
            ),
          );
          // ALL_OLD is the item exactly as the conditional write found it, so the new token is its + 1.
          const old = out.Attributes && Object.keys(out.Attributes).length ? leaseRecordFromItem(out.Attributes as RawItem) : null;
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
      const r = await updateWithToken(app, stage, token, now, "SET #exp = :exp", ["#exp"], { ":exp": { S: iso(now + ttlMs) } });
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
        { ":true": { BOOL: true }, ":now": { S: iso(now) }, ...(outcome !== undefined ? { ":outcome": { S: outcome } } : {}) },
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
        { ":true": { BOOL: true }, ":false": { BOOL: false }, ":now": { S: iso(now) }, ":by": { S: by }, ":why": { S: reason } },
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
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await call("Scan", () =>
          client.send(
            new ScanCommand({
              TableName: tableName,
              ConsistentRead: true,
              FilterExpression: "begins_with(#pk, :prefix) AND #rel = :false AND #exp >= :now",
              ExpressionAttributeNames: names("#pk", "#rel", "#exp"),
              ExpressionAttributeValues: {
                ":prefix": { S: app === undefined ? LOCK_PK_PREFIX : `${LOCK_PK_PREFIX}${app}/` },
                ":false": { BOOL: false },
                ":now": { S: iso(now) },
              },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const item of out.Items ?? []) {
          if (!isLockItem(item as RawItem)) continue;
          const r = leaseRecordFromItem(item as RawItem);
          if (isLive(r, now)) leases.push(leaseOf(r));
        }
        start = out.LastEvaluatedKey;
      } while (start);
      return leases.sort((a, b) => a.app.localeCompare(b.app) || a.stage.localeCompare(b.stage));
    },

    inspect: (app, stage) => read(app, stage),
  };
}

/** SDK failure → StoreUnavailableError whose hint says what to do. */
export async function toStoreError(e: unknown, op: string, tableName: string, target = "DynamoDB"): Promise<StoreUnavailableError> {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? "";
  const code = err?.code ?? "";
  const msg = err?.message ?? String(e);
  if (name === "ResourceNotFoundException") {
    return new StoreUnavailableError(
      `The lock table "${tableName}" does not exist in ${target}.`,
      "Check SST_STATE_TABLE (and AWS_REGION / the AWS account it points at); unset it to use the embedded store under .sst-state/.",
      e,
    );
  }
  if (["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"].includes(name)) {
    return new StoreUnavailableError(
      `${target} throttled ${op} on table "${tableName}" (${name}).`,
      "Try again in a few seconds; if it persists, check the table's capacity mode (on-demand is recommended) and account limits.",
      e,
    );
  }
  if (
    ["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "MissingAuthenticationTokenException"].includes(name) ||
    name === "CredentialsProviderError" ||
    err?.$metadata?.httpStatusCode === 403
  ) {
    return new StoreUnavailableError(
      `${target} refused ${op} on table "${tableName}": ${msg}`,
      `Check the AWS credentials (AWS_PROFILE / AWS_ACCESS_KEY_ID, or the role) and that they allow dynamodb:GetItem, UpdateItem and Scan on "${tableName}".`,
      e,
    );
  }
  if (
    name === "TimeoutError" ||
    name === "RequestTimeout" ||
    name === "AbortError" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"].includes(code) ||
    /timed? ?out|ECONNREFUSED|socket hang up/i.test(msg)
  ) {
    return new StoreUnavailableError(
      `Could not reach ${target} for ${op} on table "${tableName}" (${name || code}: ${msg}).`,
      "Check the network, AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB; unset SST_STATE_TABLE to use the embedded store.",
      e,
    );
  }
  if (name === "ValidationException" && /region/i.test(msg)) {
    return new StoreUnavailableError(`${target}: ${msg}`, "Set AWS_REGION to the region of the lock table.", e);
  }
  if (/Region is missing/i.test(msg)) {
    return new StoreUnavailableError(`No AWS region is set for the lock table "${tableName}".`, "Set AWS_REGION (or AWS_DEFAULT_REGION).", e);
  }
  return new StoreUnavailableError(`${target} failed ${op} on table "${tableName}": ${name ? `${name}: ` : ""}${msg}`, "Try again; if it persists, check SST_STATE_TABLE and the AWS credentials.", e);
}
