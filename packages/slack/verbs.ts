/**
 * The dispatcher: one handler per verb of `/sst-state`, and one per button action. A handler
 * reads through the core (queries.ts, the locker) and returns a `Reply`; it never posts itself
 * and never catches errors (the caller renders them: domain errors as message + hint, anything
 * else as "something went wrong" with a log reference).
 *
 * ── Adding a verb (diagnose, restore) ─────────────────────────────────────────────────────────
 * Either replace the `notWiredYet` entry below with the real handler, or pass it at the
 * composition root: `runJob(job, { ...deps, verbs: { diagnose: myHandler } })`. A handler gets
 * `{ command, user, channel, prefix, deps }` with `command` narrowed to its verb, e.g.
 *   const diagnose: VerbHandler<"diagnose"> = async ({ command, deps }) => {
 *     const app = await resolveApp(deps.store, command.target.app, deps.config);
 *     …start the workflow, or run the rules…
 *     return { visibility: "in_channel", message: renderFindings(…) };
 *   };
 * Long work (diagnoses) should not run in the worker's request: the ingress can route such jobs
 * elsewhere (see `handOff` in packages/functions/ingress.ts, which receives every job with its
 * text; `parseCommand(job.command)` tells the verb).
 * Buttons work the same way through `ActionMap` (action_id → handler); restore's Approve/Reject
 * go there. The Bolt app acks every `block_actions` payload and hands it off as a `kind: "action"`
 * job, so nothing else needs to change in app.ts.
 */
import type { SlackCommand as Command, SlackVerb as Verb } from "@sst-state/core/command";
import { SstStateError, StageNotFoundError } from "@sst-state/core/errors";
import { createLocker, LOCK_RELEASE_ACTION_ID, parseReleaseButtonValue, type Lease, type Locker } from "@sst-state/core/lock";
import { getDiff, getHistory, getStatus, resolveApp } from "@sst-state/core/queries";
import type { BotDeps } from "./deps.ts";
import { renderDiff } from "./render/diff.ts";
import { renderHelp } from "./render/help.ts";
import { renderHistory } from "./render/history.ts";
import { section } from "./render/limits.ts";
import { renderLockAcquired, renderLockHeld, renderLockNotYours, renderLocks, renderNotLocked, renderUnlocked } from "./render/lock.ts";
import { renderStatus } from "./render/status.ts";
import { esc } from "./render/text.ts";
import type { Reply } from "./render/types.ts";

export interface VerbContext<C extends Command = Command> {
  command: C;
  /** Slack user id of the person who asked */
  user: string;
  /** channel the command was typed in */
  channel: string;
  /** the slash command as invoked, for messages (`/sst-state`) */
  prefix: string;
  deps: BotDeps;
}

export type VerbHandler<V extends Verb = Verb> = (ctx: VerbContext<Extract<Command, { verb: V }>>) => Promise<Reply>;
export type VerbMap = { [V in Verb]: VerbHandler<V> };

export interface ActionContext {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  prefix: string;
  deps: BotDeps;
}
export type ActionHandler = (ctx: ActionContext) => Promise<Reply>;
export type ActionMap = Record<string, ActionHandler>;

// ---------------------------------------------------------------------------------------------

function queryDeps(deps: BotDeps) {
  return deps.locks ? { store: deps.store, clock: deps.clock, locks: deps.locks } : { store: deps.store, clock: deps.clock };
}

const status: VerbHandler<"status"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getStatus(queryDeps(deps), app, command.target.stage);
  return { visibility: "in_channel", message: renderStatus(report, { now: deps.clock.now(), prefix }) };
};

const history: VerbHandler<"history"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getHistory(queryDeps(deps), app, command.target.stage, {
    all: command.all,
    ...(command.limit !== undefined ? { limit: command.limit } : {}),
    ...(command.cursor !== undefined ? { cursor: command.cursor } : {}),
  });
  return { visibility: "in_channel", message: renderHistory(report, { now: deps.clock.now(), prefix, all: command.all }) };
};

const diff: VerbHandler<"diff"> = async ({ command, deps, prefix }) => {
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const report = await getDiff(queryDeps(deps), app, command.target.stage, command.from, command.to);
  const rendered = renderDiff(report, { app, stage: command.target.stage, prefix });
  return { visibility: "in_channel", message: rendered.message, ...(rendered.file ? { file: rendered.file } : {}) };
};

const help: VerbHandler<"help"> = async ({ command, deps, prefix }) => ({
  visibility: "ephemeral",
  message: renderHelp({ prefix, ...(command.topic ? { topic: command.topic } : {}), ...(deps.config.app ? { defaultApp: deps.config.app } : {}) }),
});

/** Placeholder for verbs another feature wires in (see the header of this file). */
function notWiredYet<V extends Verb>(verb: V): VerbHandler<V> {
  return async ({ command, prefix }) => {
    const stage = "target" in command ? ` ${command.target.app ? `${command.target.app}/` : ""}${command.target.stage}` : "";
    return {
      visibility: "ephemeral",
      message: {
        text: `${verb} is not available in Slack yet`,
        blocks: [section(`:construction: \`${esc(prefix)} ${verb}\` is not available in this deployment yet. Run \`sst-state ${verb}${esc(stage)}\` from a terminal meanwhile.`)],
      },
    };
  };
}

// --- locks ------------------------------------------------------------------------------------

class LocksNotConfiguredError extends SstStateError {
  constructor() {
    super("locks-not-configured", "Deploy locks are not configured for this bot.", {
      hint: "Set SST_STATE_TABLE to the lock table (the deployed bot links it), or run `sst-state serve`, which keeps locks in its embedded store.",
      exitCode: 2,
    });
  }
}

function lockerFor(deps: BotDeps, stage?: string): Locker {
  if (!deps.locks) throw new LocksNotConfiguredError();
  return createLocker({
    store: deps.locks,
    clock: deps.clock,
    defaultTtlMs: deps.config.policy(stage ?? "*").lockTtlMs,
    ...(deps.onLockEvent ? { onEvent: deps.onLockEvent, onEventError: (e) => deps.log?.warn("lock announcement failed", { error: String(e) }) } : {}),
  });
}

/** Lock changes are announced in the stage's channel when it has one; then the asker gets a quiet confirmation. */
function lockVisibility(deps: BotDeps, stage: string): Reply["visibility"] {
  return deps.config.policy(stage).channel ? "ephemeral" : "in_channel";
}

/** A lock for a stage that has no state is almost always a typo: refuse, listing the stages. */
async function assertStageExists(deps: BotDeps, app: string, stage: string): Promise<void> {
  const stages = await deps.store.listStages(app);
  if (!stages.includes(stage)) throw new StageNotFoundError(app, stage, stages, deps.store.location);
}

function isHolder(holder: string, user: string): boolean {
  return holder === user || holder === `<@${user}>`;
}

/** Release a lease by its holder, with that lease's token (never a later holder's lease). */
async function releaseAsHolder(deps: BotDeps, locker: Locker, current: Lease, now: number): Promise<Reply> {
  const res = await locker.release(current, { outcome: "released from Slack" });
  if (!res.released) return { visibility: "ephemeral", message: renderNotLocked(current.app, current.stage, res.reason) };
  return { visibility: lockVisibility(deps, current.stage), message: renderUnlocked(res.lock, { now }) };
}

const lock: VerbHandler<"lock"> = async ({ command, deps, user, prefix }) => {
  const { stage } = command.target;
  const locker = lockerFor(deps, stage);
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  await assertStageExists(deps, app, stage);
  const res = await locker.acquire({
    app,
    stage,
    holder: user,
    reason: command.reason,
    ttlMs: command.ttlMs ?? deps.config.policy(stage).lockTtlMs,
  });
  const now = deps.clock.now();
  if (!res.acquired) return { visibility: "ephemeral", message: renderLockHeld(res.lock, { now, prefix }) };
  return {
    visibility: lockVisibility(deps, stage),
    message: renderLockAcquired(res.lock, { now, ...(res.tookOver ? { tookOver: res.tookOver } : {}) }),
  };
};

const unlock: VerbHandler<"unlock"> = async ({ command, deps, user, prefix }) => {
  const { stage } = command.target;
  const locker = lockerFor(deps, stage);
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  const current = await locker.get(app, stage);
  const now = deps.clock.now();
  if (!current) return { visibility: "ephemeral", message: renderNotLocked(app, stage) };
  if (isHolder(current.holder, user)) return releaseAsHolder(deps, locker, current, now);
  if (!command.force) return { visibility: "ephemeral", message: renderLockNotYours(current, { now, prefix }) };
  const res = await locker.forceRelease(app, stage, user, command.reason ?? "forced from Slack");
  if (!res.released) return { visibility: "ephemeral", message: renderNotLocked(app, stage, res.reason) };
  return { visibility: lockVisibility(deps, stage), message: renderUnlocked(res.lock, { now, forcedBy: user, reason: command.reason ?? "" }) };
};

const locks: VerbHandler<"locks"> = async ({ command, deps }) => {
  const locker = lockerFor(deps);
  const app = command.app ?? deps.config.app;
  const leases = await locker.list(app);
  return { visibility: "in_channel", message: renderLocks(leases, { now: deps.clock.now(), ...(app ? { app } : {}) }) };
};

/** The Release button under a lock announcement: releases (or breaks) exactly the lease it shows. */
const releaseButton: ActionHandler = async ({ value, user, deps }) => {
  const parsed = parseReleaseButtonValue(value);
  if (!parsed) throw new SstStateError("bad-action", "This button does not name a lock.", { hint: "Use `/sst-state unlock <stage>`.", exitCode: 2 });
  const locker = lockerFor(deps, parsed.stage);
  const current = await locker.get(parsed.app, parsed.stage);
  const now = deps.clock.now();
  if (!current || current.token !== parsed.token) {
    return { visibility: "ephemeral", message: renderNotLocked(parsed.app, parsed.stage, `the lock this button belongs to (token ${parsed.token}) is no longer held`) };
  }
  // The button releases its holder's own lease. Anyone else is told whose it is and how to break
  // it on purpose (`unlock --force --reason`, recorded and announced): a click is too easy a way
  // to break someone's deploy lock.
  if (!isHolder(current.holder, user)) return { visibility: "ephemeral", message: renderLockNotYours(current, { now, prefix: "/sst-state" }) };
  return releaseAsHolder(deps, locker, current, now);
};

// ---------------------------------------------------------------------------------------------

export const defaultVerbs: VerbMap = {
  status,
  history,
  diff,
  help,
  lock,
  unlock,
  locks,
  // Wired by the diagnosis feature (packages/core/diagnosis + the workflow): replace or pass `deps.verbs.diagnose`.
  diagnose: notWiredYet("diagnose"),
  // Wired by the restore feature (packages/core/restore + approvals): replace or pass `deps.verbs.restore`.
  restore: notWiredYet("restore"),
};

export const defaultActions: ActionMap = {
  [LOCK_RELEASE_ACTION_ID]: releaseButton,
  // restore's Approve / Reject buttons: add their action_ids here or pass `deps.actions`.
};

export function verbHandler<V extends Verb>(deps: BotDeps, verb: V): VerbHandler<V> {
  return ((deps.verbs?.[verb] as VerbHandler<V> | undefined) ?? defaultVerbs[verb]) as VerbHandler<V>;
}

export function actionHandler(deps: BotDeps, actionId: string): ActionHandler | undefined {
  return deps.actions?.[actionId] ?? defaultActions[actionId];
}
