import type { Rule } from "../types.ts";
import { editStep, integrityFindings, pulumiSays, restoreStep } from "../integrity-findings.ts";
import { nameOf } from "../state-index.ts";

/**
 * A `provider` reference (`<provider URN>::<provider id>`) that matches no provider listed before the
 * resource by URN AND id. Mirrors pulumi/pulumi v3.215.0 pkg/resource/deploy/snapshot.go L608-626
 * (providers are registered under `providers.NewReference(urn, id)` and looked up with
 * `ParseReference`, sdk/go/common/providers/reference.go L129-159); resources with
 * `pendingReplacement: true` are exempt. A provider that exists but is listed after the resource
 * is dependency-order. SST 4.17.1's `sst state repair` leaves provider references alone.
 */
export const danglingProvider: Rule = {
  name: "dangling-provider",
  group: "structure",
  description: "provider references that match no provider (URN and id) listed before the resource",
  run: ({ current, stage }) =>
    integrityFindings(current, "dangling-provider", (group) => {
      const p = group[0]!;
      const ref = p.ref!;
      const name = nameOf(p.urn!);
      const provider = `\`${nameOf(ref.urn)}\``;
      if (ref.stateId !== undefined)
        return {
          message: `${name} uses provider ${provider} with id \`${ref.id}\`, but the state has that provider with id \`${ref.stateId}\`. ${pulumiSays(group)}`,
          fix: `No SST command fixes provider references (\`sst state repair\` leaves them). In ${editStep(stage)}, set ${name}'s \`provider\` to \`${ref.urn}::${ref.stateId}\`; or ${restoreStep(stage)}.`,
        };
      return {
        message: `${name} uses provider ${provider}, which is not in the state. ${pulumiSays(group)}`,
        fix:
          `No SST command fixes provider references (\`sst state repair\` leaves them). ${restoreStep(stage).replace(/^r/, "R")}; ` +
          `or in ${editStep(stage)} point ${name}'s \`provider\` at a provider of the same package that is in the state (\`<its URN>::<its id>\`), then \`sst refresh --stage ${stage}\`.`,
      };
    }),
};
