import type { Rule } from "../types.ts";
import { clip } from "../state-index.ts";
import { checkIntegrity } from "../integrity.ts";
import { restoreStep } from "../integrity-findings.ts";

/**
 * `metadata.integrity_error`: written by Pulumi when it saved a snapshot that failed its own checks,
 * and cleared by the next save that passes them (pulumi/pulumi v3.215.0 pkg/backend/snapshot.go
 * L782-804). Its fields are `version`, `command` and `error` (sdk/go/common/apitype/core.go
 * L269-284). Pulumi itself does not refuse a state for it (pkg/backend/diy/state.go L145-160 only
 * adds it to the message when VerifyIntegrity fails), so the severity follows the state: an error
 * when the state fails the integrity checks now, info when it passes them.
 */
export const integrityError: Rule = {
  name: "integrity-error",
  group: "structure",
  description: "Pulumi recorded a snapshot integrity error in the state",
  run({ current, stage }) {
    const ie = current.metadata?.integrity_error;
    if (ie === undefined || ie === null) return [];
    const rec = typeof ie === "object" ? (ie as Record<string, unknown>) : {};
    const text = typeof ie === "string" ? ie : typeof rec.error === "string" ? rec.error : "";
    const command = typeof rec.command === "string" && rec.command ? ` by \`${clip(rec.command, 120)}\`` : "";
    const recorded = `Pulumi recorded that it wrote this state${command} although it failed its integrity check${text ? `: ${clip(text, 300)}` : ""}.`;
    if (checkIntegrity(current).refused)
      return [
        {
          rule: "integrity-error",
          severity: "error",
          message: `${recorded} The state still fails the check, so SST refuses to deploy it; the other errors in this report say where.`,
          fix: `Follow the fixes of the other errors in this report; or ${restoreStep(stage)}.`,
        },
      ];
    return [
      {
        rule: "integrity-error",
        severity: "info",
        message: `${recorded} The state passes Pulumi's checks now (it was repaired since).`,
        fix: `Nothing to do: the next \`sst deploy --stage ${stage}\` that saves the state clears the record.`,
      },
    ];
  },
};
