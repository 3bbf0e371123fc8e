/** Repairs of broken state: the planner, the stale-lock removal, and the request they become. */
export { planRepair, stableToposort, isRepairRule, REPAIR_RULES, REPARENT_CHOICE, type PendingAnswer, type RepairAction, type RepairBlock, type RepairChange, type RepairInput, type RepairPlan, type RepairQuestion, type RepairRule } from "./plan.ts";
export { closeAsSstUnlock, planUnlock, rfc3339Seconds, type UnlockPlan } from "./unlock.ts";
export { proposeRepair, repairChangesText, repairedBytes, repairInputOf, repairLabel, resolveAnswers, STORED_CHANGES, type RepairProposal } from "./request.ts";
