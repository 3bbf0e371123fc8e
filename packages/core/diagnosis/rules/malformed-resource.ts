import type { Rule } from "../types.ts";
import type { IntegrityProblem } from "../integrity.ts";
import { editStep, integrityFindings, restoreStep } from "../integrity-findings.ts";
import { nameOf, typeOfUrn } from "../state-index.ts";

/**
 * Resources (and pending operations' resources) that Pulumi cannot read. Mirrors pulumi/pulumi
 * v3.215.0 pkg/resource/stack/deployment.go L710-736 `DeserializeResource` (urn and type required,
 * `custom: false` with an `id` refused; also pkg/resource/deploy/snapshot.go L597-606), L848-990
 * (property values with an unknown or malformed signature), the field types of
 * sdk/go/common/apitype/core.go L429-501, and snapshot.go L608-620 (providers that are not
 * referenceable, provider references that do not parse). See pulumi-decode.ts and integrity.ts.
 */
export const malformedResource: Rule = {
  name: "malformed-resource",
  group: "structure",
  description: "resources Pulumi cannot read (missing urn or type, custom false with an id, bad field types)",
  run: ({ current, stage }) =>
    integrityFindings(current, "malformed-resource", (group) => {
      const p = group[0]!;
      const where = `${p.pending !== undefined ? `The pending operation #${p.pending + 1}` : `Resource #${p.index! + 1}`}${p.urn ? ` (${nameOf(p.urn)})` : ""}`;
      return {
        message: `${where} cannot be read by Pulumi: ${group.map((x) => x.pulumi).slice(0, 3).join("; ")}${group.length > 3 ? `; and ${group.length - 3} more` : ""}. SST refuses to deploy this state.`,
        fix: `${specificFix(p, stage)}Or ${restoreStep(stage)}.`,
      };
    }),
};

function specificFix(p: IntegrityProblem, stage: string): string {
  const edit = `In ${editStep(stage)}`;
  if (p.pulumi.includes("missing required 'type'")) return `${edit}, set its \`"type"\` to \`"${typeOfUrn(p.urn!)}"\` (the type its URN names). `;
  if (p.pulumi.includes("'custom' false but non-empty ID"))
    return `${edit}, delete its \`"id"\` (a component has none) or, if it is a cloud resource that a provider manages, set \`"custom": true\`. `;
  if (p.pulumi.includes("missing required 'urn'")) return `${edit}, give it its \`"urn"\` back (an earlier version has it: \`sst-state diff ${stage} previous latest\`) or delete the entry. `;
  return `${edit}, correct the field named above. `;
}
