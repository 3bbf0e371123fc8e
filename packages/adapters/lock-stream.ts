/**
 * The table's stream (NEW_AND_OLD_IMAGES) → LockEvents for the announcer. Announcing from the
 * stream means a CI job that takes a lock needs AWS credentials only, never a Slack token.
 *
 * Accepts records as a Lambda receives them (`DynamoDBStreamEvent.Records`) and as the
 * DynamoDB Streams API (GetRecords) returns them: both carry `eventName` and
 * `dynamodb.{Keys, OldImage, NewImage}` in DynamoDB's AttributeValue JSON (`{S}`, `{N}`, `{BOOL}`),
 * which lock-item.ts decodes with `@aws-sdk/util-dynamodb`'s unmarshall. That module, not the lock
 * store, so the announcer Lambda does not load the DynamoDB client to read its events.
 *
 *   old image                  new image                       event
 *   none / released            live, token n+1                 acquired
 *   live (expired), token n    live, token n+1                 acquired + tookOver (the expired lease)
 *   live, token n              live, token n (expiresAt moved) — (heartbeat: nothing to say)
 *   live, token n              released, forcedBy              force-released (by, why)
 *   live, token n              released                        released (held time, outcome)
 *   live, not released         none (REMOVE: TTL or by hand)   expired
 * Items that are not locks (restore requests, audit entries) are skipped.
 */
import type { LockEvent } from "@sst-state/core/lock";
import { isLockItem, leaseRecordFromItem, type LockItem } from "./lock-item.ts";
import { leaseOf } from "@sst-state/core/lock";

export interface LockStreamRecord {
  eventName?: "INSERT" | "MODIFY" | "REMOVE" | string;
  dynamodb?: { Keys?: unknown; OldImage?: unknown; NewImage?: unknown } | undefined;
}

export function lockEventsFromStreamRecords(records: readonly LockStreamRecord[]): LockEvent[] {
  const events: LockEvent[] = [];
  for (const rec of records) {
    const oldItem = rec.dynamodb?.OldImage as LockItem | undefined;
    const newItem = rec.dynamodb?.NewImage as LockItem | undefined;
    if (!isLockItem(newItem) && !isLockItem(oldItem)) continue;
    const before = isLockItem(oldItem) ? leaseRecordFromItem(oldItem) : null;
    const after = isLockItem(newItem) ? leaseRecordFromItem(newItem) : null;

    if (!after) {
      // REMOVE. Lock items are never deleted by the protocol; a deletion of a lease nobody
      // released (TTL, or by hand) means it ended without its holder.
      if (before && !before.released) events.push({ type: "expired", lock: leaseOf(before) });
      continue;
    }
    if (after.released) {
      if (before && !before.released && before.token === after.token) {
        if (after.forcedBy !== undefined) {
          events.push({ type: "force-released", lock: leaseOf(after), by: after.forcedBy, reason: after.forceReason ?? "", ...(after.releasedAt ? { at: after.releasedAt } : {}) });
        } else {
          const heldMs = Math.max(0, Date.parse(after.releasedAt ?? after.expiresAt) - Date.parse(after.acquiredAt));
          const e: LockEvent = { type: "released", lock: leaseOf(after), heldMs, ...(after.releasedAt ? { at: after.releasedAt } : {}) };
          if (after.outcome !== undefined) e.outcome = after.outcome;
          events.push(e);
        }
      }
      continue;
    }
    if (!before || before.token !== after.token) {
      events.push(before && !before.released ? { type: "acquired", lock: leaseOf(after), tookOver: leaseOf(before) } : { type: "acquired", lock: leaseOf(after) });
    }
    // same token, still held: a heartbeat.
  }
  return events;
}
