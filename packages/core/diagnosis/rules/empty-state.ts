import type { Rule } from "../types.ts";
import { isBaseResource, isStackOnly } from "../state-index.ts";

/**
 * An empty state (no resources, or only the stack, providers and `sst:sst:Version`) written over a version that had
 * many (#5759). AWS still has everything; the next deploy would try to create it all again.
 * `sst remove` empties the state on purpose and records the update with `"command": "remove"`; when
 * the last update is a completed, error-free remove, the empty state is what the user asked for.
 */
export const emptyState: Rule = {
  name: "empty-state",
  group: "history",
  description: "an empty state replacing a previous version that had resources",
  run({ current, previous, stage, updates }, opts) {
    if (!previous) return { skipped: "no previous version to compare with" };
    if (!isStackOnly(current)) return [];
    const had = previous.resources.filter((r) => !isBaseResource(r)).length;
    if (had < (opts.emptyStateMinPrevious ?? 3)) return [];
    const last = updates[0];
    if (last?.command === "remove" && last.timeCompleted && !(last.errors ?? []).length)
      return [
        {
          rule: "empty-state",
          severity: "info",
          message: `${stage} was removed with \`sst remove\` (update ${last.id}, ${last.timeCompleted}); the previous version had ${had} resources.`,
          fix: `Nothing to do. To bring the stage back, \`sst deploy --stage ${stage}\`.`,
        },
      ];
    return [
      {
        rule: "empty-state",
        severity: "error",
        message:
          `The current state of ${stage} has ${current.resources.length} resource${current.resources.length === 1 ? "" : "s"} (${current.resources.length ? "only the stack, providers and SST's version marker" : "none"}), ` +
          `but the previous version had ${had}. An empty state was written over a good one; the resources still exist in AWS, and the next deploy will try to create them again and fail with "already exists".`,
        fix: `Do not deploy ${stage}. Restore the previous version: \`sst-state restore ${stage} previous\` (approved in Slack), then \`sst refresh --stage ${stage}\`.`,
      },
    ];
  },
};
