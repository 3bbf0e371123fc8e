/**
 * The dispatcher: one handler per verb of `/sst-state`, and one per button action, put together
 * in ONE place (`createVerbs`) for every bot (the worker Lambda and `serve`). A handler reads
 * through the core (queries.ts, the locker) and returns a `Reply`; it never posts itself and
 * never catches errors (the caller renders them: domain errors as message + hint, anything else
 * as "something went wrong" with a log reference).
 *
 * The verbs that need a runtime of their own are passed in: `diagnose` (it starts the diagnosis
 * workflow: Step Functions in AWS, the same definition in-process under `serve`) and `restore`
 * with its Approve / Reject / Undo buttons (approvals run in the restore worker in AWS). Adding a
 * verb: its entry in the verb table (packages/core/command/verbs.ts), a handler here (or in
 * listeners/ when it has its own wiring), a renderer in render/.
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

// --- locks ------------------------------------------------------------------------------------

class LocksNotConfiguredError extends SstStateError {
  constructor() {
    super("locks-not-configured", "Deploy locks are not configured for this bot.", {
      hint: "Set SST_STATE_TABLE to the lock table (the deployed bot links it), or run `sst-state serve`, which keeps locks in its embedded store.",
      exitCode: 2,
    });
  }
}

/** The bot's locker (lock verbs, the Release button, restores): one assembly for all of them. */
export function lockerFor(deps: BotDeps): Locker {
  if (!deps.locks) throw new LocksNotConfiguredError();
  return createLocker({
    store: deps.locks,
    clock: deps.clock,
    config: deps.config,
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
  const locker = lockerFor(deps);
  const app = await resolveApp(deps.store, command.target.app, deps.config);
  await assertStageExists(deps, app, stage);
  const res = await locker.acquire({
    app,
    stage,
    holder: user,
    reason: command.reason,
    ...(command.ttlMs ? { ttlMs: command.ttlMs } : {}),
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
  const locker = lockerFor(deps);
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
  const locker = lockerFor(deps);
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

/** What a bot runs the verbs with, besides the handlers defined here. */
export interface VerbWiring {
  diagnose: VerbHandler<"diagnose">;
  restore: { verbs: Pick<VerbMap, "restore">; actions: ActionMap };
}

/** Every verb and button of the bot: the one place the verb and action maps are built. */
export function createVerbs(wiring: VerbWiring): { verbs: VerbMap; actions: ActionMap } {
  return {
    verbs: { status, history, diff, help, lock, unlock, locks, diagnose: wiring.diagnose, restore: wiring.restore.verbs.restore },
    actions: { [LOCK_RELEASE_ACTION_ID]: releaseButton, ...wiring.restore.actions },
  };
}

export function verbHandler<V extends Verb>(deps: BotDeps, verb: V): VerbHandler<V> {
  return deps.verbs[verb] as VerbHandler<V>;
}

export function actionHandler(deps: BotDeps, actionId: string): ActionHandler | undefined {
  return Object.hasOwn(deps.actions, actionId) ? deps.actions[actionId] : undefined;
}
