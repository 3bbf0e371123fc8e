import type { Finding, Rule } from "../types.ts";
import { nameOf, stateRemoveCaveat, stateRemoveCommand } from "../state-index.ts";

/**
 * `pending_operations` are left in the checkpoint when a deploy is killed mid-step. Pulumi does
 * not refuse such a state (pulumi/pulumi v3.215.0 pkg/resource/deploy/snapshot.go L585-753 never
 * looks at them), so these are warnings. The next operation keeps pending creates and drops the
 * other pending operations (pkg/backend/snapshot.go L711-728: "we don't want to clear pending
 * CREATE operations because these must require user intervention"); only `pulumi refresh
 * --clear-pending-creates` / `--import-pending-creates` resolve them (pkg/cmd/pulumi/operations/
 * refresh.go L82-85, L239-285), flags `sst refresh` does not have (#6367, #4654, #5909).
 */
export const pendingOperations: Rule = {
  name: "pending-operations",
  group: "structure",
  description: "pending operations left by an interrupted deploy",
  run({ current, stage }) {
    const out: Finding[] = [];
    for (const op of current.pendingOperations) {
      const res = op.resource ?? { urn: "", type: "unknown" };
      const urn = typeof res.urn === "string" ? res.urn : "";
      const type = typeof res.type === "string" ? res.type : "unknown";
      const name = urn ? nameOf(urn) : "(unnamed resource)";
      const physical = physicalHint(res.inputs, res.id);
      if (op.type === "creating") {
        out.push({
          rule: "pending-operations",
          severity: "warning",
          ...(urn ? { urn } : {}),
          message:
            `An interrupted deploy left a pending create of ${name} (${type})${physical}. Pulumi does not know whether it was created in AWS, ` +
            `and neither \`sst refresh\` nor \`sst deploy\` clears a pending create: the next deploy may fail with "already exists" or leave a duplicate behind.`,
          fix:
            `1. Check in AWS whether ${name}${physical} exists. ` +
            `2. If it does, import it into the app (or delete it in AWS if it is a half-created leftover). ` +
            `3. Remove the entry from \`pending_operations\` with \`sst state edit --stage ${stage}\` (then \`sst-state diagnose ${stage}\` to check what you saved: \`sst state edit\` saves it unchecked). ` +
            `4. Deploy again: \`sst deploy --stage ${stage}\`.`,
        });
      } else {
        const what = op.type === "deleting" ? "delete" : op.type === "updating" ? "update" : op.type === "reading" ? "read" : String(op.type);
        out.push({
          rule: "pending-operations",
          severity: "warning",
          ...(urn ? { urn } : {}),
          message: `An interrupted deploy left a pending ${what} of ${name} (${type})${physical}: the state may not match AWS for this resource.`,
          fix:
            `Run \`sst refresh --stage ${stage}\` to read the resource back from AWS (the next refresh or deploy drops a pending ${what}), then \`sst deploy --stage ${stage}\`. ` +
            (urn ? `If refresh cannot find it, \`${stateRemoveCommand(urn, stage)}\` ${stateRemoveCaveat(urn)} and deploy.` : ""),
        });
      }
    }
    return out;
  },
};

function physicalHint(inputs: Record<string, unknown> | undefined, id: string | undefined): string {
  const n = inputs?.name ?? inputs?.bucket;
  if (typeof n === "string" && n) return ` named \`${n}\``;
  if (typeof id === "string" && id) return ` (id \`${id}\`)`;
  return "";
}
