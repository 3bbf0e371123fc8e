import type { Finding, Rule } from "../types.ts";
import { compareVersions, nameOf } from "../state-index.ts";

/**
 * Resources with `retainOnDelete` (SST's `removal: "retain"`, the default for tables, buckets,
 * VPCs, RDS) that were in the previous version but not the current one: Pulumi forgot them, AWS
 * kept them, and creating one with the same name again fails with "already exists" (#4413, #4482).
 */
export const retainedOrphan: Rule = {
  name: "retained-orphan",
  group: "history",
  description: "retained resources dropped from the state that still exist in AWS",
  run({ current, previous }) {
    if (!previous) return { skipped: "no previous version to compare with" };
    const candidates = compareVersions(current, previous).removed.filter((r) => r.retainOnDelete === true);
    if (candidates.length === 0) return [];
    // the same physical resource may live on under a new URN: not an orphan then
    const types = new Set(candidates.map((r) => r.type));
    const currentIds = new Set<string>();
    for (const r of current.resources) if (types.has(r.type) && typeof r.id === "string" && r.id) currentIds.add(`${r.type}|${r.id}`);
    const out: Finding[] = [];
    for (const r of candidates) {
      if (typeof r.id === "string" && currentIds.has(`${r.type}|${r.id}`)) continue;
      const physical = typeof r.id === "string" && r.id ? `\`${r.id}\`` : "(id unknown)";
      out.push({
        rule: "retained-orphan",
        severity: "warning",
        urn: r.urn,
        message:
          `${nameOf(r.urn)} (${r.type}, ${physical}) was removed from the state but is retained in AWS (removal: "retain"). ` +
          `It still exists: a deploy that creates a resource with the same name fails with "already exists".`,
        fix:
          `If you still need it, import it into the app (SST's \`transform\` with Pulumi's \`import\` option, id ${physical}). ` +
          `If you do not, delete ${physical} in AWS (console or CLI) before the next deploy creates one with the same name.`,
      });
    }
    return out;
  },
};
