import type { Finding, Rule } from "../types.ts";
import { indexState, nameOf } from "../state-index.ts";
import { forEachRef } from "../refs.ts";

/**
 * Pulumi requires every resource to come after its parent, dependencies, property dependencies
 * and provider; otherwise it reports a "snapshot integrity failure" (#4353, #5626).
 * `sst state repair` sorts them.
 */
export const dependencyOrder: Rule = {
  name: "dependency-order",
  group: "structure",
  description: "resources listed before something they depend on",
  run({ current, stage }) {
    const { position, resources } = indexState(current);
    const late = new Map<number, string>(); // resource position → first reference that comes after it
    const check = (i: number, target: string) => {
      const p = position.get(target);
      if (p !== undefined && p > i && !late.has(i)) late.set(i, target);
    };
    forEachRef(current, "parent", check);
    forEachRef(current, "dependency", check);
    forEachRef(current, "provider", check);
    const out: Finding[] = [];
    for (const [i, target] of [...late].sort((a, b) => a[0] - b[0])) {
      const r = resources[i]!;
      out.push({
        rule: "dependency-order",
        severity: "error",
        urn: r.urn,
        message: `${nameOf(r.urn)} is listed before ${nameOf(target)}, which it depends on: Pulumi reports a "snapshot integrity failure" and refuses to deploy.`,
        fix: `Run \`sst state repair --stage ${stage}\`; it sorts the resources into dependency order. Then \`sst deploy --stage ${stage}\`.`,
      });
    }
    return out;
  },
};
