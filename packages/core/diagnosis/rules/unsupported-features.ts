import type { Rule } from "../types.ts";
import { integrityFindings, restoreStep } from "../integrity-findings.ts";

/**
 * A version 4 checkpoint whose `features` the bundled Pulumi does not read. Mirrors pulumi/pulumi
 * v3.215.0 pkg/resource/stack/checkpoint.go L83-94 and deployment.go L120-142 (supported:
 * refreshBeforeUpdate, views, hooks, taint, replaceWith; version 3 checkpoints are not checked).
 */
export const unsupportedFeatures: Rule = {
  name: "unsupported-features",
  group: "structure",
  description: "a version 4 checkpoint that needs features SST's Pulumi does not support",
  run: ({ current, stage }) =>
    integrityFindings(current, "unsupported-features", (group) => ({
      message: `The state was written by a newer Pulumi than the v3.215.0 that SST 4.17 bundles, and SST refuses to read it: "${group[0]!.pulumi}".`,
      fix: `Deploy ${stage} with the newer SST (and Pulumi) that wrote it; or ${restoreStep(stage)} from before it. Do not delete \`features\` by hand: the resources use them.`,
    })),
};
