import type { Finding, Rule } from "../types.ts";

function normalizeArn(arn: string): string {
  return arn.endsWith(":*") ? arn.slice(0, -2) : arn;
}

function serviceOf(arn: string): string {
  const parts = arn.split(":");
  const res = parts.slice(5).join(":");
  return `${parts[2] ?? "?"}${res ? ` ${res.split(/[/:]/)[0]}` : ""}`;
}

/**
 * AWS resources tagged `sst:app`/`sst:stage` for this stage that the state does not know: left
 * over from retained removals, interrupted creates or a state restored over newer resources.
 * Compares the Resource Groups Tagging API's ARNs with the state's `arn` outputs.
 */
export const untrackedResources: Rule = {
  name: "untracked-resources",
  group: "probe",
  description: "AWS resources tagged for this stage that the state does not know",
  run({ current, previous, probes, stage, app }) {
    const probe = probes?.tagged;
    if (!probe) return { skipped: "the tagged-resources probe did not run" };
    if (!probe.ok) return { skipped: probe.why };
    const known = new Set<string>();
    for (const r of current.resources) {
      const a = r.outputs?.arn;
      if (typeof a === "string") known.add(normalizeArn(a));
      if (typeof r.id === "string" && r.id.startsWith("arn:")) known.add(normalizeArn(r.id));
    }
    const before = new Set<string>();
    for (const r of previous?.resources ?? []) {
      const a = r.outputs?.arn;
      if (typeof a === "string") before.add(normalizeArn(a));
    }
    const out: Finding[] = [];
    for (const arn of probe.value) {
      const n = normalizeArn(arn);
      if (known.has(n)) continue;
      const wasKnown = before.has(n);
      out.push({
        rule: "untracked-resources",
        severity: "warning",
        message:
          `\`${arn}\` (${serviceOf(arn)}) is tagged sst:app=${app}, sst:stage=${stage} but is not in the state` +
          `${wasKnown ? " (the previous version had it)" : ""}: a deploy that creates a resource with the same name fails with "already exists", and it keeps costing money.`,
        fix: `If the app still needs it, import it into the app; otherwise delete it in AWS. \`sst-state diff ${stage} previous latest\` shows when it left the state.`,
      });
    }
    return out;
  },
};
