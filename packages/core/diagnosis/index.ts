/** Diagnoses: the rules, the runner, the workflow definition and its task handlers. */
export * from "./types.ts";
export * from "./ports.ts";
export { ALL_RULES, RULE_NAMES, rulesOf } from "./registry.ts";
export { runDiagnosis, runRules, mergeReport, sortFindings, selectRules, exitCodeOf, type RunDiagnosisOptions, type FindingsPart } from "./runner.ts";
export { buildDiagnosisDefinition, placeholderResources, STATE, type DiagnosisResources, type TaskName } from "./workflow-definition.ts";
export { createDiagnosisTasks, errorForWorkflow, type DiagnosisTasks, type DiagnosisTaskDeps, type DiagnosisRef, type WorkflowState } from "./tasks.ts";
export { renderDiagnosisText, renderDiagnosisMessage, summaryLine, countBySeverity, failureText, progressText } from "./render.ts";
export { routeEntriesOf, type RouteEntryRef } from "./rules/router-kv-drift.ts";
export { FORCE_UNLOCK_MESSAGE } from "./rules/interrupted-update.ts";
export { DEFAULT_STALE_LOCK_MS } from "./rules/stale-lock.ts";
export { queueDiagnosis, type QueueDiagnosisInput } from "./queue.ts";
