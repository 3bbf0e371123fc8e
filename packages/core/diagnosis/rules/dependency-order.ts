import type { Rule } from "../types.ts";
import { editStep, fieldLabel, integrityFindings, pulumiSays, restoreStep } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * A resource listed before its parent, provider, a dependency, a property dependency, its
 * `deletedWith` or a `replaceWith` resource. Mirrors pulumi/pulumi v3.215.0
 * pkg/resource/deploy/snapshot.go L616-626 (provider registered later) and L640-725 (the "comes
 * after it" branches). SST 4.17.1's `sst state repair` never reorders resources (#4353, #5626).
 */
export const dependencyOrder: Rule = {
  name: "dependency-order",
  group: "structure",
  description: "resources listed before something they depend on",
  run: ({ current, stage }) =>
    integrityFindings(current, "dependency-order", (group) => {
      const p = group[0]!;
      const name = nameOf(p.urn!);
      const target = nameOf(p.ref!.urn);
      return {
        message: `${name} is listed before \`${target}\`, its ${fieldLabel(p.ref!.field)}. ${pulumiSays(group)}`,
        fix:
          `No SST command reorders the state (\`sst state repair\` does not). In ${editStep(stage)}, move the entry of \`${target}\` above ${name} ` +
          `(a resource must come after its parent, provider, dependencies, property dependencies, deletedWith and replaceWith); or ${restoreStep(stage)}.`,
      };
    }),
};
