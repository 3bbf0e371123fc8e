/**
 * Ports of the restore flow (issue "Restore a state version, with a second person's approval").
 *
 * A restore request lives in the ApprovalStore; its status only ever moves forward through ONE
 * conditional write per step:
 *
 *   pending ──approve──▶ approved ──▶ done | failed
 *      │ └──reject───▶ rejected
 *      └────expire───▶ expired
 *
 * `pending → approved` is conditional on `status = pending AND expiresAt > now`, so two approvers
 * clicking at once, a double click or a Slack retry produce exactly one approval (and one restore);
 * the loser gets the current record back and is told who approved.
 */

export type RestoreStatus = "pending" | "approved" | "rejected" | "expired" | "done" | "failed";

/** The version a request restores, as resolved when the request was made. */
export interface RestoreTarget {
  /** what the requester typed: `previous`, `~2`, an updateID, an S3 version id */
  selector: string;
  /** the selector that names exactly this version (updateID, S3 version id) */
  id: string;
  /** short human label: `update 0ff1e2d3c4b5… (2025-01-02 10:00 UTC, deploy)` */
  label: string;
  /** `repair`: the current state with the repair applied (repair/request.ts), made again when it is written */
  kind: "snapshot" | "history" | "current" | "commit" | "uncommitted" | "object-version" | "repair";
  updateId?: string;
  /** S3 object version id when the target is a raw object version */
  versionId?: string;
  time: string;
  command?: string | null;
  resources: number;
  /** sha256 of the target bytes as shown; the restore refuses bytes that differ */
  sha256: string;
}

/** The current version as the requester (and so the approver) saw it. */
export interface RestoreSeenCurrent {
  /** CurrentState.token: the precondition of StateStore.writeCurrent */
  token: string;
  label: string;
  time: string;
  /** a selector that names this version again (for "restore the previous version") */
  selector?: string;
  versionId?: string;
  /** sha256 of its (decoded) bytes: finds it again after the restore */
  sha256?: string;
  resources: number;
}

/** Diff from the current version to the target, small enough to store with the request. */
export interface RestoreDiffSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** the most important entries (at most a few dozen), removed first */
  top: { kind: "added" | "removed" | "changed"; urn: string; paths?: string[]; secrets?: string[] }[];
}

export interface RestoreResult {
  /** token of the new current version */
  token?: string;
  versionId?: string;
  finishedAt: string;
  /** the updateID of the restore's own update record / SST lock */
  updateId?: string;
  /** selector that restores what was current before (the undo) */
  previousSelector?: string;
  /** git home: whether the restore's commits reached the remote, and what to push if not */
  published?: { pushed: boolean; message: string };
  /** a repair: the updateID of SST's stale lock it removed (and whose record it closed) */
  unlocked?: string;
  error?: { code: string; message: string; hint?: string };
}

/** One change of a repair, as stored with the request (repair/plan.ts RepairChange). */
export interface RepairChangeSummary {
  rule: string;
  urn: string;
  action: string;
  detail: string;
  reason: string;
}

/**
 * What a request of kind "repair" repairs. The repaired bytes are not stored: they are made again
 * from the current state (whose token must still be the one shown) with the same `rules` and
 * `answers` when the approved request is written, and must hash to `target.sha256`.
 */
export interface RepairSpec {
  /** the fixes chosen (repair/plan.ts REPAIR_RULES) */
  rules: string[];
  /** what people said about pending operations' resources in AWS */
  answers: { urn: string; answer: "exists" | "gone" }[];
  /** who gave the answers (the requester, on the CLI or with the Slack buttons) */
  answeredBy?: string;
  /** the first changes, resource by resource, each with its reason */
  changes: RepairChangeSummary[];
  totalChanges: number;
  /** choices made for the approver to see (a missing parent: re-parented, not removed) */
  notes: string[];
  /** pending operations left in the state because nobody answered for them */
  unanswered: number;
  /** SST's stale lock to remove first, only if it still names this update */
  unlock?: { updateID: string; command?: string; created: string; reason: string };
  /** false when the repair only removes SST's stale lock (the state is not written) */
  writesState: boolean;
}

export interface RestoreRequest {
  id: string;
  /** absent: a restore (requests made before repairs existed have none) */
  kind?: "restore" | "repair";
  repair?: RepairSpec;
  app: string;
  stage: string;
  /** Slack user id (`U0ALICE`) or CLI identity (`alice@laptop`) */
  requester: string;
  source: "slack" | "cli";
  target: RestoreTarget;
  current: RestoreSeenCurrent;
  diff: RestoreDiffSummary;
  createdAt: string;
  expiresAt: string;
  status: RestoreStatus;
  /** the request this one undoes (the "restore the previous version" button) */
  undoOf?: string;
  /** where the request message was posted (updated in place with the outcome) */
  channel?: string;
  messageTs?: string;
  /**
   * Slack users who approved so far a request whose requester Slack did not verify (`source`
   * "cli"): such a request needs two of them (the two-person rule on verified identity).
   */
  approvals?: string[];
  /**
   * The restore journal (execute.ts): written on the request, in the table, after the stage's
   * lease is taken and before anything is written to the home. A request `approved` with a journal
   * was running; if it stays so past its lease, the run was interrupted (kill -9, a Lambda
   * timeout) and `recoverInterrupted` (service.ts) finishes or closes it.
   */
  journal?: RestoreJournal;
  /** the process that won the approval and runs the restore (CLI, serve), where one machine can tell whether it still lives */
  runner?: { host: string; pid: number };
  /** who approved or rejected, and when */
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  result?: RestoreResult;
}

export interface RestoreJournal {
  /** the restore's own updateID (its SST lock, update record and snapshot) */
  updateId: string;
  startedAt: string;
  /** the fencing token of the lease the restore holds */
  leaseToken: number;
  /** the id `history` lists the replaced state under (the undo) */
  replacedId?: string;
}

export type TransitionResult = { ok: true; request: RestoreRequest } | { ok: false; request: RestoreRequest | null };

export interface ApprovalStore {
  /** Store a new request; throws if the id exists. */
  create(request: RestoreRequest): Promise<void>;
  get(id: string): Promise<RestoreRequest | null>;
  /**
   * ONE conditional write: move the request from `from` to `to` and set `fields`, only if its
   * status is still `from`. Leaving `pending` for anything but `expired` also requires
   * `expiresAt > now`; `pending → expired` requires `expiresAt <= now`. `from === to` updates
   * fields only (e.g. the Slack message ts). On failure, returns the record as it is now.
   */
  transition(
    id: string,
    from: RestoreStatus,
    to: RestoreStatus,
    fields: Partial<Omit<RestoreRequest, "id" | "status">>,
    now: number,
  ): Promise<TransitionResult>;
  /** Pending requests (expired ones included until they are swept), oldest first. */
  listPending(filter?: { app?: string; stage?: string }): Promise<RestoreRequest[]>;
  /** Approved requests (running, or interrupted while running), oldest first. */
  listApproved(filter?: { app?: string; stage?: string }): Promise<RestoreRequest[]>;
}

export type AuditAction =
  | "restore.requested"
  | "restore.approved"
  | "restore.rejected"
  | "restore.expired"
  | "restore.refused"
  | "restore.done"
  | "restore.failed"
  | (string & {});

export interface AuditEntry {
  /** unique; with `time` it orders entries that share a millisecond */
  id: string;
  app: string;
  stage: string;
  /** ISO time */
  time: string;
  action: AuditAction;
  /** who did it: Slack user id, CLI identity, or `sst-state` for the sweeper */
  actor: string;
  requestId?: string;
  /** one line for people */
  message: string;
  data?: Record<string, unknown>;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(app: string, stage: string, opts?: { limit?: number }): Promise<AuditEntry[]>;
}

/** Members of a Slack user group (`S…`), through `usergroups.users.list`. */
export interface UserGroupResolver {
  members(groupId: string): Promise<string[]>;
}
