import type { Finding, Rule } from "../types.ts";
import type { UpdateRecord } from "../../state/types.ts";
import { untouchedSince } from "../state-index.ts";

/** The error `sst unlock` writes into the update record it closes (DESIGN §2). */
export const FORCE_UNLOCK_MESSAGE = "Update did not complete and was force unlocked with the `sst unlock` command";

export function isForceUnlocked(u: UpdateRecord): boolean {
  return (u.errors ?? []).some((e) => typeof e?.message === "string" && e.message.includes("force unlocked with the `sst unlock` command"));
}

function cleanlyCompleted(u: UpdateRecord): boolean {
  return !!u.timeCompleted && (u.errors ?? []).length === 0;
}

/**
 * An update record with no `timeCompleted` that is not the running lock's, or one closed by
 * `sst unlock`: a deploy died part-way. Only updates newer than the last clean one matter; a
 * clean deploy after them has reconciled the state.
 *
 * SST writes the update record (and its lock) before it builds the app, and releases the lock when
 * the command fails, so a failed build leaves a record without `timeCompleted`, no snapshot and a
 * state nobody wrote (DESIGN §2). The state says which case it is: Pulumi stamps every save with
 * `manifest.time` (state-index.ts `savedAt`), so a state saved before the update started was never
 * touched by it (info). A state saved since, by the newest update, is a deploy killed part-way
 * (error); behind a newer update that also wrote the state, we cannot tell (warning).
 */
export const interruptedUpdate: Rule = {
  name: "interrupted-update",
  group: "lock",
  description: "deploys that died part-way (never completed, or closed by `sst unlock`)",
  run({ updates, sstLock, stage, current }) {
    const out: Finding[] = [];
    for (const [i, u] of updates.entries()) {
      if (cleanlyCompleted(u)) break;
      const details = [u.command ? `\`sst ${u.command}\`` : "", u.timeStarted ? `started ${u.timeStarted}` : ""].filter(Boolean).join(", ");
      const what = `Update ${u.id}${details ? ` (${details})` : ""}`;
      const fix = `Run \`sst refresh --stage ${stage}\` so the state matches AWS again, check this report for pending operations, then \`sst deploy --stage ${stage}\`.`;
      if (isForceUnlocked(u)) {
        out.push({
          rule: "interrupted-update",
          severity: "warning",
          message: `${what} did not complete and was force unlocked with \`sst unlock\`: resources it was changing may be half-done or missing from the state.`,
          fix,
        });
      } else if (!u.timeCompleted && u.id !== sstLock?.updateID) {
        if (untouchedSince(current, u.timeStarted))
          out.push({
            rule: "interrupted-update",
            severity: "info",
            message: `${what} never completed, but it did not change the state (last saved before it started): most likely its build failed before Pulumi ran.`,
            fix: `Nothing to repair. Fix the build error and run \`sst deploy --stage ${stage}\` again.`,
          });
        else
          out.push({
            rule: "interrupted-update",
            severity: i === 0 ? "error" : "warning",
            message:
              i === 0
                ? `${what} never completed and no lock is held for it, but the state was saved after it started: the deploy was killed or crashed part-way, and the state may not match AWS.`
                : `${what} never completed and no lock is held for it; a later update that did not complete either wrote the state since, so it may have been killed part-way.`,
            fix,
          });
      }
    }
    return out;
  },
};
