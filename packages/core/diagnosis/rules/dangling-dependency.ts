import type { Rule } from "../types.ts";
import { editStep, fieldLabel, integrityFindings, nameList, pulumiSays } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * `dependencies`, `propertyDependencies`, `deletedWith` or `replaceWith` naming a resource not in the
 * state. Mirrors pulumi/pulumi v3.215.0 pkg/resource/deploy/snapshot.go L661-727 (the "refers to
 * missing resource" / "which is missing" branches; sdk/go/common/resource/resource_state.go L336-362
 * lists the references). SST 4.17.1's `sst state repair` drops missing `dependencies` and
 * `propertyDependencies` entries but leaves `deletedWith` and `replaceWith` alone.
 */
export const danglingDependency: Rule = {
  name: "dangling-dependency",
  group: "structure",
  description: "dependency, deletedWith and replaceWith references to resources that are not in the state",
  run: ({ current, stage }) =>
    integrityFindings(current, "dangling-dependency", (group) => {
      const name = nameOf(group[0]!.urn!);
      const repairable = group.filter((p) => p.ref!.field === "dependencies" || p.ref!.field === "propertyDependencies");
      const manual = group.filter((p) => !repairable.includes(p));
      const targets = group.map((p) => p.ref!.urn);
      const fields = [...new Set(group.map((p) => fieldLabel(p.ref!.field)))].join(", ");
      const steps: string[] = [];
      if (repairable.length)
        steps.push(
          `\`sst state repair --stage ${stage}\` drops the ${repairable.length === 1 ? "entry" : "entries"} naming ${nameList(repairable.map((p) => p.ref!.urn))} from \`dependencies\`/\`propertyDependencies\`.`,
        );
      if (manual.length)
        steps.push(
          `No SST command fixes \`deletedWith\`/\`replaceWith\` (repair leaves them): in ${editStep(stage)}, remove ${name}'s \`deletedWith\` field or the missing URN from its \`replaceWith\` list (${nameList(manual.map((p) => p.ref!.urn))}).`,
        );
      steps.push(`Neither recreates what is missing: \`sst deploy --stage ${stage}\` does, if the app still defines it.`);
      return {
        message: `${name} refers to ${nameList(targets)} (${fields}), ${new Set(targets).size > 1 ? "which are" : "which is"} not in the state. ${pulumiSays(group)}`,
        fix: steps.join(" "),
      };
    }),
};
