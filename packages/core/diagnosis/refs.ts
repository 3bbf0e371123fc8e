/**
 * Shared walk for the three dangling-reference rules: a URN referenced by a resource (parent,
 * dependency / property dependency, provider) that is not in the state. Pulumi refuses such a
 * snapshot. `sst state repair` removes references to resources that are not in the state and
 * sorts the rest; it never brings the missing resource back.
 */
import type { Checkpoint } from "../state/types.ts";
import type { Finding } from "./types.ts";
import { analyzeRefs, indexState, nameOf, stateRemoveCommand, type RefKind } from "./state-index.ts";

export type { RefKind };

const MAX_NAMES = 10;

export function danglingFindings(cp: Checkpoint, stage: string, kind: RefKind): Finding[] {
  const { resources } = indexState(cp);
  const missing = analyzeRefs(cp).dangling[kind];
  const out: Finding[] = [];
  for (const [i, targets] of missing) {
    const r = resources[i]!;
    const list = [...targets];
    // a finding travels through the workflow's payloads: name a few, count the rest
    const names = list.slice(0, MAX_NAMES).map((t) => `\`${nameOf(t)}\``).join(", ") + (list.length > MAX_NAMES ? ` and ${(list.length - MAX_NAMES).toLocaleString("en-US")} more` : "");
    const rule = `dangling-${kind}`;
    const message =
      kind === "parent"
        ? `${nameOf(r.urn)} names parent ${names}, which is not in the state. Pulumi rejects the snapshot ("snapshot integrity failure") and the next deploy fails.`
        : kind === "provider"
          ? `${nameOf(r.urn)} uses provider ${names}, which is not in the state: Pulumi cannot update or delete this resource, and rejects the snapshot.`
          : `${nameOf(r.urn)} depends on ${names}, ${list.length > 1 ? "which are" : "which is"} not in the state. Pulumi rejects the snapshot ("snapshot integrity failure").`;
    const fix =
      kind === "provider"
        ? `Run \`sst state repair --stage ${stage}\`: it removes references to resources that are not in the state and sorts the rest, but it does not bring the provider back. ` +
          `If repair cannot make the state valid, remove the resource (\`${stateRemoveCommand(r.urn, stage)}\`) and import it again, or restore a previous version with \`sst-state restore ${stage} <version>\`.`
        : `Run \`sst state repair --stage ${stage}\`: it removes the reference to the missing ${kind} (and sorts resources into order). ` +
          `It does not recreate what is missing: if ${list.length > 1 ? "those resources" : "that resource"} should exist, \`sst deploy --stage ${stage}\` afterwards creates ${list.length > 1 ? "them" : "it"} again (or import ${list.length > 1 ? "them" : "it"} if ${list.length > 1 ? "they" : "it"} still exist${list.length > 1 ? "" : "s"} in AWS).`;
    out.push({ rule, severity: "error", urn: r.urn, message, fix });
  }
  return out;
}
