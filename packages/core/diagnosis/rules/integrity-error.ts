import type { Rule } from "../types.ts";
import { clip } from "../state-index.ts";

/** Pulumi writes `metadata.integrity_error` when it saved a snapshot that failed its own checks. */
export const integrityError: Rule = {
  name: "integrity-error",
  group: "structure",
  description: "Pulumi recorded a snapshot integrity error in the state",
  run({ current, stage }) {
    const ie = current.metadata?.integrity_error;
    if (ie === undefined || ie === null) return [];
    const text = typeof ie === "string" ? ie : typeof (ie as { message?: unknown }).message === "string" ? (ie as { message: string }).message : "";
    return [
      {
        rule: "integrity-error",
        severity: "error",
        message: `Pulumi recorded a snapshot integrity error in this state${text ? `: ${clip(text, 300)}` : ""}. Deploys may refuse to run or act on a wrong picture of AWS.`,
        fix: `Run \`sst state repair --stage ${stage}\`, then \`sst refresh --stage ${stage}\`. If repair cannot fix it, restore the last good version with \`sst-state restore ${stage} <version>\` (\`sst-state history ${stage}\` lists them).`,
      },
    ];
  },
};
