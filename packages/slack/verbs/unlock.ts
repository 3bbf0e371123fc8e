/** `unlock <stage> [--force --reason …]`: releases the asker's lock, or breaks another's on purpose (recorded). */
import { resolveApp } from "@sst-state/core/queries";
import type { VerbHandler } from "../deps.ts";
import { renderLockNotYours, renderNotLocked, renderUnlocked } from "../render/lock.ts";
import { isHolder, lockerFor, lockVisibility, releaseAsHolder } from "./lock-support.ts";

export const unlock: VerbHandler<"unlock"> = async ({ command, deps, user, prefix }) => {
  const { stage } = command.target;
  const locker = lockerFor(deps);
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const current = await locker.get(app, stage);
  const now = deps.clock.now();
  if (!current) return { visibility: "ephemeral", message: renderNotLocked(app, stage) };
  if (isHolder(current.holder, user)) return releaseAsHolder(deps, locker, current, now);
  if (!command.force) return { visibility: "ephemeral", message: renderLockNotYours(current, { now, prefix }) };
  const res = await locker.forceRelease(app, stage, user, command.reason ?? "forced from Slack");
  if (!res.released) return { visibility: "ephemeral", message: renderNotLocked(app, stage, res.reason) };
  return { visibility: lockVisibility(deps, stage), message: renderUnlocked(res.lock, { now, forcedBy: user, reason: command.reason ?? "" }) };
};
