/** Repairs of broken state: the planner, the stale-lock removal, and the request they become. */
export { planRepair, stableToposort, REPARENT_CHOICE, type PendingAnswer, type RepairAction, type RepairBlock, type RepairChange, type RepairInput, type RepairPlan, type RepairQuestion } from "./plan.ts";
export { isRepairRule, REPAIR_RULES, type RepairRule } from "./rules.ts";
export { closeAsSstUnlock, planUnlock, rfc3339Seconds, unlockAsSst, type UnlockPlan } from "./unlock.ts";
export { proposeRepair, repairChangesText, repairedBytes, repairInputOf, repairLabel, resolveAnswers, STORED_CHANGES, type RepairProposal } from "./request.ts";
