/**
 * "Unlock SST" under a stuck deploy: what `sst unlock --stage <stage>` does, for exactly the update
 * the message is about, and only while it still looks stuck.
 *
 * `sst unlock` (SST 4.17.1, run offline in `packages/adapters/tests/integration/deploy-feed-local.test.ts`)
 * completes the locked update's record with the error "Update did not
 * complete and was force unlocked with the `sst unlock` command" and a `timeCompleted`, then
 * deletes `lock/<app>/<stage>.json`. The record is rewritten and the lock deleted by the same code as a repair's Unlock
 * SST (`unlockAsSst`, core/repair/unlock.ts: the record exactly as `sst unlock` leaves it), so
 * SST, `history` and the feed read it as SST's own; the lock is deleted only while it still names
 * that update (deleteSstLock).
 *
 * Refused (nothing written) when the lock is gone or names another update (a new deploy started),
 * or when the update made progress within the stage's threshold (a deploy that is running).
 */
import type { Clock, StateStore } from "../ports.ts";
import { unlockAsSst } from "../repair/unlock.ts";
import type { UpdateRecord } from "../state/types.ts";

export type UnlockResult = { unlocked: true; record: UpdateRecord } | { unlocked: false; reason: string };

export async function unlockStuckDeploy(
  deps: { store: StateStore; clock: Clock },
  req: { app: string; stage: string; updateId: string; stuckMs: number; stateSavedAt?: number | null },
): Promise<UnlockResult> {
  const { store, clock } = deps;
  const { app, stage, updateId } = req;
  const lock = await store.readSstLock(app, stage);
  if (!lock) return { unlocked: false, reason: `SST's lock of ${app}/${stage} is already gone` };
  if (lock.updateID !== updateId) return { unlocked: false, reason: `SST's lock of ${app}/${stage} now belongs to another update (${String(lock.updateID)}): a new deploy started` };
  let saved = req.stateSavedAt ?? null;
  if (req.stateSavedAt === undefined) {
    try {
      saved = Date.parse((await store.readCurrent(app, stage)).time);
    } catch {
      saved = null; // no state yet (a first deploy): the lock's age alone decides
    }
  }
  const now = clock.now();
  const created = Date.parse(lock.created);
  const lastSign = Math.max(Number.isFinite(created) ? created : 0, saved ?? 0);
  if (now - lastSign <= req.stuckMs) {
    return { unlocked: false, reason: `update ${updateId} made progress ${Math.round((now - lastSign) / 1000)} s ago, so it may still be running` };
  }
  return { unlocked: true, record: await unlockAsSst(store, app, stage, lock, now) };
}
