/**
 * What the feed shows for each update of one stage, from one observation of SST's home. Pure.
 *
 * What SST writes, in order, for a state-changing command (sst/sst 08fa0a6
 * `pkg/project/provider/provider.go` L237-269 `Lock`: the lock object first, then the update
 * record with `timeStarted`; `pkg/project/stack.go` L177-200: `defer p.Unlock()` registered before
 * `defer p.PushState(updateID)` and, L521-563, before the deferred `PutUpdate` with
 * `timeCompleted`, so on the way out the record is completed and the state pushed BEFORE the lock
 * is deleted; DESIGN §2 "A state-changing command" for SST 4.17.1, same order of lock / record /
 * snapshot / unlock):
 *
 *   lock/<app>/<stage>.json      {created, updateID, runID, command}   first
 *   update/…/<id>.json           {id, version, command, timeStarted}   second
 *   app/…, snapshot/…/<id>.json  the state, re-pushed while it runs
 *   update/…/<id>.json           … timeCompleted, errors               on the way out
 *   lock deleted                                                      last (deferred, also on a failed build)
 *
 * So, reading the lock BEFORE the records (the watcher does):
 * - the lock names the update            → it runs: "started", or "stuck" when nothing happened for
 *                                          longer than the threshold (idle since the later of the
 *                                          lock's creation, the state's last save and the record's
 *                                          completion: a running deploy keeps saving);
 * - the record has `timeCompleted` and   → it ended: "failed" when the record lists errors (this
 *   the lock no longer names it            includes `sst unlock`'s "force unlocked"), else "finished";
 * - no `timeCompleted`, the lock gone,   → the deploy ended without completing its record (a failed
 *   and the update was seen before         build: SST writes the record before it builds and the
 *                                          deferred unlock still runs): "failed". Only for an update
 *                                          seen in an earlier poll: a record seen for the first time
 *                                          may belong to a deploy whose lock appeared after the lock
 *                                          was read, so it is "started" first.
 * The first observation of a stage sets its cursor and posts no past update (a completed one, or
 * one whose lock is gone). Only a deploy whose lock exists at that moment is taken up: it runs now,
 * so it is posted as "in progress" (or "stuck", past the threshold) and followed like any other
 * until it finishes, fails or gets stuck.
 */
import type { SstLock, UpdateRecord } from "../state/types.ts";
import { updateIdTime } from "../state/update-id.ts";
import type { DeployPhase, FeedCursor, FeedEntry } from "./types.ts";

export interface StageObservation {
  app: string;
  stage: string;
  /** SST's lock, read before everything else */
  lock: SstLock | null;
  /** update ids newer than the cursor, newest first (all, up to the watcher's limit, on the first scan) */
  newIds: string[];
  /** the records read after the lock: of `newIds`, of the open entries and of the lock's update */
  records: ReadonlyMap<string, UpdateRecord | null>;
  /** when the state file was last written (ms) */
  stateSavedAt: number | null;
}

export interface PhaseChange {
  updateId: string;
  /** what the message shows now (null: no message yet) */
  from: DeployPhase | null;
  to: DeployPhase;
  record: UpdateRecord | null;
  lock: SstLock | null;
  /** stuck: ms since the last sign of progress */
  idleMs: number;
  /** failed: the lock went away and the record never got `timeCompleted` */
  endedWithoutRecord: boolean;
  /** the deploy already ran when the feed first looked at the stage (first observation) */
  alreadyRunning: boolean;
  /** stuck: the record says completed, SST's lock stayed */
  completedButLocked: boolean;
}

export interface StageDecision {
  changes: PhaseChange[];
  cursor: FeedCursor;
  /** true for the first observation of the stage (cursor set; only a running deploy is posted) */
  baseline: boolean;
}

/** Of two update ids, the newer (SST's ids sort newest first). */
export function newerUpdateId(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a < b ? a : b;
}

/** True when `id` is newer than the cursor's id (every id is newer than "none"). */
export function isNewerThan(id: string, cursorId: string | null): boolean {
  return cursorId === null || id < cursorId;
}

/** When an update started: its record's timeStarted, else from its id (`sst unlock` writes ""). */
export function updateStartMs(id: string, record: UpdateRecord | null | undefined): number {
  const t = record?.timeStarted ? Date.parse(record.timeStarted) : NaN;
  return Number.isFinite(t) ? t : updateIdTime(id);
}

export function decideStage(input: {
  observation: StageObservation;
  cursor: FeedCursor | null;
  open: readonly FeedEntry[];
  stuckMs: number;
  now: number;
}): StageDecision {
  const { observation: obs, cursor, now } = input;
  const newest = newerUpdateId(obs.newIds[0], cursor?.updateId);
  const nextCursor: FeedCursor = { updateId: newest, at: new Date(now).toISOString() };
  const lockId = typeof obs.lock?.updateID === "string" && obs.lock.updateID ? obs.lock.updateID : null;
  if (!cursor) {
    // First scan: the newest id now (a running deploy's lock included) is where the feed starts.
    // Past updates stay unposted; the deploy holding SST's lock right now is not past: it is taken
    // up (an open entry from here on, so later polls follow it although the cursor is past it).
    const running = lockId ? phaseOf(lockId, obs, lockId, undefined, input.stuckMs, now) : null;
    return {
      changes: running ? [{ ...running, alreadyRunning: true }] : [],
      cursor: { ...nextCursor, updateId: newerUpdateId(newest, lockId) },
      baseline: true,
    };
  }
  const open = new Map(input.open.map((e) => [e.updateId, e]));
  const candidates = new Set<string>([...obs.newIds, ...open.keys()]);
  if (lockId && (open.has(lockId) || isNewerThan(lockId, cursor.updateId))) candidates.add(lockId);

  const changes: PhaseChange[] = [];
  for (const id of candidates) {
    const change = phaseOf(id, obs, lockId, open.get(id), input.stuckMs, now);
    if (change) changes.push(change);
  }
  // Oldest first, so that a burst of deploys is posted in the order they ran.
  changes.sort((a, b) => (a.updateId < b.updateId ? 1 : -1));
  return { changes, cursor: nextCursor, baseline: false };
}

/** What update `id`'s message should show now; null when it shows that already (or nothing yet). */
function phaseOf(id: string, obs: StageObservation, lockId: string | null, entry: FeedEntry | undefined, stuckMs: number, now: number): PhaseChange | null {
  const record = obs.records.get(id) ?? null;
  const locked = lockId === id;
  let to: DeployPhase | null = null;
  let idleMs = 0;
  let endedWithoutRecord = false;
  let completedButLocked = false;
  if (locked) {
    const created = Date.parse(obs.lock!.created);
    const completed = record?.timeCompleted ? Date.parse(record.timeCompleted) : NaN;
    const lastSign = Math.max(
      Number.isFinite(created) ? created : updateStartMs(id, record),
      obs.stateSavedAt ?? 0,
      Number.isFinite(completed) ? completed : 0,
    );
    idleMs = Math.max(0, now - lastSign);
    completedButLocked = Number.isFinite(completed);
    to = idleMs > stuckMs ? "stuck" : "started";
    // A completed record under a lock that still names it is the moment between SST's last
    // two writes: wait for the unlock rather than post "started" for a finished update.
    if (to === "started" && completedButLocked && !entry) to = null;
  } else if (record?.timeCompleted) {
    to = (record.errors ?? []).length ? "failed" : "finished";
  } else if (entry) {
    to = "failed";
    endedWithoutRecord = true;
  } else if (record) {
    to = "started";
  }
  if (!to || to === entry?.phase) return null;
  return { updateId: id, from: entry?.phase ?? null, to, record, lock: locked ? obs.lock : null, idleMs, endedWithoutRecord, completedButLocked, alreadyRunning: false };
}
