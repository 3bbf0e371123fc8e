import type { Rule } from "../types.ts";

export const DEFAULT_MAX_OBJECT_VERSIONS = 10_000;
export const DEFAULT_MAX_SNAPSHOTS = 500;

/**
 * SST keeps every object version of `app/<app>/<stage>.json` (a deploy re-pushes it every few
 * seconds) and a snapshot per deploy, forever, unless `state.retention` (v4.17+) is set.
 */
export const stateBloat: Rule = {
  name: "state-bloat",
  group: "history",
  description: "very many old state versions and no retention",
  run({ objectVersionCount, snapshotCount, retentionEvidence, stage }, opts) {
    if (objectVersionCount === null && snapshotCount === null) return { skipped: "version counts are unknown for this home" };
    if (retentionEvidence) return [];
    const maxV = opts.maxObjectVersions ?? DEFAULT_MAX_OBJECT_VERSIONS;
    const maxS = opts.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS;
    const parts: string[] = [];
    if (objectVersionCount !== null && objectVersionCount > maxV) parts.push(`more than ${maxV.toLocaleString("en-US")} old versions of the current state object`);
    if (snapshotCount !== null && snapshotCount > maxS) parts.push(`${snapshotCount.toLocaleString("en-US")} snapshots`);
    if (parts.length === 0) return [];
    return [
      {
        rule: "state-bloat",
        severity: "warning",
        message: `The ${stage} stage keeps ${parts.join(" and ")}, and nothing deletes them: listing history gets slow and the bucket keeps growing.`,
        fix: `Set \`state: { retention: 50 }\` (or another N) in sst.config.ts (SST v4.17+); the next deploy deletes older snapshots and non-current versions of the state.`,
      },
    ];
  },
};
