import type { Finding, Rule } from "../types.ts";
import { formatDuration } from "../../format.ts";
import { savedAt } from "../state-index.ts";

export const DEFAULT_STALE_LOCK_MS = 60 * 60_000;

/**
 * SST's lock is a plain object `lock/<app>/<stage>.json`; a killed deploy leaves it behind and
 * every later deploy fails with "A concurrent update was detected" (#5096, #4011). Stale when the
 * update it names has already completed, or when nothing has happened for longer than the
 * threshold: a running deploy saves the state as it goes (Pulumi stamps each save with
 * `manifest.time`, state-index.ts `savedAt`), so the last sign of life is the later of the lock's
 * creation and the state's last save. A long deploy that still saves is running, not stale.
 */
export const staleLock: Rule = {
  name: "stale-lock",
  group: "lock",
  description: "SST's lock left behind by a crashed or finished deploy",
  run({ sstLock, lockUpdate, now, stage, current }, opts) {
    if (!sstLock) return [];
    const threshold = opts.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
    const created = Date.parse(sstLock.created);
    const ageMs = Number.isFinite(created) ? Math.max(0, now - created) : null;
    const saved = savedAt(current);
    const lastSign = Number.isFinite(created) ? Math.max(created, saved ?? 0) : null;
    const idleMs = lastSign === null ? null : Math.max(0, now - lastSign);
    const who = `${sstLock.command ? `\`sst ${sstLock.command}\`` : "a deploy"} (update ${sstLock.updateID})`;
    const age = ageMs === null ? "of unknown age" : `${formatDuration(ageMs)} old`;
    const unlock = `Make sure no deploy of ${stage} is running (CI jobs, laptops), then run \`sst unlock --stage ${stage}\`; afterwards run \`sst-state diagnose ${stage}\` again for pending operations the crash may have left.`;
    const out: Finding[] = [];
    if (lockUpdate?.timeCompleted) {
      out.push({
        rule: "stale-lock",
        severity: "error",
        message: `SST's lock for ${stage} is still there (${age}) although ${who} completed at ${lockUpdate.timeCompleted}. Every deploy will fail with "A concurrent update was detected" until it is removed.`,
        fix: `Run \`sst unlock --stage ${stage}\` (the update it names has finished).`,
      });
    } else if (idleMs === null || idleMs > threshold) {
      out.push({
        rule: "stale-lock",
        severity: "error",
        message:
          `SST's lock for ${stage} was taken by ${who} and is ${age}${idleMs !== null && idleMs < (ageMs ?? 0) ? ` (the state was last saved ${formatDuration(idleMs)} ago)` : ""}; ` +
          (lockUpdate ? "that update never completed, so the deploy most likely crashed or was killed. " : "there is no update record for it. ") +
          `Deploys fail with "A concurrent update was detected" until it is removed.`,
        fix: unlock,
      });
    } else {
      const active = idleMs < (ageMs ?? 0) ? ` and saved the state ${formatDuration(idleMs)} ago` : "";
      out.push({
        rule: "stale-lock",
        severity: "info",
        message: `A deploy of ${stage} appears to be running: ${who} has held SST's lock for ${formatDuration(ageMs ?? 0)}${active}.`,
        fix: `Wait for it to finish. If nothing is running, run \`sst unlock --stage ${stage}\`.`,
      });
    }
    return out;
  },
};
