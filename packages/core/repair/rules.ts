/**
 * The fixes, named after the diagnosis rule whose findings each one repairs (`--rule`). Apart from
 * the planner (plan.ts) so that the command grammar can check `--rule` without loading it.
 */
export const REPAIR_RULES = ["dependency-order", "dangling-dependency", "dangling-parent", "duplicate-urn", "pending-operations", "stale-lock"] as const;
export type RepairRule = (typeof REPAIR_RULES)[number];

export function isRepairRule(s: string): s is RepairRule {
  return (REPAIR_RULES as readonly string[]).includes(s);
}
