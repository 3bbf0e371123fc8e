/**
 * The writes of a restore: what SST writes for a state-changing command, under ONE new updateID.
 *
 * SST's Lock (sst/sst pkg/project/provider/provider.go lines 235-266 at 08fa0a62) creates
 * `lock/<app>/<stage>.json` and then `update/<app>/<stage>/<id>.json` with `timeStarted`; PushState
 * (same file, lines 182-204) writes the pushed checkpoint to `app/<app>/<stage>.json` AND
 * `snapshot/<app>/<stage>/<id>.json`; the update record gets `timeCompleted`; the lock is deleted.
 * SST 4.17.1 still does exactly that: `sst state repair` on a local home logs "locking", "putting
 * update", "pushing partial state", "pushing snapshot", "putting update", "unlocking", and leaves
 * an app file and a snapshot with the same bytes and one record
 * `{"id","version":"4.17.1","command":"repair","errors":null,"timeStarted","timeCompleted"}`.
 *
 * A restore (execute.ts) takes SST's lock and writes the update record around `writeRestore`, which
 * does, in this order:
 *   1. keep the replaced state when `history` lists it as no snapshot (its `current` version: an
 *      interrupted deploy's state, a hand edit) as `snapshot/<its own id>.json`: the interrupted
 *      update it is joined to, else an id for when its file was written, between the newest
 *      snapshot and the restore. So it keeps its place in `history` under an id older than the
 *      restore's, and nothing is lost where the home keeps no object versions (local, unversioned
 *      bucket). Written first: until the state is replaced, a kept copy is harmless;
 *   2. the new current state, conditional on the token the approver saw;
 *   3. the restore's snapshot: the same bytes under the restore's updateID, so `history` shows the
 *      restore as one version (with its update record: who and when) that is current.
 * Every write goes through here: this is the one place to make restores atomic or journaled.
 */
import { StateChangedError } from "../errors.ts";
import type { CurrentState, StateStore, StateVersion, WriteNote } from "../ports.ts";
import { isUpdateId, makeUpdateId } from "../state/update-id.ts";
import { sha256Hex } from "./plan.ts";

export interface RestoreWrite {
  app: string;
  stage: string;
  /** the restore's own updateID (its SST lock and update record) */
  updateId: string;
  /** the target state's bytes */
  bytes: Uint8Array;
  /** CurrentState.token of the state being replaced, as the approver saw it */
  expectToken: string;
  /** the replaced state, when it is no snapshot yet (from `planKeep`) */
  keep?: { updateId: string; bytes: Uint8Array };
  /** who asked and approved (a git home puts it in the commit message) */
  note?: WriteNote;
}

/**
 * Whether the state being replaced needs keeping, and under which id. `versions` is the stage's
 * list from listVersions (newest first), `current` the state whose token the approver saw,
 * `restoreMs` the time of the restore's updateID.
 */
export function planKeep(
  versions: readonly StateVersion[],
  current: CurrentState,
  restoreMs: number,
): { /** the id `history` lists the replaced state under after the restore (the undo) */ replacedId?: string; keep?: RestoreWrite["keep"] } {
  const top = versions[0];
  if (!top) return {};
  if (top.kind !== "current") return { replacedId: top.id };
  if (top.updateId && isUpdateId(top.updateId)) return { replacedId: top.updateId, keep: { updateId: top.updateId, bytes: current.bytes } };
  // No update record names it (a hand edit or copy): an id for when its file was written, kept
  // after the newest snapshot and before the restore so that `history` keeps the order.
  const newest = versions.find((v) => v.kind !== "current");
  const floor = newest ? Date.parse(newest.time) + 1 : -Infinity;
  const written = Date.parse(top.time);
  const ms = Math.min(Math.max(Number.isFinite(written) ? written : restoreMs - 1, floor), restoreMs - 1);
  const updateId = makeUpdateId(ms);
  return { replacedId: updateId, keep: { updateId, bytes: current.bytes } };
}

/**
 * Steps 1–3 above. When writing the current state fails with anything but StateChangedError the
 * write may still have happened; the current state is read back, and when it holds the target the
 * restore goes on (`onUncertain` is told), else the error is thrown: old state or new, never a mix.
 * A failed step 3 is told to `onUncertain` too: the restore happened.
 */
export async function writeRestore(
  store: StateStore,
  w: RestoreWrite,
  onUncertain: (message: string, error: unknown) => void = () => {},
): Promise<CurrentState> {
  const { app, stage } = w;
  if (w.keep) await store.writeSnapshot(app, stage, w.keep.updateId, w.keep.bytes);
  let current: CurrentState;
  try {
    current = await store.writeCurrent(app, stage, w.bytes, w.expectToken, w.note);
  } catch (e) {
    if (e instanceof StateChangedError) throw e;
    let after: CurrentState;
    try {
      after = await store.readCurrent(app, stage);
    } catch {
      throw e;
    }
    if (sha256Hex(after.bytes) !== sha256Hex(w.bytes)) throw e;
    onUncertain(`writeCurrent of ${app}/${stage} reported an error after writing; the target is current`, e);
    current = after;
  }
  try {
    await store.writeSnapshot(app, stage, w.updateId, w.bytes);
  } catch (e) {
    // The state is restored; without its snapshot `history` still shows it as the current version
    // joined to the restore's update record (who and when), so this is a warning, not a failure.
    onUncertain(`the snapshot of restore ${w.updateId} of ${app}/${stage} was not written; the restored state is current`, e);
  }
  return current;
}
