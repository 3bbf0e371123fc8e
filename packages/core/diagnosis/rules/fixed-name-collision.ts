import type { Finding, Rule } from "../types.ts";
import type { Resource } from "../../state/types.ts";
import { compareVersions, nameOf } from "../state-index.ts";

/** The physical name a resource was given in its inputs (a fixed name), if any. */
export function fixedNameOf(r: Resource): string | undefined {
  if (!r.custom || r.type.startsWith("pulumi:")) return undefined;
  const n = r.inputs?.name ?? r.inputs?.bucket ?? r.inputs?.functionName ?? r.inputs?.tableName;
  // `$default` and friends are names scoped to a parent (an API's stage), not account-wide names
  if (typeof n !== "string" || n.length < 3 || n.startsWith("$")) return undefined;
  return n;
}

/**
 * A resource with a fixed physical name (log group `/aws/lambda/<fn>`, a named table or bucket)
 * removed under one URN and added under another between versions. Pulumi creates the new URN
 * before deleting the old one: the create fails with "already exists", or, when it got through,
 * deleting the old URN deletes the very resource the new URN now points at (#4482, #5590).
 */
export const fixedNameCollision: Rule = {
  name: "fixed-name-collision",
  group: "history",
  description: "a fixed-name resource moved to a new URN between versions",
  run({ current, previous, stage }) {
    if (!previous) return { skipped: "no previous version to compare with" };
    const { removed: gone, added } = compareVersions(current, previous);
    const removed = new Map<string, Resource>();
    for (const r of gone) {
      const n = fixedNameOf(r);
      if (n) removed.set(`${r.type}|${n}`, r);
    }
    if (removed.size === 0) return [];
    const out: Finding[] = [];
    for (const r of added) {
      const n = fixedNameOf(r);
      const old = n ? removed.get(`${r.type}|${n}`) : undefined;
      if (!old) continue;
      out.push({
        rule: "fixed-name-collision",
        severity: "warning",
        urn: r.urn,
        message:
          `\`${n}\` (${r.type}) has a fixed name and moved from ${nameOf(old.urn)} to ${nameOf(r.urn)} between versions. ` +
          `Pulumi creates the new one before deleting the old: the create fails with "already exists", or deleting the old URN removes the resource the new one uses.`,
        fix:
          `Check in AWS that \`${n}\` exists. If it does not, run \`sst refresh --stage ${stage}\` and \`sst deploy --stage ${stage}\` to create it again. ` +
          `To rename a fixed-name resource without a collision, keep the old logical name (Pulumi \`aliases\`) or remove the resource in one deploy and add it back in the next.`,
      });
    }
    return out;
  },
};
