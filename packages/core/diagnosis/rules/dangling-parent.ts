import type { Rule } from "../types.ts";
import { editStep, integrityFindings, pulumiSays, restoreStep } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * A `parent` that names a resource not in the state. Mirrors pulumi/pulumi v3.215.0
 * pkg/resource/deploy/snapshot.go L640-648 ("child resource %s refers to missing parent %s"); a
 * parent listed later is dependency-order. The fix is what SST 4.17.1's `sst state repair` does
 * (integrity-findings.ts): it deletes the child from the state, it does not re-parent it.
 */
export const danglingParent: Rule = {
  name: "dangling-parent",
  group: "structure",
  description: "parent references to resources that are not in the state",
  run: ({ current, stage }) =>
    integrityFindings(current, "dangling-parent", (group) => {
      const p = group[0]!;
      const name = nameOf(p.urn!);
      return {
        message: `${name} names parent \`${nameOf(p.ref!.urn)}\`, which is not in the state. ${pulumiSays(group)}`,
        fix:
          `\`sst state repair --stage ${stage}\` deletes ${name} from the state, with the resources under it listed after it; they stay in AWS. ` +
          `The next \`sst deploy --stage ${stage}\` creates them again if the app still defines them (a fixed physical name then fails with "already exists": import it or delete it in AWS first). ` +
          `To keep them tracked, ${restoreStep(stage)} instead, or use ${editStep(stage)} to set ${name}'s \`parent\` to a resource that is in the state. ` +
          `Run \`sst-state diagnose ${stage}\` again afterwards: repair does not clean \`provider\`, \`deletedWith\` or \`replaceWith\` references to what it deleted.`,
      };
    }),
};
