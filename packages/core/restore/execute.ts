/**
 * Running an approved restore (DESIGN §3 "Restore never deletes history").
 *
 *   1. take the stage's lease (our lock, core/lock) — a deploy under `sst-state run` or a held
 *      `lock` stops us;
 *   2. refuse while SST's own lock object exists (a deploy may be running);
 *   3. check the current state is still the one the approver was shown (its token), and that the
 *      target bytes are still the ones shown (sha256);
 *   4. create SST's lock object ourselves (`command: "sst-state restore"`), so an `sst deploy`
 *      that starts meanwhile stops with SST's "concurrent update" message, and an update record
 *      under the same new updateID, as SST's Lock does (so `sst unlock` and `history` know what
 *      held the lock, and who asked and approved: `restore` in the record);
 *   5. `writeRestore` (write.ts): keep the replaced state if it is no snapshot, write the target as
 *      the current state conditional on the token (S3 If-Match, or checked under the lock where the
 *      server cannot), and its snapshot under the restore's updateID — never a delete;
 *   6. in `finally`: complete the update record (`timeCompleted`), delete SST's lock (only if it is
 *      still ours) and release the lease.
 * So a restore leaves what SST leaves for a state-changing command: app file + snapshot + update
 * record under one updateID, and `history` lists it as one version.
 *
 * If writing the current state throws something other than StateChangedError, we cannot know
 * whether the write happened; writeRestore reads it back and compares it with the target, so the
 * outcome reported is the truth: either the old version (nothing changed) or the target (restored).
 */
import { SstLockHeldError, StateChangedError, isSstStateError, type SstStateError, StoreUnavailableError } from "../errors.ts";
import type { Clock, CurrentState, StateStore, StateVersion } from "../ports.ts";
import { repairedBytes } from "../repair/request.ts";
import { unlockAsSst } from "../repair/unlock.ts";
import type { Locker } from "../lock/lease.ts";
import { describeSstLock, resolveVersion } from "../state/versions.ts";
import { makeUpdateId } from "../state/update-id.ts";
import type { UpdateRecord } from "../state/types.ts";
import type { AuditLog, RestoreJournal, RestoreRequest, RestoreResult } from "./ports.ts";
import { formatTime } from "../format.ts";
import { sha256Hex } from "./plan.ts";
import { planKeep, writeRestore } from "./write.ts";
import { mention } from "./policy.ts";
import { RestoreRefusedError, StageLockedError } from "./errors.ts";

/**
 * The update record's `command` and `version`. SST's own records name the command ("deploy",
 * "remove", "refresh", "repair", …) and SST's version; a restore names itself, so `history` and
 * `status` show who wrote the state. SST reads records into a struct that ignores unknown fields
 * (pkg/project/provider/provider.go lines 138-146 at 08fa0a62), so the extra `restore` field
 * (request, target, requester, approver) is kept for us and harmless to SST (which drops it if it
 * rewrites the record, as `sst unlock` does); the integration tests run SST 4.17.1's
 * `sst state export` on a restored home and `sst unlock` on a restore's leftover lock.
 */
export const RESTORE_COMMAND = "sst-state restore";
/** The same for an approved repair (a request of kind "repair"). */
export const REPAIR_COMMAND = "sst-state repair";
export const RESTORE_RECORD_VERSION = "sst-state";
/** The lease a restore holds; a restore takes seconds. */
export const RESTORE_LEASE_TTL_MS = 10 * 60_000;

export interface ExecuteDeps {
  store: StateStore;
  locker: Locker;
  clock: Clock;
  /** to say who changed the stage when the state moved on (a restore by someone) */
  audit?: AuditLog;
  /** told about cleanup failures (the lock left behind), never thrown */
  onWarning?: (message: string, error?: unknown) => void;
  /**
   * Record the journal (the request's `journal`, service.ts) once the lease is held and the checks
   * passed, before the first write to the home; a failure stops the restore with nothing written.
   */
  journal?: (entry: RestoreJournal) => Promise<void>;
}

export type ExecuteOutcome = { ok: true; result: RestoreResult } | { ok: false; error: SstStateError; result: RestoreResult };

function toError(e: unknown): SstStateError {
  if (isSstStateError(e)) return e;
  return new StoreUnavailableError(
    `The restore failed: ${(e as Error)?.message ?? String(e)}`,
    "Check `sst-state status <stage>`: the current state is either the old version or the target, never a mix. Then ask again.",
    e,
  );
}

/** "a deploy (update ab12…, started 2025-03-01 10:00 UTC)" or "a restore by <@U0BOB> at …" */
export async function describeChange(deps: Pick<ExecuteDeps, "store" | "audit">, req: RestoreRequest, now: CurrentState | null): Promise<string> {
  const since = Date.parse(req.createdAt);
  try {
    const restores = (await deps.audit?.list(req.app, req.stage, { limit: 20 })) ?? [];
    // a restore finished after the request; when we know the current token, the one that wrote it
    const restore = restores.find(
      (e) => e.action === "restore.done" && e.requestId !== req.id && Date.parse(e.time) >= since && (!now || !e.data?.token || e.data.token === now.token),
    );
    if (restore) return `restored by ${mention(restore.actor)} at ${formatTime(restore.time)} (request ${restore.requestId ?? "?"})`;
  } catch {
    /* the audit log is a nicety here */
  }
  try {
    const [u] = await deps.store.listUpdates(req.app, req.stage, 1);
    if (u && u.timeStarted && Date.parse(u.timeStarted) >= since - 60_000) {
      const what = u.command === RESTORE_COMMAND ? "a restore by sst-state" : u.command === REPAIR_COMMAND ? "a repair by sst-state" : `\`sst ${u.command ?? "deploy"}\``;
      return `${what} (update ${u.id}) started ${formatTime(u.timeStarted)}${u.timeCompleted ? `, finished ${formatTime(u.timeCompleted)}` : ", not finished"}`;
    }
  } catch {
    /* fall through */
  }
  return now ? `the current state was rewritten at ${formatTime(now.time)}` : "the current state was rewritten";
}

export function stateChanged(req: RestoreRequest, detail: string): StateChangedError {
  return new StateChangedError(
    `${req.stage} changed since the request was made: ${detail}; ask again.`,
    `The approval was for replacing ${req.current.label}. Look at \`sst-state status ${req.stage}\` and \`sst-state history ${req.stage}\`, then ask for the restore again.`,
  );
}

/**
 * The bytes an approved request writes: a restore's version as stored now, or a repair made again
 * from the current state (repair/request.ts); null for a repair that does not write the state.
 */
async function targetBytes(store: StateStore, req: RestoreRequest, current: CurrentState, versions: StateVersion[]): Promise<Uint8Array | null> {
  if (req.kind === "repair" && req.repair) return repairedBytes(req.repair, current.bytes);
  const target = await resolveVersion(store, req.app, req.stage, req.target.versionId ?? req.target.id, versions);
  return target.read();
}

export async function executeRestore(deps: ExecuteDeps, req: RestoreRequest, actor: string): Promise<ExecuteOutcome> {
  const { store, locker, clock } = deps;
  const { app, stage } = req;
  const warn = deps.onWarning ?? (() => {});
  const startedAt = clock.now();
  const updateId = makeUpdateId(startedAt);
  const runID = crypto.randomUUID();
  const result: RestoreResult = { finishedAt: new Date(startedAt).toISOString(), updateId };
  const fail = (e: unknown): ExecuteOutcome => {
    const error = toError(e);
    result.finishedAt = new Date(clock.now()).toISOString();
    result.error = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
    return { ok: false, error, result };
  };

  // 1. our lease
  let acquired;
  try {
    acquired = await locker.acquire({ app, stage, holder: actor, reason: `restore ${req.id} to ${req.target.id}`, ttlMs: RESTORE_LEASE_TTL_MS });
  } catch (e) {
    return fail(e);
  }
  if (!acquired.acquired) return fail(new StageLockedError(stage, acquired.reason));
  const lease = acquired.lock;

  let sstLockOurs = false;
  let recordStarted: UpdateRecord | undefined;
  let outcome: ExecuteOutcome | undefined;
  try {
    // 2. SST's lock; a repair that was approved to remove it ("Unlock SST") does so first, only
    // while it still names the update the approver saw (repair/unlock.ts)
    const sstLock = await store.readSstLock(app, stage);
    const unlock = req.repair?.unlock;
    if (sstLock && unlock && sstLock.updateID === unlock.updateID) {
      await unlockAsSst(store, app, stage, sstLock, clock.now());
      result.unlocked = unlock.updateID;
    } else if (sstLock) throw new SstLockHeldError(app, stage, describeSstLock(sstLock));

    // 3. still the state the approver saw?
    const current = await store.readCurrent(app, stage);
    if (current.token !== req.current.token) throw stateChanged(req, await describeChange(deps, req, current));
    // resolveVersion and planKeep match versions by id, kind and time: no update record is read
    // (on S3 one GET each, while the stage's lease is held)
    const versions = await store.listVersions(app, stage, { records: 0 });
    const bytes = await targetBytes(store, req, current, versions);
    if (sha256Hex(bytes ?? current.bytes) !== req.target.sha256) {
      throw new RestoreRefusedError(
        "restore-target-changed",
        req.kind === "repair"
          ? `The repair made from the current state is no longer the one shown in the request.`
          : `The stored bytes of ${req.target.label} are no longer the ones shown in the request.`,
        req.kind === "repair" ? `Ask again: \`sst-state repair ${stage}\` shows the repair as it is now.` : `Ask again: \`restore ${stage} ${req.target.id}\` shows the version as it is now.`,
      );
    }
    if (bytes === null) {
      // a repair that only removed SST's stale lock: the state is not written
      result.finishedAt = new Date(clock.now()).toISOString();
      outcome = { ok: true, result };
      return outcome;
    }

    // the journal, before the first write: an interruption from here on is finished or closed
    // on the next start (recoverInterrupted in service.ts)
    const { replacedId, keep } = planKeep(versions, current, startedAt);
    await deps.journal?.({
      updateId,
      startedAt: new Date(startedAt).toISOString(),
      leaseToken: lease.token,
      ...(replacedId ? { replacedId } : {}),
    });

    // 4. SST's lock, held by us, and an update record for it
    const command = req.kind === "repair" ? REPAIR_COMMAND : RESTORE_COMMAND;
    const created = new Date(clock.now()).toISOString();
    try {
      await store.putSstLock(app, stage, { created, updateID: updateId, runID, command, ignore: true });
    } catch (e) {
      // Any failure but "held by someone" may have written the object (a reset after the PUT):
      // clean it up in `finally` (deleteSstLock removes it only if its updateID is ours).
      if (!(e instanceof SstLockHeldError)) sstLockOurs = true;
      throw e;
    }
    sstLockOurs = true;
    recordStarted = {
      id: updateId,
      runID,
      version: RESTORE_RECORD_VERSION,
      command,
      errors: [],
      timeStarted: created,
      restore: { request: req.id, target: req.target.id, requester: req.requester, approver: actor, ...(req.kind === "repair" ? { kind: "repair" } : {}) },
    };
    await store.writeUpdate(app, stage, recordStarted);

    // 5. the writes: keep the replaced state if it is no snapshot, the current state, its snapshot
    let written: CurrentState;
    try {
      written = await writeRestore(store, { app, stage, updateId, bytes, expectToken: req.current.token, note: { target: req.target.id, requestedBy: req.requester, approvedBy: req.decidedBy ?? actor }, ...(keep ? { keep } : {}) }, warn);
    } catch (e) {
      if (e instanceof StateChangedError) throw stateChanged(req, await describeChange(deps, req, null));
      throw e;
    }
    result.token = written.token;
    if (written.versionId) result.versionId = written.versionId;
    // a git home's commits reach the remote here, while the lock still orders them
    if (store.publish) {
      result.published = await store.publish(app, stage).catch((e: unknown) => ({ pushed: false, message: `the restore is committed here but could not be pushed: ${(e as Error)?.message ?? String(e)}` }));
      if (!result.published.pushed) warn(result.published.message, undefined);
    }
    const previous = replacedId ?? req.current.selector ?? (req.current.versionId !== "null" ? req.current.versionId : undefined);
    if (previous) result.previousSelector = previous;
    result.finishedAt = new Date(clock.now()).toISOString();
    outcome = { ok: true, result };
  } catch (e) {
    outcome = fail(e);
  } finally {
    // 6. always let go: record completion, delete SST's lock if it is ours, release the lease
    if (recordStarted) {
      const done: UpdateRecord = {
        ...recordStarted,
        timeCompleted: new Date(clock.now()).toISOString(),
        errors: outcome && !outcome.ok ? [{ message: outcome.error.message }] : [],
      };
      await store.writeUpdate(app, stage, done).catch((e) => warn(`could not complete update record ${updateId} of ${app}/${stage}`, e));
    }
    if (sstLockOurs) {
      await store.deleteSstLock(app, stage, updateId).catch((e) =>
        e instanceof SstLockHeldError
          ? // no longer ours (someone ran `sst unlock` and a deploy took it): never tell anyone to break it
            warn(`SST's lock of ${app}/${stage} is no longer ours (update ${updateId}); left in place`, e)
          : warn(`could not delete SST's lock of ${app}/${stage} (ours, update ${updateId}); run \`sst unlock --stage ${stage}\``, e),
      );
    }
    await locker
      .release(lease, { outcome: outcome?.ok ? `restored ${req.target.id}` : `restore failed` })
      .catch((e) => warn(`could not release the lease on ${app}/${stage} (token ${lease.token})`, e));
  }
  return outcome!;
}
