/** What the lock verbs (lock, unlock, locks) and the Release button share: the bot's locker, who holds, where it is said. */
import { SstStateError, StageNotFoundError } from "@sst-state/core/errors";
import type { Lease, Locker } from "@sst-state/core/lock";
import type { BotDeps } from "../deps.ts";
import { renderNotLocked, renderUnlocked } from "../render/lock.ts";
import type { Reply } from "../render/types.ts";

export class LocksNotConfiguredError extends SstStateError {
  constructor() {
    super("locks-not-configured", "Deploy locks are not configured for this bot.", {
      hint: "Set SST_STATE_TABLE to the lock table (the deployed bot links it), or run `sst-state serve`, which keeps locks in its embedded store.",
      exitCode: 2,
    });
  }
}

/** The bot's locker (lock verbs, the Release button, restores), as the composition root built it. */
export function lockerFor(deps: BotDeps): Locker {
  if (!deps.locker) throw new LocksNotConfiguredError();
  return deps.locker;
}

/** Lock changes are announced in the stage's channel when it has one; then the asker gets a quiet confirmation. */
export function lockVisibility(deps: BotDeps, stage: string): Reply["visibility"] {
  return deps.config.policy(stage).channel ? "ephemeral" : "in_channel";
}

/** A lock for a stage that has no state is almost always a typo: refuse, listing the stages. */
export async function assertStageExists(deps: BotDeps, app: string, stage: string): Promise<void> {
  const stages = await deps.store.listStages(app);
  if (!stages.includes(stage)) throw new StageNotFoundError(app, stage, stages, deps.store.location);
}

export function isHolder(holder: string, user: string): boolean {
  return holder === user || holder === `<@${user}>`;
}

/** Release a lease by its holder, with that lease's token (never a later holder's lease). */
export async function releaseAsHolder(deps: BotDeps, locker: Locker, current: Lease, now: number): Promise<Reply> {
  const res = await locker.release(current, { outcome: "released from Slack" });
  if (!res.released) return { visibility: "ephemeral", message: renderNotLocked(current.app, current.stage, res.reason) };
  return { visibility: lockVisibility(deps, current.stage), message: renderUnlocked(res.lock, { now }) };
}
