import type { Rule } from "../types.ts";
import { integrityFindings } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * A child whose URN does not carry its parent's type chain. pulumi/pulumi v3.215.0
 * pkg/resource/deploy/snapshot.go L649-659 only logs a warning for it (the error is commented out),
 * so this is a warning: Pulumi accepts the state.
 */
export const parentUrnMismatch: Rule = {
  name: "parent-urn-mismatch",
  group: "structure",
  description: "child URNs that do not carry their parent's type (Pulumi only warns)",
  run: ({ current, stage }) =>
    integrityFindings(current, "parent-urn-mismatch", (group) => {
      const p = group[0]!;
      return {
        message: `${nameOf(p.urn!)}'s URN does not carry the type of its parent \`${nameOf(p.ref!.urn)}\`. Pulumi accepts the state and only logs a warning ("${p.pulumi}").`,
        fix: `Nothing blocks a deploy. If the state was edited by hand, check the parent against an earlier version with \`sst-state diff ${stage} previous latest\`.`,
      };
    }),
};
