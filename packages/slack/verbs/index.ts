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
 * verb: its entry in the verb table (packages/core/command/verbs.ts), a handler file here
 * (verbs/<verb>.ts) added to the map below, a renderer in render/.
 */
import type { SlackVerb as Verb } from "@sst-state/core/command";
import { LOCK_RELEASE_ACTION_ID } from "@sst-state/core/lock";
import type { ActionHandler, ActionMap, BotDeps, VerbHandler, VerbMap } from "../deps.ts";
import { deployFeedActions } from "./deploy-feed-buttons.ts";
import { diff } from "./diff.ts";
import { help } from "./help.ts";
import { history } from "./history.ts";
import { lock } from "./lock.ts";
import { locks } from "./locks.ts";
import { releaseButton } from "./release-button.ts";
import { status } from "./status.ts";
import { unlock } from "./unlock.ts";

export type { ActionContext, ActionHandler, ActionMap, VerbContext, VerbHandler, VerbMap } from "../deps.ts";

/** What a bot runs the verbs with, besides the handlers defined here. */
export interface VerbWiring {
  diagnose: VerbHandler<"diagnose">;
  /** restore, repair (a restore request of kind "repair") and their buttons */
  restore: { verbs: Pick<VerbMap, "restore" | "repair">; actions: ActionMap };
}

/** Every verb and button of the bot: the one place the verb and action maps are built. */
export function createVerbs(wiring: VerbWiring): { verbs: VerbMap; actions: ActionMap } {
  return {
    verbs: { status, history, diff, help, lock, unlock, locks, diagnose: wiring.diagnose, restore: wiring.restore.verbs.restore, repair: wiring.restore.verbs.repair },
    actions: { [LOCK_RELEASE_ACTION_ID]: releaseButton, ...deployFeedActions(), ...wiring.restore.actions },
  };
}

export function verbHandler<V extends Verb>(deps: BotDeps, verb: V): VerbHandler<V> {
  return deps.verbs[verb] as VerbHandler<V>;
}

export function actionHandler(deps: BotDeps, actionId: string): ActionHandler | undefined {
  return Object.hasOwn(deps.actions, actionId) ? deps.actions[actionId] : undefined;
}
