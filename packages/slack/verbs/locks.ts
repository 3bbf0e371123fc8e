/** `locks [app]`: every held deploy lock. */
import type { VerbHandler } from "../deps.ts";
import { renderLocks } from "../render/lock.ts";
import { lockerFor } from "./lock-support.ts";

export const locks: VerbHandler<"locks"> = async ({ command, deps }) => {
  const locker = lockerFor(deps);
  const app = command.app ?? deps.config.app;
  const leases = await locker.list(app);
  return { visibility: "in_channel", message: renderLocks(leases, { now: deps.clock.now(), ...(app ? { app } : {}) }) };
};
