/** `lock <stage> <reason>`: takes the stage's deploy lock (or says who holds it). */
import { resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";
import { renderLockAcquired, renderLockHeld } from "../render/lock.ts";
import { assertStageExists, lockerFor, lockVisibility } from "./lock-support.ts";

export const lock: VerbHandler<"lock"> = async ({ command, deps, user, prefix }) => {
  const { stage } = command.target;
  const locker = lockerFor(deps);
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  await assertStageExists(deps, app, stage);
  const res = await locker.acquire({
    app,
    stage,
    holder: user,
    reason: command.reason,
    ...(command.ttlMs ? { ttlMs: command.ttlMs } : {}),
  });
  const now = deps.clock.now();
  if (!res.acquired) return { visibility: "ephemeral", message: renderLockHeld(res.lock, { now, prefix }) };
  return {
    visibility: lockVisibility(deps, stage),
    message: renderLockAcquired(res.lock, { now, ...(res.tookOver ? { tookOver: res.tookOver } : {}) }),
  };
};
