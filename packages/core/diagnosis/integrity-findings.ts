/**
 * Findings for the integrity problems of `checkIntegrity`, one finding per resource and rule, and
 * the fix texts they share. Every claim about an SST command was checked against SST 4.17.1 (the
 * binary in node_modules/sst-linux-x64, offline on a local home; the tests in
 * packages/core/tests/integration/sst-fix-claims.test.ts checks them):
 *  - `sst state repair` deletes every resource whose `parent` is not in the state (and, in list order,
 *    the resources under it), and drops `dependencies` / `propertyDependencies` entries that name a
 *    resource not in the state. It never reorders resources and leaves `provider`, `deletedWith`,
 *    `replaceWith` and the manifest as they are. With nothing to do it says "No changes made".
 *  - `sst state remove <name>` removes every resource whose URN name is <name> (whatever its type),
 *    then does the same clean-up as repair.
 *  - `sst state edit` opens the stored checkpoint (`{"version","checkpoint"}`) in $EDITOR and saves
 *    what the editor saved, without checking it.
 */
import type { Checkpoint } from "../state/types.ts";
import type { Finding } from "./types.ts";
import { checkIntegrity, type IntegrityProblem, type IntegrityRule, type RefField } from "./integrity.ts";
import { nameOf } from "./state-index.ts";

const MAX_NAMES = 10;

/** The problems of one rule grouped by resource (or pending operation), in state order. */
export function problemsByResource(cp: Checkpoint, rule: IntegrityRule): IntegrityProblem[][] {
  const groups = new Map<string, IntegrityProblem[]>();
  for (const p of checkIntegrity(cp).problems) {
    if (p.rule !== rule) continue;
    const k = p.index !== undefined ? `r${p.index}` : p.pending !== undefined ? `p${p.pending}` : `u${p.urn ?? ""}`;
    const list = groups.get(k);
    if (list) list.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.values()];
}

/** `a`, `b` and 3 more: a finding travels through the workflow's payloads, so name a few. */
export function nameList(urns: readonly string[]): string {
  const unique = [...new Set(urns)];
  const shown = unique.slice(0, MAX_NAMES).map((u) => `\`${nameOf(u)}\``);
  const rest = unique.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest.toLocaleString("en-US")} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}` : (shown[0] ?? "");
}

/** Pulumi's words, quoted once (the first problem of a group), so the user can match the deploy error. */
export function pulumiSays(group: readonly IntegrityProblem[]): string {
  const first = group[0]!.pulumi;
  return `Pulumi refuses the state ("snapshot integrity failure": ${first}${group.length > 1 ? `; and ${group.length - 1} more like it` : ""}).`;
}

const FIELD_LABEL: Record<RefField, string> = {
  parent: "parent",
  dependencies: "dependency",
  propertyDependencies: "property dependency",
  deletedWith: "deletedWith",
  replaceWith: "replaceWith",
  provider: "provider",
};

export function fieldLabel(f: RefField): string {
  return FIELD_LABEL[f];
}

export function restoreStep(stage: string): string {
  return `restore the last good version with \`sst-state restore ${stage} <version>\` (\`sst-state history ${stage}\` lists them; approved in Slack)`;
}

export function editStep(stage: string): string {
  return `\`sst state edit --stage ${stage}\` (it opens the stored state in $EDITOR and saves it unchecked)`;
}

/** Findings of a rule, one per group, from a renderer. */
export function integrityFindings(
  cp: Checkpoint,
  rule: IntegrityRule,
  render: (group: IntegrityProblem[]) => Omit<Finding, "rule" | "severity" | "urn">,
): Finding[] {
  return problemsByResource(cp, rule).map((group) => {
    const p = group[0]!;
    return { rule, severity: p.severity, ...(p.urn ? { urn: p.urn } : {}), ...render(group) };
  });
}
