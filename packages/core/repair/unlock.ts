/**
 * "Unlock SST": removing SST's stale lock as part of an approved repair, the way `sst unlock` does,
 * but only if the lock still names the update the approver saw.
 *
 * What SST 4.17.1's `sst unlock --stage <stage>` does to a local home (run offline, as the team's
 * test notes describe; packages/core/tests/integration/repair-sst.test.ts runs it next to ours):
 * it rewrites `update/<app>/<stage>/<lock.updateID>.json` as
 *   {"id":<lock.updateID>,"version":<sst's version>,"command":<lock.command>,
 *    "errors":[{"urn":"","message":FORCE_UNLOCK_MESSAGE}],"timeStarted":"","timeCompleted":<now, RFC 3339 seconds>}
 * (whatever the record held before: its errors, runID and start time are dropped, a completed record
 * is closed again), then deletes `lock/<app>/<stage>.json`. SST deletes whatever lock is there;
 * sst-state deletes it only while it names the same updateID (StateStore.deleteSstLock), so a deploy
 * that took the lock since the request is never broken. The one difference in the record: `version`
 * keeps the record's own (the SST that started the update) — sst-state is not SST.
 */
import { FORCE_UNLOCK_MESSAGE } from "../diagnosis/rules/interrupted-update.ts";
import { staleLock } from "../diagnosis/rules/stale-lock.ts";
import type { DiagnosisInput, RuleOptions } from "../diagnosis/types.ts";
import type { StateStore } from "../ports.ts";
import type { Checkpoint, SstLock, UpdateRecord } from "../state/types.ts";

/** The stale lock an approved repair removes. */
export interface UnlockPlan {
  updateID: string;
  command?: string;
  created: string;
  /** the stale-lock finding's message: why it is stale */
  reason: string;
}

/**
 * The lock to remove, when the stale-lock rule says it is stale (severity error); null when there
 * is no lock; `{ running }` when the rule says a deploy appears to be running (never removed).
 */
export function planUnlock(
  input: { app: string; stage: string; now: number; current: Checkpoint; sstLock: SstLock | null; lockUpdate: UpdateRecord | null },
  opts: RuleOptions = {},
): UnlockPlan | { running: string } | null {
  if (!input.sstLock) return null;
  const diagnosis: DiagnosisInput = { ...input, previous: null, updates: [], objectVersionCount: null, snapshotCount: null };
  const result = staleLock.run(diagnosis, opts);
  const finding = Array.isArray(result) ? result[0] : undefined;
  if (!finding || finding.severity !== "error") return { running: finding?.message ?? "SST's lock is not stale" };
  return {
    updateID: input.sstLock.updateID,
    ...(input.sstLock.command ? { command: input.sstLock.command } : {}),
    created: input.sstLock.created,
    reason: finding.message,
  };
}

/** `2026-11-30T21:21:28Z`: Go's time.RFC3339 of a UTC time, as SST writes `timeCompleted`. */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The update record as `sst unlock` leaves it (see above). */
export function closeAsSstUnlock(record: UpdateRecord | null, lock: Pick<SstLock, "updateID" | "command">, now: number): UpdateRecord {
  return {
    id: lock.updateID,
    version: record?.version ?? "sst-state",
    ...(lock.command ?? record?.command ? { command: lock.command ?? record?.command } : {}),
    errors: [{ urn: "", message: FORCE_UNLOCK_MESSAGE }],
    timeStarted: "",
    timeCompleted: rfc3339Seconds(now),
  };
}

/**
 * Does what `sst unlock` does (see above) to the update SST's lock names: closes its record, then
 * deletes the lock only while it still names that update (StateStore.deleteSstLock). The one
 * sequence behind a repair's and the deploy feed's "Unlock SST". Returns the record written.
 */
export async function unlockAsSst(
  store: Pick<StateStore, "readUpdate" | "writeUpdate" | "deleteSstLock">,
  app: string,
  stage: string,
  lock: Pick<SstLock, "updateID" | "command">,
  now: number,
): Promise<UpdateRecord> {
  const record = closeAsSstUnlock(await store.readUpdate(app, stage, lock.updateID), lock, now);
  await store.writeUpdate(app, stage, record);
  await store.deleteSstLock(app, stage, lock.updateID);
  return record;
}
