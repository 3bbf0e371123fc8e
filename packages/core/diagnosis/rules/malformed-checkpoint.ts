import type { Rule } from "../types.ts";
import { editStep, integrityFindings, restoreStep } from "../integrity-findings.ts";

/**
 * The checkpoint around the resources (manifest, plugins, secrets providers, metadata, pending
 * operations) does not decode the way Pulumi reads it: Go's `encoding/json` into the structs of
 * pulumi/pulumi v3.215.0 sdk/go/common/apitype/core.go L91-166, L264-284, L510-534, and
 * pkg/resource/deploy/manifest.go L58-80 (plugin versions must be semantic versions).
 */
export const malformedCheckpoint: Rule = {
  name: "malformed-checkpoint",
  group: "structure",
  description: "a manifest, metadata or other checkpoint field that Pulumi cannot read",
  run: ({ current, stage }) => {
    const all = integrityFindings(current, "malformed-checkpoint", (group) => ({ message: group[0]!.pulumi, fix: "" }));
    if (!all.length) return [];
    return [
      {
        rule: "malformed-checkpoint",
        severity: "error",
        message: `Pulumi cannot read this state: ${all.map((f) => f.message).join("; ")}. SST refuses to deploy it.`,
        fix: `In ${editStep(stage)}, correct the field named above; or ${restoreStep(stage)}.`,
      },
    ];
  },
};
