import type { Finding, Rule } from "../types.ts";
import { clip, nameOf, untouchedSince } from "../state-index.ts";
import { isForceUnlocked } from "./interrupted-update.ts";

/**
 * Errors recorded by the last update (`update/<app>/<stage>/<id>.json` `errors`). When the state was
 * not saved since the update started (`manifest.time`, state-index.ts `savedAt`), the update failed
 * before it changed anything: the stage still runs the previous version (warning). Otherwise it
 * failed part-way (error).
 */
export const updateErrors: Rule = {
  name: "update-errors",
  group: "lock",
  description: "errors recorded by the last update",
  run({ updates, stage, current }) {
    const last = updates[0];
    if (!last?.errors?.length || isForceUnlocked(last)) return [];
    const untouched = untouchedSince(current, last.timeStarted);
    const out: Finding[] = [];
    for (const e of last.errors) {
      if (typeof e?.message !== "string") continue;
      const urn = typeof e.urn === "string" && e.urn ? e.urn : undefined;
      const msg = clip(e.message);
      const already = /already exists|AlreadyExists|ResourceConflictException|409/i.test(msg);
      out.push({
        rule: "update-errors",
        severity: untouched ? "warning" : "error",
        ...(urn ? { urn } : {}),
        message:
          `The last update (${last.id}${last.command ? `, \`sst ${last.command}\`` : ""}) failed${urn ? ` on ${nameOf(urn)}` : ""}: ${msg}` +
          (untouched ? " It did not change the state (last saved before it started): the stage still runs the previous version." : ""),
        fix: already
          ? `The resource exists in AWS but not under this name in the state: import it, or delete it in AWS, then \`sst deploy --stage ${stage}\`. Look for retained-orphan and fixed-name-collision findings in this report.`
          : `Fix the cause named in the error, then \`sst deploy --stage ${stage}\`. The full event log is in \`eventlog/<app>/${stage}/${last.id}.json\`.`,
      });
    }
    return out;
  },
};
