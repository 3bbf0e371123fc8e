import type { Finding, Rule } from "../types.ts";
import { analyzeRefs, indexState, nameOf } from "../state-index.ts";

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
    const { resources } = indexState(current);
    const out: Finding[] = [];
    for (const [i, target] of [...analyzeRefs(current).late].sort((a, b) => a[0] - b[0])) {
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
