/** The state engine (pure): parse, summarize, diff and redact SST's Pulumi checkpoints. */
export * from "./types.ts";
export * from "./update-id.ts";
export { parseCheckpoint, fromJson } from "./parse.ts";
export {
  summarize,
  summarizeView,
  urnName,
  urnStageApp,
  appStage,
  findRoot,
  ROOT_STACK_TYPE,
  type Summary,
  type ComponentSummary,
  type PendingOperationSummary,
} from "./summary.ts";
export { diffCheckpoints, diffViews, diffResource, jsonEqual } from "./diff.ts";
export { indexCheckpoint, wholeCheckpoint, resourceOf, type CheckpointView, type IndexedCheckpoint, type ResourceRange } from "./checkpoint-index.ts";
export {
  isSecret,
  containsSecret,
  redact,
  collectSecretMaterial,
  containsSecretMaterial,
  REDACTED,
  OUTPUT_VALUE_SIG,
  ASSET_SIG,
  ARCHIVE_SIG,
  RESOURCE_REF_SIG,
} from "./redact.ts";
