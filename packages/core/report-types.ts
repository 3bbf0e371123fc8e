/**
 * What `status`, `history` and `diff` return: the JSON contract of DESIGN §4 (the CLI prints these
 * with `--json`; the Slack renderers and the terminal renderers take them as input). Fields beyond
 * the contract are additions, never renames.
 */
import type { Lease } from "./lock/types.ts";
import type { RestoreStatusSummary } from "./restore/status.ts";

export interface StatusReport {
  app: string;
  stage: string;
  /** number of resources in the current checkpoint (the root stack and providers included) */
  resources: number;
  types: Record<string, number>;
  /** `pending_operations` left by an interrupted deploy */
  pendingOperations: { type: string; urn: string; resourceType: string }[];
  /** ISO time of the current state: manifest time, else the object's modification time */
  updatedAt: string | null;
  /** SST's own lock object (`lock/<app>/<stage>.json`) */
  lock: null | {
    created: string;
    updateID: string;
    command: string | null;
    ageSeconds: number;
    /** false when the lock's update record has no timeCompleted (a running or crashed deploy) */
    updateCompleted: boolean;
  };
  lastUpdate: null | {
    id: string;
    command: string | null;
    timeStarted: string | null;
    timeCompleted: string | null;
    errors: { urn?: string; message: string }[];
  };
  /** additions beyond the contract */
  components: { urn: string; type: string; name: string; resources: number }[];
  pulumiVersion: string | null;
  /** the root stack's outputs, secrets replaced by "[secret]" */
  outputs: Record<string, unknown>;
  /** our DynamoDB lease, when a lock store is configured */
  lease?: Lease | null;
  /** restore requests waiting for approval and the newest audit entries, when a table is configured */
  restores?: RestoreStatusSummary;
  home: "local" | "aws" | "git";
  location: string;
}

export interface HistoryEntry {
  /** the selector for this version (updateID or `current`) */
  id: string;
  kind: "snapshot" | "history" | "current" | "commit" | "uncommitted";
  time: string;
  isCurrent: boolean;
  /** git home: the commit (short sha, author, subject) */
  commit?: { sha: string; author: string; subject: string };
  command: string | null;
  completed: boolean | null;
  errors: number;
  version: string | null;
  /** for a restore by sst-state: who asked and who approved (from its update record) */
  by?: { requester: string; approver: string | null };
}

export interface HistoryReport {
  app: string;
  stage: string;
  versions: HistoryEntry[];
  /** with --all: raw S3 object versions of app/<app>/<stage>.json, one page */
  objectVersions?: { versionId: string; time: string; size: number; isLatest: boolean; deleteMarker: boolean }[];
  /** cursor for the next page of objectVersions */
  next?: string;
}

export interface DiffReport {
  /** the resolved selectors: an updateID, `current`, or an S3 version id */
  from: string;
  to: string;
  added: string[];
  removed: string[];
  /** `paths` are dotted property paths (`inputs.environment.FOO`, `outputs.arn`, `parent`);
   *  `secrets` lists those of them whose value is or was a secret ("secret changed"). */
  changed: { urn: string; paths: string[]; secrets?: string[] }[];
  unchanged: number;
}
