export type * from "./ports.ts";
export { checkApprover, createStaticUserGroupResolver, describeApprovers, bareUserId, isSlackUserId, mention, type ApprovalCheck } from "./policy.ts";
export { RestoreRefusedError, RestoreRequestNotFoundError, StageLockedError } from "./errors.ts";
export { diffAsText, isLargeDiff, newRequestId, sha256Hex, summarizeDiff, versionLabel, TOP_CHANGES } from "./plan.ts";
export {
  outcomeLine,
  plainRestoreMessages,
  refreshAdvice,
  repairLines,
  RESTORE_APPROVE_ACTION_ID,
  RESTORE_REJECT_ACTION_ID,
  RESTORE_UNDO_ACTION_ID,
  type RestoreMessages,
} from "./messages.ts";
export { describeChange, executeRestore, REPAIR_COMMAND, RESTORE_COMMAND, RESTORE_LEASE_TTL_MS, type ExecuteDeps, type ExecuteOutcome } from "./execute.ts";
export {
  createRestoreService,
  outcomeToJson,
  type OutcomeError,
  type DecisionOutcome,
  type RequestInput,
  type RequestOutcome,
  type RepairRequestInput,
  type RepairRequestOutcome,
  type RestoreService,
  type RestoreServiceDeps,
  type RunnerCheck,
} from "./service.ts";
export { getRestoreStatus, type RestoreStatusSummary } from "./status.ts";
