/**
 * The restore flow, end to end: request → approve | reject | expire → restore → confirmation.
 * Used the same way by the Slack listeners, the restore worker (Lambda), the CLI and `serve`.
 *
 * Exactly-once: the only way to run a restore is to win `transition(pending → approved)`, one
 * conditional write (`status = pending AND expiresAt > now`). A double click, two approvers at
 * once or a Slack retry lose that write and are told who approved; nothing else is done for them.
 *
 * Every step is written to the audit log before it is announced. Chat messages are best effort:
 * a failed post never changes the outcome (it is reported through `onWarning`).
 */
import type { Config, StagePolicy } from "../config.ts";
import { SstLockHeldError, type SstStateError } from "../errors.ts";
import type { Locker } from "../lock/lease.ts";
import { systemClock, type ChatMessage, type Clock, type CurrentState, type Notifier, type StateStore, type StateVersion } from "../ports.ts";
import { diffCheckpoints } from "../state/diff.ts";
import { parseCheckpoint } from "../state/parse.ts";
import { describeSstLock, resolveVersion } from "../state/versions.ts";
import type { Checkpoint } from "../state/types.ts";
import type { DiffReport } from "../report-types.ts";
import { describeHeldLock } from "../lock/lease.ts";
import { RestoreRefusedError, RestoreRequestNotFoundError, StageLockedError } from "./errors.ts";
import { executeRestore, RESTORE_LEASE_TTL_MS } from "./execute.ts";
import { plainRestoreMessages, type RestoreMessages } from "./messages.ts";
import { diffAsText, isLargeDiff, isRequestId, newRequestId, sha256Hex, summarizeDiff, versionLabel } from "./plan.ts";
import { bareUserId, checkApprover, isSlackUserId, mention } from "./policy.ts";
import type { ApprovalStore, AuditAction, AuditEntry, AuditLog, RestoreRequest, RestoreSeenCurrent, RestoreTarget, UserGroupResolver } from "./ports.ts";
import { proposeRepair, repairChangesText, repairLabel, resolveAnswers, type RepairProposal } from "../repair/request.ts";
import type { PendingAnswer } from "../repair/plan.ts";
import type { RepairRule } from "../repair/rules.ts";

export interface RestoreServiceDeps {
  store: StateStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  locker: Locker;
  groups: UserGroupResolver;
  config: Config;
  clock?: Clock;
  /** where requests, outcomes and confirmations are posted; none = nothing is posted */
  notifier?: Notifier;
  messages?: RestoreMessages;
  newId?: () => string;
  onWarning?: (message: string, error?: unknown) => void;
  /** this process, recorded in each restore's journal (the CLI and serve; not a Lambda) */
  runner?: { host: string; pid: number };
}

/** Does the process that runs a restore still run? Only the machine that ran it can tell. */
export type RunnerCheck = (runner: { host: string; pid: number }) => "alive" | "dead" | "unknown";

export interface RequestInput {
  app: string;
  stage: string;
  /** latest/previous/~N/updateID/S3 version id */
  selector: string;
  requester: string;
  source: "slack" | "cli";
  /** where to post when the stage's policy names no channel (the channel the command came from) */
  channel?: string;
  undoOf?: string;
}

/** `sst-state repair <stage>`, the Propose fix button, the pending-operation answers. */
export interface RepairRequestInput {
  app: string;
  stage: string;
  requester: string;
  source: "slack" | "cli";
  channel?: string;
  /** only these fixes (default: every one) */
  rules?: readonly RepairRule[];
  /** per pending operation's resource URN: what the requester says about it in AWS */
  answers?: Readonly<Record<string, PendingAnswer>>;
  /** the same, as typed (`--exists X`, `--gone X`: a URN, or a name one pending resource has) */
  exists?: readonly string[];
  gone?: readonly string[];
}

/** A repair proposed as a request, or why nothing is proposed (with the plan that says what blocks it). */
export type RepairRequestOutcome = ({ proposed: true; proposal: RepairProposal } & RequestOutcome) | { proposed: false; proposal: RepairProposal; app: string; stage: string };

export interface RequestOutcome {
  request: RestoreRequest;
  diff: DiffReport;
  policy: StagePolicy;
  /** where the request was posted, when it was */
  posted?: { channel: string; ts: string };
}

/** A failure as it reaches people (an SstStateError in-process; plain JSON from the restore worker). */
export interface OutcomeError {
  code: string;
  message: string;
  hint?: string | undefined;
}

export type DecisionOutcome =
  | { kind: "restored"; request: RestoreRequest }
  | { kind: "failed"; request: RestoreRequest; error: OutcomeError }
  /** someone decided first (or the same click arrived twice): `request` says who and what */
  | { kind: "already-decided"; request: RestoreRequest }
  | { kind: "expired"; request: RestoreRequest }
  | { kind: "not-allowed"; request: RestoreRequest; message: string }
  /** the first of the two Slack approvals a request from the CLI needs is recorded */
  | { kind: "needs-second-approver"; request: RestoreRequest }
  /** the stage is locked right now; the request stays pending and can be approved later */
  | { kind: "blocked"; request: RestoreRequest; error: OutcomeError }
  | { kind: "rejected"; request: RestoreRequest }
  | { kind: "not-found"; id: string };

export interface RestoreService {
  request(input: RequestInput): Promise<RequestOutcome>;
  approve(input: { id: string; approver: string }): Promise<DecisionOutcome>;
  reject(input: { id: string; user: string; reason?: string }): Promise<DecisionOutcome>;
  /** Only where the stage's policy says `requireApproval: false` (CLI `--yes`). */
  restoreNow(input: Omit<RequestInput, "undoOf">): Promise<DecisionOutcome>;
  /** A repair of the current state (and SST's stale lock), verified first: a request like a restore's, or why not. */
  requestRepair(input: RepairRequestInput): Promise<RepairRequestOutcome>;
  /** The repair as it would be proposed now, asking for nothing (`repair --plan`). */
  previewRepair(input: RepairRequestInput): Promise<RepairProposal>;
  /** `repair --yes`, only where the stage's policy says `requireApproval: false`. */
  repairNow(input: RepairRequestInput): Promise<{ proposal: RepairProposal; outcome: DecisionOutcome | null }>;
  /** A new request for what was current before the finished request `id` ran. */
  undo(input: { id: string; requester: string; source: "slack" | "cli"; channel?: string }): Promise<RequestOutcome>;
  /** Move every pending request past its expiry to `expired` (announced, audited). */
  expirePending(filter?: { app?: string; stage?: string }): Promise<RestoreRequest[]>;
  /**
   * Finish or close restores that were interrupted (the process killed mid-write, a Lambda timed
   * out): every request still `approved` whose run is over — its lease expired, or `alive` says
   * its process is gone. Its journal tells what was started: when the target is the current state
   * the restore is rolled forward (its snapshot, its update record completed, SST's lock removed)
   * and marked `done`; otherwise nothing was written (or someone changed the stage since) and it
   * is closed as `failed`. Either way audited and announced. Returns the requests it closed.
   */
  recoverInterrupted(opts?: { alive?: RunnerCheck }): Promise<RestoreRequest[]>;
  get(id: string): Promise<RestoreRequest | null>;
}

const STEP: Record<string, number> = {
  "restore.requested": 1,
  "restore.refused": 2,
  "restore.approved": 3,
  "restore.rejected": 3,
  "restore.expired": 3,
  "restore.done": 4,
  "restore.failed": 4,
};

export function createRestoreService(deps: RestoreServiceDeps): RestoreService {
  const clock = deps.clock ?? systemClock;
  const messages = deps.messages ?? plainRestoreMessages;
  const newId = deps.newId ?? newRequestId;
  const warn = deps.onWarning ?? (() => {});
  const iso = (ms: number) => new Date(ms).toISOString();

  /** "restoring shop/prod to update …" or "repairing shop/prod: the current state, repaired (3 changes)" */
  const what = (req: RestoreRequest, past = false) =>
    req.kind === "repair" ? `${past ? "repaired" : "repairing"} ${req.app}/${req.stage}: ${req.target.label}` : `${past ? "restored" : "restoring"} ${req.app}/${req.stage} to ${req.target.label}`;

  async function audit(req: RestoreRequest, action: AuditAction, actor: string, message: string, data?: Record<string, unknown>) {
    const entry: AuditEntry = {
      // the step number orders a request's entries even within one millisecond
      // a refusal can happen to several people (and again later): the actor keeps them apart, while a
      // retry of the same step by the same person still maps to one entry
      id: `${req.id}.${STEP[action] ?? 9}.${action.replace(/^restore\./, "")}${action === "restore.refused" ? `.${actor}` : ""}`,
      app: req.app,
      stage: req.stage,
      time: iso(clock.now()),
      action,
      actor,
      requestId: req.id,
      message,
      ...(data ? { data } : {}),
    };
    await deps.audit.append(entry);
  }

  async function chat<T>(what: string, fn: (n: Notifier) => Promise<T>): Promise<T | undefined> {
    if (!deps.notifier) return undefined;
    try {
      return await fn(deps.notifier);
    } catch (e) {
      warn(`could not ${what}`, e);
      return undefined;
    }
  }

  /** Update the request message in place and tell the requester. */
  async function announceDecision(req: RestoreRequest) {
    const policy = deps.config.policy(req.stage);
    if (req.channel && req.messageTs) await chat("update the restore request message", (n) => n.update(req.channel!, req.messageTs!, messages.request(req, policy)));
    if (req.status === "approved") return;
    const notice = messages.requesterNotice(req);
    if (isSlackUserId(req.requester) && req.requester !== req.decidedBy) {
      await chat("tell the requester", (n) => n.post(req.requester, notice));
    } else if (req.channel && req.messageTs && req.status !== "done" && req.status !== "failed") {
      await chat("tell the requester", (n) => n.post(req.channel!, { ...notice, threadTs: req.messageTs! }));
    }
    if (req.status === "done" && req.channel) await chat("post the restore confirmation", (n) => n.post(req.channel!, messages.confirmation(req)));
    if (req.status === "failed" && req.channel) {
      const m: ChatMessage & { threadTs?: string } = messages.failure(req);
      if (req.messageTs) m.threadTs = req.messageTs;
      await chat("post the restore failure", (n) => n.post(req.channel!, m));
    }
  }

  async function load(id: string): Promise<RestoreRequest | null> {
    // A button value is whatever the click carried: only an id of the shape newRequestId makes is
    // looked up (a 5,000-character value would be a store error, not "no such request").
    if (!isRequestId(id)) return null;
    return deps.approvals.get(id);
  }

  async function expire(req: RestoreRequest, actor: string): Promise<RestoreRequest> {
    const r = await deps.approvals.transition(req.id, "pending", "expired", {}, clock.now());
    if (!r.ok) return r.request ?? req;
    await audit(r.request, "restore.expired", actor, `restore request ${req.id} expired without approval`);
    await announceDecision(r.request);
    return r.request;
  }

  async function run(approved: RestoreRequest, actor: string): Promise<DecisionOutcome> {
    const exec = await executeRestore(
      {
        store: deps.store,
        locker: deps.locker,
        clock,
        audit: deps.audit,
        onWarning: warn,
        journal: async (journal) => {
          const t = await deps.approvals.transition(approved.id, "approved", "approved", { journal }, clock.now());
          if (!t.ok) throw new RestoreRefusedError("restore-not-approved", `Restore request ${approved.id} is no longer approved (${t.request?.status ?? "gone"}); nothing was written.`, "Look at `sst-state audit <stage>`.");
        },
      },
      approved,
      actor,
    );
    const to = exec.ok ? "done" : "failed";
    // The state may have been written: from here on, a table error must not hide the outcome
    // (nor skip its audit entry), so each step is tried and a failure only warned about. The audit
    // entry comes first: a kill between the two leaves the request `approved`, which the next start
    // closes (recoverInterrupted), never a closed request without its entry.
    const outcomeReq: RestoreRequest = { ...approved, status: to, result: exec.result };
    try {
      await auditOutcome(outcomeReq, exec, actor);
    } catch (e) {
      warn(`could not write the audit entry for restore request ${approved.id} (${to})`, e);
    }
    let t: Awaited<ReturnType<ApprovalStore["transition"]>> = { ok: false, request: null };
    try {
      t = await deps.approvals.transition(approved.id, "approved", to, { result: exec.result }, clock.now());
    } catch (e) {
      warn(`could not mark restore request ${approved.id} ${to} (it stays "approved"); the audit log has the outcome`, e);
    }
    const req: RestoreRequest = t.request ?? outcomeReq;
    await announceDecision(req);
    return exec.ok ? { kind: "restored", request: req } : { kind: "failed", request: req, error: exec.error };
  }

  /**
   * One interrupted restore (see `recoverInterrupted`). Runs under the stage's lease: the dead
   * run's own lease (its token is in the journal) is released first; a lease someone else took
   * meanwhile means "not now" (the next start tries again).
   */
  /** The process that wins an approval, recorded with it (see RestoreRequest.runner). */
  function runner(): { runner?: { host: string; pid: number } } {
    return deps.runner ? { runner: deps.runner } : {};
  }

  async function recoverOne(req: RestoreRequest): Promise<RestoreRequest | null> {
    const { app, stage } = req;
    const j = req.journal;
    const now = () => iso(clock.now());
    const close = async (to: "done" | "failed", result: RestoreRequest["result"], message: string, data: Record<string, unknown>) => {
      const t = await deps.approvals.transition(req.id, "approved", to, { result }, clock.now());
      if (!t.ok) return null; // finished or closed by someone else meanwhile
      // the run may have written its outcome's entry just before it died
      const logged = (await deps.audit.list(app, stage, { limit: 200 })).some((e) => e.requestId === req.id && (e.action === "restore.done" || e.action === "restore.failed"));
      if (!logged) await audit(t.request, to === "done" ? "restore.done" : "restore.failed", "sst-state", message, { ...data, interrupted: true });
      await announceDecision(t.request);
      return t.request;
    };
    const live = await deps.locker.get(app, stage);
    // the dead run's lease: its token is in the journal, else its reason names the request
    const own = live && (j ? live.token === j.leaseToken : live.reason.includes(req.id));
    if (live && !own) return null;
    if (live) await deps.locker.release(live, { outcome: `restore ${req.id} interrupted` });
    if (!j) {
      // approved, never journaled: it stopped before anything was written
      return close(
        "failed",
        { finishedAt: now(), error: { code: "restore-interrupted", message: `The restore of ${stage} was interrupted before it wrote anything; nothing changed.`, hint: `Ask again: \`restore ${stage} ${req.target.id}\`.` } },
        `restore of ${app}/${stage} to ${req.target.label} was interrupted before it wrote anything; nothing changed`,
        { code: "restore-interrupted" },
      );
    }
    const acquired = await deps.locker.acquire({ app, stage, holder: "sst-state", reason: `finishing interrupted restore ${req.id}`, ttlMs: RESTORE_LEASE_TTL_MS });
    if (!acquired.acquired) return null;
    try {
      const current = await deps.store.readCurrent(app, stage);
      const written = sha256Hex(current.bytes) === req.target.sha256;
      if (written) {
        // roll forward: the restore's snapshot (create-only: an existing one is left as it is)
        await deps.store.writeSnapshot(app, stage, j.updateId, current.bytes).catch(() => undefined);
      }
      const record = await deps.store.readUpdate(app, stage, j.updateId).catch(() => null);
      if (record && !record.timeCompleted) {
        await deps.store
          .writeUpdate(app, stage, { ...record, timeCompleted: now(), errors: written ? [] : [{ message: "sst-state restore was interrupted before the state was written" }] })
          .catch((e) => warn(`could not complete update record ${j.updateId} of ${app}/${stage}`, e));
      }
      // SST's lock, only if it is still the restore's (deleteSstLock checks the updateID)
      if ((await deps.store.readSstLock(app, stage).catch(() => null))?.updateID === j.updateId) {
        await deps.store.deleteSstLock(app, stage, j.updateId).catch((e) => warn(`could not delete SST's lock of ${app}/${stage} (update ${j.updateId})`, e));
      }
      if (written) {
        const result = { finishedAt: now(), updateId: j.updateId, token: current.token, ...(current.versionId ? { versionId: current.versionId } : {}), ...(j.replacedId ? { previousSelector: j.replacedId } : {}) };
        return await close("done", result, `restored ${app}/${stage} to ${req.target.label} (replaced ${req.current.label}); the run was interrupted and finished on the next start`, {
          target: req.target.id,
          replaced: req.current.label,
          previousSelector: j.replacedId ?? null,
          requester: req.requester,
          approver: req.decidedBy ?? null,
          updateId: j.updateId,
          token: current.token,
        });
      }
      const unchanged = current.token === req.current.token;
      const message = unchanged
        ? `The restore of ${stage} was interrupted before the state was written; nothing changed.`
        : `The restore of ${stage} was interrupted, and ${stage} has changed since it was asked for; it was not restored.`;
      return await close("failed", { finishedAt: now(), updateId: j.updateId, error: { code: "restore-interrupted", message, hint: `Look at \`sst-state status ${stage}\`, then ask again: \`restore ${stage} ${req.target.id}\`.` } }, `restore of ${app}/${stage} to ${req.target.label} failed: ${message}`, {
        code: "restore-interrupted",
        updateId: j.updateId,
      });
    } finally {
      await deps.locker.release(acquired.lock, { outcome: "interrupted restore closed" }).catch((e) => warn(`could not release the lease on ${app}/${stage}`, e));
    }
  }

  async function auditOutcome(req: RestoreRequest, exec: Awaited<ReturnType<typeof executeRestore>>, actor: string) {
    if (exec.ok) {
      await audit(req, "restore.done", actor, `${what(req, true)} (replaced ${req.current.label})`, {
        target: req.target.id,
        kind: req.kind ?? "restore",
        ...(req.repair?.unlock ? { unlocked: req.repair.unlock.updateID } : {}),
        replaced: req.current.label,
        previousSelector: exec.result.previousSelector ?? null,
        requester: req.requester,
        approver: req.decidedBy ?? null,
        updateId: exec.result.updateId ?? null,
        token: exec.result.token ?? null,
      });
    } else {
      await audit(req, "restore.failed", actor, `${what(req)} failed: ${exec.error.message}`, {
        code: exec.error.code,
      });
    }
  }

  /** Is the stage free right now? (checked again under the lock by executeRestore) */
  async function blocked(req: RestoreRequest): Promise<SstStateError | null> {
    const sst = await deps.store.readSstLock(req.app, req.stage);
    if (sst && sst.updateID !== req.repair?.unlock?.updateID) return new SstLockHeldError(req.app, req.stage, describeSstLock(sst));
    const lease = await deps.locker.get(req.app, req.stage);
    if (lease) return new StageLockedError(req.stage, describeHeldLock(lease, clock.now()));
    return null;
  }

  async function createRequest(input: RequestInput): Promise<RequestOutcome> {
    const { app, stage, store } = { ...input, store: deps.store };
    const policy = deps.config.policy(stage);
    const now = clock.now();
    const current: CurrentState = await store.readCurrent(app, stage);
    const versions = await store.listVersions(app, stage);
    const resolved = await resolveVersion(store, app, stage, input.selector, versions);
    const currentVersion = versions.find((v) => v.isCurrent);
    if (resolved.version?.isCurrent || resolved.version?.kind === "current") {
      throw new RestoreRefusedError(
        "restore-nothing-to-do",
        `${input.selector} is the current state of ${app}/${stage}; there is nothing to restore.`,
        `Pick an older version: \`sst-state history ${stage}\` lists them (e.g. \`restore ${stage} previous\`).`,
        2,
      );
    }
    const bytes = await resolved.read();
    const targetCp = parseCheckpoint(bytes, `${resolved.label} of ${app}/${stage}`);
    const currentSha = sha256Hex(current.bytes);
    const targetSha = sha256Hex(bytes);
    if (currentSha === targetSha) {
      throw new RestoreRefusedError(
        "restore-nothing-to-do",
        `${resolved.label} holds exactly the current state of ${app}/${stage}; there is nothing to restore.`,
        `Pick an older version: \`sst-state history ${stage}\` lists them.`,
        2,
      );
    }
    // The current state may be unreadable (an empty or truncated write): that is a reason to restore.
    let currentCp: Checkpoint | null = null;
    try {
      currentCp = parseCheckpoint(current.bytes, `current state of ${app}/${stage}`);
    } catch {
      currentCp = null;
    }
    const emptyCp: Checkpoint = { ...targetCp, resources: [], pendingOperations: [] };
    const diff = diffCheckpoints(currentCp ?? emptyCp, targetCp, { from: currentVersion?.id ?? "current", to: resolved.label });
    const target: RestoreTarget = targetOf(resolved.label, input.selector, resolved.version, resolved.objectVersionId, targetCp, targetSha);
    const request: RestoreRequest = {
      ...pendingRequest({ app, stage, input, target, seen: seenCurrent(current, currentCp, currentVersion), diff, now, ttlMs: policy.restoreRequestTtlMs }),
      ...(input.undoOf ? { undoOf: input.undoOf } : {}),
    };
    await record(request, `${input.requester} asked to restore ${app}/${stage} to ${target.label}${input.undoOf ? ` (undo of ${input.undoOf})` : ""}`, {
      target: target.id,
      selector: input.selector,
      current: request.current.label,
      source: input.source,
      removed: diff.removed.length,
      added: diff.added.length,
      changed: diff.changed.length,
    });
    return { request, diff, policy };
  }

  /** The fields every new request has, a restore's or a repair's: pending until its expiry. */
  function pendingRequest(x: {
    app: string;
    stage: string;
    input: { requester: string; source: RestoreRequest["source"] };
    target: RestoreTarget;
    seen: RestoreRequest["current"];
    diff: Parameters<typeof summarizeDiff>[0];
    now: number;
    ttlMs: number;
  }): RestoreRequest {
    return {
      id: newId(),
      app: x.app,
      stage: x.stage,
      requester: x.input.requester,
      source: x.input.source,
      target: x.target,
      current: x.seen,
      diff: summarizeDiff(x.diff),
      createdAt: iso(x.now),
      expiresAt: iso(x.now + x.ttlMs),
      status: "pending",
    };
  }

  /** Store a new request and audit it (a restore's or a repair's). */
  async function record(request: RestoreRequest, message: string, data: Record<string, unknown>): Promise<void> {
    await deps.approvals.create(request);
    await audit(request, "restore.requested", request.requester, message, data);
  }

  /** The current state, SST's lock and the repair proposed for them (nothing stored). */
  async function propose(input: RepairRequestInput) {
    const { app, stage, store } = { ...input, store: deps.store };
    const current = await store.readCurrent(app, stage);
    const currentCp = parseCheckpoint(current.bytes, `current state of ${app}/${stage}`);
    const answers = { ...(input.answers ?? {}), ...resolveAnswers(currentCp, stage, { ...(input.exists ? { exists: input.exists } : {}), ...(input.gone ? { gone: input.gone } : {}) }) };
    const sstLock = await store.readSstLock(app, stage);
    const lockUpdate = sstLock ? await store.readUpdate(app, stage, sstLock.updateID) : null;
    const proposed = proposeRepair({ app, stage, now: clock.now(), current: currentCp, sstLock, lockUpdate, ...(input.rules ? { rules: input.rules } : {}), answers, answeredBy: input.requester });
    return { current, currentCp, proposal: proposed };
  }

  async function createRepairRequest(input: RepairRequestInput): Promise<RepairRequestOutcome> {
    const { app, stage, store } = { ...input, store: deps.store };
    const policy = deps.config.policy(stage);
    const now = clock.now();
    const { current, currentCp, proposal } = await propose(input);
    if (!proposal.spec) return { proposed: false, proposal, app, stage };
    // only the current version (the newest, listed first) is named, with its record's command:
    // one update record is read, not every one of the stage (one GET each on S3)
    const versions = await store.listVersions(app, stage, { records: 1 });
    const currentVersion = versions.find((v) => v.isCurrent);
    const repaired = proposal.plan.checkpoint ?? currentCp;
    const diff = diffCheckpoints(currentCp, repaired, { from: currentVersion?.id ?? "current", to: "repaired" });
    const spec = proposal.spec;
    const target: RestoreTarget = {
      selector: "repair",
      id: "repair",
      label: repairLabel(spec),
      kind: "repair",
      time: iso(now),
      command: "repair",
      resources: repaired.resources.length,
      sha256: sha256Hex(proposal.bytes ?? current.bytes),
    };
    const request: RestoreRequest = {
      ...pendingRequest({ app, stage, input, target, seen: seenCurrent(current, currentCp, currentVersion), diff, now, ttlMs: policy.restoreRequestTtlMs }),
      kind: "repair",
      repair: spec,
    };
    await record(request, `${input.requester} asked to repair ${app}/${stage}: ${target.label}`, {
      kind: "repair",
      rules: spec.rules,
      changes: spec.totalChanges,
      ...(spec.answers.length ? { answers: spec.answers } : {}),
      ...(spec.unlock ? { unlock: spec.unlock.updateID } : {}),
      current: request.current.label,
      source: input.source,
    });
    return { proposed: true, proposal, request, diff, policy };
  }

  /** Approve at once where the stage's policy needs no approval (`--yes`), else refuse. */
  async function decideNow(outcome: RequestOutcome, requester: string, channel: string | undefined): Promise<DecisionOutcome> {
    const posted = await post(outcome, channel);
    const req = posted.request;
    const stop = await blocked(req);
    if (stop) {
      const t = await deps.approvals.transition(req.id, "pending", "failed", { result: { finishedAt: iso(clock.now()), error: { code: stop.code, message: stop.message, ...(stop.hint ? { hint: stop.hint } : {}) } } }, clock.now());
      await audit(req, "restore.refused", requester, `${what(req)} refused: ${stop.message}`, { reason: stop.code });
      return { kind: "blocked", request: t.request ?? req, error: stop };
    }
    const t = await deps.approvals.transition(
      req.id,
      "pending",
      "approved",
      { decidedBy: requester, decidedAt: iso(clock.now()), reason: "no approval required (requireApproval: false)", ...runner() },
      clock.now(),
    );
    if (!t.ok) return t.request ? { kind: "already-decided", request: t.request } : { kind: "not-found", id: req.id };
    await audit(t.request, "restore.approved", requester, `${requester} ${what(req, true)} without approval (${req.stage}: requireApproval false)`, { via: "no-approval-required" });
    return run(t.request, requester);
  }

  async function post(outcome: RequestOutcome, fallbackChannel: string | undefined): Promise<RequestOutcome> {
    const channel = outcome.policy.channel ?? fallbackChannel;
    if (!channel || !deps.notifier) return outcome;
    let req = outcome.request;
    const posted = await chat("post the restore request", (n) => n.post(channel, messages.request(req, outcome.policy)));
    if (!posted) return outcome;
    const where = { channel: posted.channel, messageTs: posted.ts };
    const t = await deps.approvals.transition(req.id, "pending", "pending", where, clock.now());
    req = t.request ?? { ...req, ...where };
    // Decided already (a very fast click)? Keep the message pointer anyway, for later updates.
    if (!t.ok && t.request) req = (await deps.approvals.transition(req.id, req.status, req.status, where, clock.now())).request ?? { ...req, ...where };
    if (isLargeDiff(req.diff)) {
      await chat("upload the full diff", (n) =>
        n.upload(posted.channel, { filename: `restore-${req.stage}-${req.id}.diff.txt`, title: `Full diff: ${req.current.label} → ${req.target.label}`, content: diffAsText(outcome.diff, req), threadTs: posted.ts }),
      );
    }
    return { ...outcome, request: req, posted };
  }

  const service: RestoreService = {
    get: load,

    async request(input) {
      return post(await createRequest(input), input.channel);
    },

    async approve({ id, approver }) {
      const req = await load(id);
      if (!req) return { kind: "not-found", id };
      if (req.status !== "pending") return { kind: "already-decided", request: req };
      if (Date.parse(req.expiresAt) <= clock.now()) return { kind: "expired", request: await expire(req, "sst-state") };
      const policy = deps.config.policy(req.stage);
      const check = await checkApprover(policy, req.stage, req.requester, approver, deps.groups);
      if (!check.allowed) {
        await audit(req, "restore.refused", approver, `${approver} may not approve restore request ${req.id}: ${check.reason}`, { reason: check.reason });
        return { kind: "not-allowed", request: req, message: check.message };
      }
      // Two-person rule on verified identity: the requester of a CLI request is whatever the
      // terminal said (`user@host`, SST_STATE_USER), so it cannot stand for a person; the approver
      // may be the one who asked. Such a request needs two distinct Slack users' approvals (both
      // verified by Slack's signature): the first is recorded, the second approves.
      if (req.source !== "slack" && policy.requireApproval && check.via !== "no-approval-required") {
        const me = bareUserId(approver);
        const others = (req.approvals ?? []).filter((a) => a !== me);
        if (others.length === 0) {
          const approvals = [...new Set([...(req.approvals ?? []), me])];
          const t = await deps.approvals.transition(id, "pending", "pending", { approvals }, clock.now());
          if (!t.ok) return t.request ? { kind: "already-decided", request: t.request } : { kind: "not-found", id };
          await audit(t.request, "restore.first-approval", approver, `${approver} gave the first of two approvals of ${req.id} (asked from the CLI as ${req.requester})`, { via: check.via });
          return { kind: "needs-second-approver", request: t.request };
        }
      }
      const stop = await blocked(req);
      if (stop) {
        // The lock may be the winner's: a concurrent approval that is restoring right now.
        const fresh = await load(id);
        if (fresh && fresh.status !== "pending") return { kind: "already-decided", request: fresh };
        await audit(req, "restore.refused", approver, `approval of ${req.id} refused for now: ${stop.message}`, { reason: stop.code });
        return { kind: "blocked", request: req, error: stop };
      }
      const t = await deps.approvals.transition(id, "pending", "approved", { decidedBy: approver, decidedAt: iso(clock.now()), ...runner() }, clock.now());
      if (!t.ok) {
        if (!t.request) return { kind: "not-found", id };
        if (t.request.status === "pending") return { kind: "expired", request: await expire(t.request, "sst-state") };
        return { kind: "already-decided", request: t.request };
      }
      await audit(t.request, "restore.approved", approver, `${approver} approved ${what(req)}`, {
        via: check.via,
        ...(req.approvals?.length ? { firstApprovals: req.approvals } : {}),
        ...(check.via === "group" ? { group: check.group } : {}),
      });
      await announceDecision(t.request);
      return run(t.request, approver);
    },

    async reject({ id, user, reason }) {
      const req = await load(id);
      if (!req) return { kind: "not-found", id };
      if (req.status !== "pending") return { kind: "already-decided", request: req };
      if (Date.parse(req.expiresAt) <= clock.now()) return { kind: "expired", request: await expire(req, "sst-state") };
      // The requester may withdraw; otherwise the same people who may approve may reject.
      if (user !== req.requester) {
        const check = await checkApprover(deps.config.policy(req.stage), req.stage, req.requester, user, deps.groups);
        if (!check.allowed) return { kind: "not-allowed", request: req, message: check.message.replace("may not approve", "may not reject") };
      }
      const t = await deps.approvals.transition(
        id,
        "pending",
        "rejected",
        { decidedBy: user, decidedAt: iso(clock.now()), ...(reason ? { reason } : {}) },
        clock.now(),
      );
      if (!t.ok) {
        if (!t.request) return { kind: "not-found", id };
        if (t.request.status === "pending") return { kind: "expired", request: await expire(t.request, "sst-state") };
        return { kind: "already-decided", request: t.request };
      }
      await audit(t.request, "restore.rejected", user, `${user} ${user === req.requester ? "withdrew" : "rejected"} restore request ${id}${reason ? `: ${reason}` : ""}`);
      await announceDecision(t.request);
      return { kind: "rejected", request: t.request };
    },

    async restoreNow(input) {
      const policy = deps.config.policy(input.stage);
      if (policy.requireApproval) {
        throw new RestoreRefusedError(
          "restore-needs-approval",
          `${input.stage} requires a second person to approve a restore.`,
          `Ask without --yes: \`sst-state restore ${input.stage} ${input.selector}\` posts the request to Slack for approval.`,
          1,
        );
      }
      const outcome = await createRequest(input);
      return decideNow(outcome, input.requester, input.channel);
    },

    async previewRepair(input) {
      return (await propose(input)).proposal;
    },

    async requestRepair(input) {
      const out = await createRepairRequest(input);
      if (!out.proposed) return out;
      const posted = await post(out, input.channel);
      const where = posted.posted;
      if (where && out.proposal.plan.changes.length > (out.request.repair?.changes.length ?? 0)) {
        await chat("upload the full list of repair changes", (n) =>
          n.upload(where.channel, { filename: `repair-${out.request.stage}-${out.request.id}.txt`, title: `All ${out.proposal.plan.changes.length} changes of repair ${out.request.id}`, content: repairChangesText(out.proposal.plan.changes), threadTs: where.ts }),
        );
      }
      return { ...out, ...posted };
    },

    async repairNow(input) {
      if (deps.config.policy(input.stage).requireApproval) {
        throw new RestoreRefusedError(
          "restore-needs-approval",
          `${input.stage} requires a second person to approve a repair.`,
          `Ask without --yes: \`sst-state repair ${input.stage}\` posts the request to Slack for approval.`,
          1,
        );
      }
      const out = await createRepairRequest(input);
      if (!out.proposed) return { proposal: out.proposal, outcome: null };
      return { proposal: out.proposal, outcome: await decideNow(out, input.requester, input.channel) };
    },

    async undo({ id, requester, source, channel }) {
      const done = await load(id);
      if (!done) throw new RestoreRequestNotFoundError(id);
      if (done.kind === "repair" && done.status === "done" && !done.repair?.writesState) {
        throw new RestoreRefusedError(
          "restore-no-undo",
          `Request ${id} only removed SST's stale lock; the state was not written, so there is nothing to undo.`,
          `A stale lock is not put back. \`sst-state status ${done.stage}\` shows the stage as it is.`,
          2,
        );
      }
      if (done.status !== "done" || !done.result?.previousSelector) {
        throw new RestoreRefusedError(
          "restore-no-undo",
          `Restore request ${id} did not finish a restore whose previous version can be named (status ${done.status}).`,
          `Pick the version with \`sst-state history ${done.stage}\` and ask with \`restore ${done.stage} <version>\`.`,
          2,
        );
      }
      return service.request({ app: done.app, stage: done.stage, selector: done.result.previousSelector, requester, source, undoOf: id, ...(channel ? { channel } : {}) });
    },

    async recoverInterrupted(opts = {}) {
      const out: RestoreRequest[] = [];
      for (const req of await deps.approvals.listApproved()) {
        const since = Date.parse(req.journal?.startedAt ?? req.decidedAt ?? req.createdAt);
        const over = clock.now() >= since + RESTORE_LEASE_TTL_MS || (req.runner !== undefined && opts.alive?.(req.runner) === "dead");
        if (!over) continue;
        try {
          const closed = await recoverOne(req);
          if (closed) out.push(closed);
        } catch (e) {
          warn(`could not finish interrupted restore ${req.id}; the next start tries again`, e);
        }
      }
      return out;
    },

    async expirePending(filter) {
      const now = clock.now();
      const out: RestoreRequest[] = [];
      for (const req of await deps.approvals.listPending(filter)) {
        if (Date.parse(req.expiresAt) > now) continue;
        const r = await expire(req, "sst-state");
        if (r.status === "expired") out.push(r);
      }
      return out;
    },
  };
  return service;
}

function targetOf(
  label: string,
  selector: string,
  version: StateVersion | undefined,
  objectVersionId: string | undefined,
  cp: Checkpoint,
  sha256: string,
): RestoreTarget {
  if (version) {
    return {
      selector,
      id: version.id,
      label: versionLabel(version),
      kind: version.kind,
      ...(version.updateId ? { updateId: version.updateId } : {}),
      time: version.time,
      command: version.update?.command ?? null,
      resources: cp.resources.length,
      sha256,
    };
  }
  const time = typeof cp.manifest.time === "string" && !cp.manifest.time.startsWith("0001") ? cp.manifest.time : "";
  return {
    selector,
    id: label,
    label: `object version ${label}${time ? ` (${time.slice(0, 16).replace("T", " ")} UTC)` : ""}`,
    kind: "object-version",
    versionId: objectVersionId ?? label,
    time,
    command: null,
    resources: cp.resources.length,
    sha256,
  };
}

/** The current version as the requester (and so the approver) sees it. */
function seenCurrent(current: CurrentState, cp: Checkpoint | null, version: StateVersion | undefined): RestoreSeenCurrent {
  return {
    token: current.token,
    label: cp ? (version ? versionLabel(version) : `current state of ${current.time}`) : `the current state (unreadable: ${current.bytes.length} bytes)`,
    time: current.time,
    ...(version && version.kind !== "current" ? { selector: version.id } : {}),
    ...(current.versionId ? { versionId: current.versionId } : {}),
    sha256: sha256Hex(current.bytes),
    resources: cp?.resources.length ?? 0,
  };
}

export type { Locker };

/** A DecisionOutcome as plain JSON (errors keep code, message and hint), for the restore worker. */
export function outcomeToJson(o: DecisionOutcome): DecisionOutcome {
  if (o.kind === "failed" || o.kind === "blocked") {
    return { ...o, error: { code: o.error.code, message: o.error.message, ...(o.error.hint ? { hint: o.error.hint } : {}) } };
  }
  return o;
}
