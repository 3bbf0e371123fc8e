/**
 * A repair as a request of the restore flow (kind "repair"): what the approver sees (the target
 * label, the changes with their reasons, the choices made) and the bytes written once approved.
 * The restore service stores, approves, writes, audits and undoes it like any restore
 * (restore/service.ts, restore/execute.ts); this file is the one place that knows how a repair's
 * target is made.
 */
import { parseCheckpoint } from "../state/parse.ts";
import type { Checkpoint, SstLock, UpdateRecord } from "../state/types.ts";
import type { RepairSpec } from "../restore/ports.ts";
import { planRepair, REPARENT_CHOICE, type PendingAnswer, type RepairChange, type RepairInput, type RepairPlan } from "./plan.ts";
import { isRepairRule, REPAIR_RULES, type RepairRule } from "./rules.ts";
import { planUnlock, type UnlockPlan } from "./unlock.ts";
import type { RuleOptions } from "../diagnosis/types.ts";
import { nameOf } from "../diagnosis/state-index.ts";
import { UsageError } from "../errors.ts";

/** How many changes a request stores (the CLI's JSON and the uploaded file list all of them). */
export const STORED_CHANGES = 40;

export interface RepairProposal {
  plan: RepairPlan;
  /** SST's stale lock, removed by the repair (when `stale-lock` is chosen) */
  unlock: UnlockPlan | null;
  /** SST's lock is held by what looks like a running deploy: nothing is removed, nothing written */
  lockRunning?: string;
  /** the spec stored with the request; null when there is nothing to propose (see `why`) */
  spec: RepairSpec | null;
  /** the bytes the approved repair writes (null: the state is not written, only the lock removed) */
  bytes: Uint8Array | null;
  /** why nothing is proposed, for people */
  why?: string;
}

export function repairInputOf(spec: Pick<RepairSpec, "rules" | "answers">): RepairInput {
  return {
    rules: spec.rules.filter(isRepairRule),
    answers: Object.fromEntries(spec.answers.map((a) => [a.urn, a.answer])),
  };
}

/** The proposal for the current state (and SST's lock): verified before anything is proposed. */
export function proposeRepair(args: {
  app: string;
  stage: string;
  now: number;
  current: Checkpoint;
  sstLock: SstLock | null;
  lockUpdate: UpdateRecord | null;
  rules?: readonly RepairRule[];
  answers?: Readonly<Record<string, PendingAnswer>>;
  answeredBy?: string;
  ruleOptions?: RuleOptions;
}): RepairProposal {
  const rules = args.rules?.length ? [...args.rules] : [...REPAIR_RULES];
  const plan = planRepair(args.current, { rules, answers: args.answers ?? {} });
  const lock = rules.includes("stale-lock") ? planUnlock(args, args.ruleOptions) : null;
  const unlock = lock && "updateID" in lock ? lock : null;
  const lockRunning = lock && "running" in lock ? lock.running : undefined;
  const base = { plan, unlock, ...(lockRunning ? { lockRunning } : {}) };
  if (plan.blocked.length) {
    return { ...base, spec: null, bytes: null, why: `the repaired state would still be refused by Pulumi: ${plan.blocked.map((b) => b.reason).join("; ")}` };
  }
  if (lockRunning) return { ...base, spec: null, bytes: null, why: `SST's lock is held by what looks like a running deploy (${lockRunning}); a repair waits until it has finished` };
  if (!plan.bytes && !unlock) {
    const q = plan.questions.length;
    return {
      ...base,
      spec: null,
      bytes: null,
      why: q
        ? `nothing to repair without answers: ${q} pending operation${q === 1 ? "" : "s"} wait${q === 1 ? "s" : ""} for a person to say whether the resource exists in AWS`
        : "nothing to repair: Pulumi's rules accept the state and SST's lock is not stale",
    };
  }
  const answers = Object.entries(args.answers ?? {}).filter(([urn]) => plan.changes.some((c) => c.rule === "pending-operations" && c.urn === urn)).map(([urn, answer]) => ({ urn, answer }));
  const spec: RepairSpec = {
    rules,
    answers,
    ...(answers.length && args.answeredBy ? { answeredBy: args.answeredBy } : {}),
    changes: plan.changes.slice(0, STORED_CHANGES).map((c) => ({ ...c })),
    totalChanges: plan.changes.length,
    notes: plan.changes.some((c) => c.action === "reparented") ? [`A resource whose parent is missing is ${REPARENT_CHOICE}`] : [],
    unanswered: plan.questions.length,
    ...(unlock ? { unlock: { ...unlock } } : {}),
    writesState: plan.bytes !== null,
  };
  return { ...base, spec, bytes: plan.bytes };
}

/** The repaired bytes of an approved request, made again from the current state it was approved on. */
export function repairedBytes(spec: RepairSpec, currentBytes: Uint8Array): Uint8Array | null {
  if (!spec.writesState) return null;
  return planRepair(parseCheckpoint(currentBytes, "the current state"), repairInputOf(spec)).bytes;
}

/** `the current state, repaired (3 changes) and SST's stale lock removed` */
export function repairLabel(spec: RepairSpec): string {
  const n = spec.totalChanges;
  const parts = [];
  if (spec.writesState) parts.push(`the current state, repaired (${n} change${n === 1 ? "" : "s"})`);
  if (spec.unlock) parts.push(`${spec.writesState ? "and " : ""}SST's stale lock (update ${spec.unlock.updateID}) removed`);
  return parts.join(" ");
}

/** Every change as text (a file upload, the CLI): one line per resource, then its reason. */
export function repairChangesText(changes: readonly Pick<RepairChange, "urn" | "detail" | "reason" | "rule">[]): string {
  return changes.map((c) => `~ ${c.urn}\n    [${c.rule}] ${c.detail}\n    why: ${c.reason}`).join("\n") + "\n";
}

/**
 * `--exists X` / `--gone X` (CLI or slash command) → answers by URN. X is a pending operation's
 * resource URN, or its name when one pending resource has it. Anything else is bad input (exit 2)
 * that lists the pending operations, so nothing is answered by mistake.
 */
export function resolveAnswers(cp: Checkpoint, stage: string, given: { exists?: readonly string[]; gone?: readonly string[] }): Record<string, PendingAnswer> {
  const pending = [...new Set(cp.pendingOperations.map((op) => (typeof op.resource?.urn === "string" ? op.resource.urn : "")).filter((u) => u !== ""))];
  const listed = pending.length ? `Pending operations of ${stage}: ${pending.map((u) => `\`${u}\``).join(", ")}.` : `${stage} has no pending operations.`;
  const out: Record<string, PendingAnswer> = {};
  for (const [answer, list] of [["exists", given.exists ?? []], ["gone", given.gone ?? []]] as const) {
    for (const x of list) {
      const matches = pending.filter((u) => u === x || nameOf(u) === x);
      if (matches.length !== 1) {
        throw new UsageError(
          matches.length ? `\`${x}\` names ${matches.length} pending operations' resources.` : `\`${x}\` is not the resource of a pending operation of ${stage}.`,
          `${listed} Name one by its full URN; nothing was requested.`,
        );
      }
      const urn = matches[0]!;
      if (out[urn] && out[urn] !== answer) throw new UsageError(`\`${x}\` is said to both exist and not exist in AWS.`, "Give --exists or --gone for it, not both; nothing was requested.");
      out[urn] = answer;
    }
  }
  return out;
}
