import type { Finding, Rule } from "../types.ts";
import { indexState, nameOf } from "../state-index.ts";

/** The same URN twice in `resources`: Pulumi refuses the snapshot; `sst state repair` cannot fix it. */
export const duplicateUrn: Rule = {
  name: "duplicate-urn",
  group: "structure",
  description: "URNs that appear more than once",
  run({ current, stage }) {
    const out: Finding[] = [];
    for (const [urn, count] of indexState(current).duplicates) {
      out.push({
        rule: "duplicate-urn",
        severity: "error",
        urn,
        message: `${nameOf(urn)} appears ${count} times in the state. Pulumi rejects a snapshot with duplicate URNs, and \`sst state repair\` does not remove duplicates.`,
        fix: `Keep one copy: \`sst state edit --stage ${stage}\` and delete the extra entries (keep the one whose \`id\` matches AWS), or restore a previous good version with \`sst-state restore ${stage} <version>\`. Then \`sst refresh --stage ${stage}\`.`,
      });
    }
    return out;
  },
};
