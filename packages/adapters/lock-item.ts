/**
 * The lock item of the one table (dynamo-table.ts) and its codec: key layout, stored item ↔
 * LeaseRecord. One stage, one item:
 *
 *   attribute                                   type   what
 *   pk                                          S      LOCK#<app>/<stage>
 *   sk                                          S      LOCK
 *   app, stage, holder, reason, runUrl?         S
 *   token                                       N      the fencing token (core/lock/lease.ts)
 *   acquiredAt, expiresAt, releasedAt?          S      ISO-8601 UTC, always `toISOString()`, so
 *                                                      string order is time order (conditions
 *                                                      compare them)
 *   released                                    BOOL
 *   outcome?, forcedBy?, forceReason?           S
 *
 * No `ttl` attribute: TTL never deletes a lock item, so the fencing token never restarts.
 *
 * Items travel as DynamoDB's AttributeValue JSON (`{ "S": … }`, `{ "N": "7" }`, `{ "BOOL": … }`)
 * in GetItem / UpdateItem / Scan answers, in a failed condition's `Item`, and in stream records
 * (DynamoDB Streams GetRecords and Lambda's DynamoDBStreamEvent); `@aws-sdk/util-dynamodb`
 * converts both ways, and `marshall` of the values below writes exactly the types above.
 *
 * Pure on purpose: no DynamoDB client here (type imports only), so the stream announcer
 * (packages/functions/lock-announcer.ts) decodes lock changes without loading the client at cold
 * start. Users: dynamodb-lock-store.ts (reads and writes), lock-stream.ts (stream images),
 * lock-change-feed.ts (scans of the embedded store).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { LeaseRecord } from "@sst-state/core/lock";

export const LOCK_PK_PREFIX = "LOCK#";
const LOCK_SK = "LOCK";

/** A stored item as DynamoDB, its streams and Lambda stream events spell it. */
export type LockItem = Record<string, AttributeValue>;

/** The lock item's key, as plain values (marshall it for the low-level client). */
export function lockKey(app: string, stage: string): { pk: string; sk: string } {
  return { pk: `${LOCK_PK_PREFIX}${app}/${stage}`, sk: LOCK_SK };
}

/** The key of a stored item, or undefined when the item is not a lock item. */
export function lockPkOf(item: LockItem | undefined): string | undefined {
  if (!item?.pk || !item.sk) return undefined;
  const { pk, sk } = unmarshall({ pk: item.pk, sk: item.sk });
  return typeof pk === "string" && pk.startsWith(LOCK_PK_PREFIX) && sk === LOCK_SK ? pk : undefined;
}

export function isLockItem(item: LockItem | undefined): item is LockItem {
  return lockPkOf(item) !== undefined;
}

/** What a release adds to the item (and the next acquire removes). */
const RELEASE_ATTRIBUTES = ["releasedAt", "outcome", "forcedBy", "forceReason"] as const;
const OPTIONAL = ["runUrl", ...RELEASE_ATTRIBUTES] as const;

/** The stored item → LeaseRecord. Attributes missing from an item read as empty / the epoch. */
export function leaseRecordFromItem(item: LockItem): LeaseRecord {
  const v = unmarshall(item);
  const str = (k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const [app = "", stage = ""] = (str("pk") ?? "").slice(LOCK_PK_PREFIX.length).split("/");
  const epoch = new Date(0).toISOString();
  const r: LeaseRecord = {
    app: str("app") ?? app,
    stage: str("stage") ?? stage,
    holder: str("holder") ?? "",
    reason: str("reason") ?? "",
    token: typeof v.token === "number" ? v.token : 0,
    acquiredAt: str("acquiredAt") ?? epoch,
    expiresAt: str("expiresAt") ?? epoch,
    released: v.released === true,
  };
  for (const k of OPTIONAL) {
    const s = str(k);
    if (s !== undefined) r[k] = s;
  }
  return r;
}

/**
 * A released item as it was while held: `released` false, the release's attributes removed
 * (lock-change-feed.ts, for a lease taken and released between two scans).
 */
export function heldItemOf(released: LockItem): LockItem {
  const held: LockItem = { ...released, ...marshall({ released: false }) };
  for (const k of RELEASE_ATTRIBUTES) delete held[k];
  return held;
}

