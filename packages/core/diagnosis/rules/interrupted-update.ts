import type { Finding, Rule } from "../types.ts";
import type { UpdateRecord } from "../../state/types.ts";

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
 */
export const interruptedUpdate: Rule = {
  name: "interrupted-update",
  group: "lock",
  description: "deploys that died part-way (never completed, or closed by `sst unlock`)",
  run({ updates, sstLock, stage }) {
    const out: Finding[] = [];
    for (const u of updates) {
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
        out.push({
          rule: "interrupted-update",
          severity: "error",
          message: `${what} never completed and no lock is held for it: the deploy was killed or crashed, and the state may not match AWS.`,
          fix,
        });
      }
    }
    return out;
  },
};
