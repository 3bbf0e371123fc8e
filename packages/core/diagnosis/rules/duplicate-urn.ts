import type { Rule } from "../types.ts";
import { editStep, integrityFindings, pulumiSays, restoreStep } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * The same URN more than once where Pulumi forbids it. Mirrors pulumi/pulumi v3.215.0
 * pkg/resource/deploy/snapshot.go L731-749: copies are allowed when all of them, or all but one,
 * carry `delete: true` (the old copy of a resource being replaced, which the next deploy deletes).
 * `sst state remove <name>` (SST 4.17.1) removes every copy, so it is not the fix.
 */
export const duplicateUrn: Rule = {
  name: "duplicate-urn",
  group: "structure",
  description: "URNs that appear more than once without the copies being marked for deletion",
  run: ({ current, stage }) =>
    integrityFindings(current, "duplicate-urn", (group) => {
      const urn = group[0]!.urn!;
      const copies = current.resources.filter((r) => r.urn === urn);
      const live = copies.filter((r) => r.delete !== true).length;
      const name = nameOf(urn);
      return {
        message: `${name} appears ${copies.length} times in the state and ${live} of the copies are not marked \`"delete": true\` (Pulumi allows one live copy plus old copies pending deletion). ${pulumiSays(group)}`,
        fix:
          `${restoreStep(stage).replace(/^r/, "R")}; or in ${editStep(stage)} keep the copy whose \`id\` is the live resource in AWS and delete the other entries ` +
          `(a copy with another \`id\` is then untracked in AWS: delete it there or import it). Not \`sst state remove\`: it removes every copy, and every resource named ${name}.`,
      };
    }),
};
