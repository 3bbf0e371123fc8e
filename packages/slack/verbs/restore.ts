/**
 * `/sst-state restore <stage> <version>` and the restore buttons (Approve, Reject, "restore the
 * previous version"), as handlers for the dispatcher. They need more than BotDeps
 * (approvals, audit, user groups), so the bot's wiring passes them to `createVerbs` (verbs/index.ts):
 *
 *   createVerbs({ diagnose, restore: createRestoreHandlers({ approvals, audit, groups }) })
 *
 * Approving writes SST's state. In AWS only the restore worker may (infra/restore.ts), so there
 * `approve` is the call into that function (packages/functions/restore.ts); on one machine (serve,
 * tests) it runs right here. Either way the outcome decides what the clicker sees, and the
 * channel's request message is updated in place by the service.
 */
import type { SlackVerb as Verb } from "@sst-state/core/command";
import { resolveApp } from "@sst-state/core/queries";
import { RESTORE_APPROVE_ACTION_ID, RESTORE_REJECT_ACTION_ID, RESTORE_UNDO_ACTION_ID } from "@sst-state/core/restore";
import { renderDecisionReply, renderRequestCreated } from "../render/restore.ts";
import type { Reply } from "../render/types.ts";
import type { ActionHandler, ActionMap, VerbHandler, VerbMap } from "../deps.ts";
import { createRepairHandlers } from "./repair.ts";
import { RestoreNotConfiguredError, restoreServiceFor, type RestoreListenerOptions } from "./restore-service.ts";

export { createSlackRestoreService, restoreServiceFor, RestoreNotConfiguredError, type RestoreListenerOptions } from "./restore-service.ts";

const ephemeral = (message: Reply["message"]): Reply => ({ visibility: "ephemeral", message });

/** `restore` and its buttons, as `createVerbs` takes them. */
export type RestoreWiring = { verbs: Pick<VerbMap, Extract<Verb, "restore" | "repair">>; actions: ActionMap };

/** A bot without the table has no approvals: `restore` says so, and how to set it up. */
export function restoreUnavailable(): RestoreWiring {
  return {
    verbs: {
      restore: async () => {
        throw new RestoreNotConfiguredError();
      },
      repair: async () => {
        throw new RestoreNotConfiguredError();
      },
    },
    actions: {},
  };
}

export function createRestoreHandlers(opts: RestoreListenerOptions): RestoreWiring {
  const restore: VerbHandler<"restore"> = async ({ command, deps, user, channel }) => {
    const app = await resolveApp(deps.store, command.target.app, deps.config);
    const service = restoreServiceFor(deps, opts);
    // close what expired meanwhile (updates those messages) where no scheduled sweep runs (serve)
    await service.expirePending({ app, stage: command.target.stage }).catch((e) => deps.log?.warn("expiring old restore requests failed", { error: String(e) }));
    const out = await service.request({ app, stage: command.target.stage, selector: command.version, requester: user, source: "slack", channel });
    return ephemeral(renderRequestCreated(out.request, out.posted));
  };

  const approve: ActionHandler = async ({ value, user, deps }) => {
    const outcome = opts.approve ? await opts.approve({ id: value, approver: user }) : await restoreServiceFor(deps, opts).approve({ id: value, approver: user });
    return ephemeral(renderDecisionReply(outcome));
  };

  const reject: ActionHandler = async ({ value, user, deps }) => {
    return ephemeral(renderDecisionReply(await restoreServiceFor(deps, opts).reject({ id: value, user })));
  };

  const undo: ActionHandler = async ({ value, user, channel, deps }) => {
    const out = await restoreServiceFor(deps, opts).undo({ id: value, requester: user, source: "slack", channel });
    return ephemeral(renderRequestCreated(out.request, out.posted));
  };

  // repairs are restore requests of kind "repair": the same service, and the same Approve / Reject / Undo
  const repairs = createRepairHandlers(opts);
  return {
    verbs: { restore, ...repairs.verbs },
    actions: { [RESTORE_APPROVE_ACTION_ID]: approve, [RESTORE_REJECT_ACTION_ID]: reject, [RESTORE_UNDO_ACTION_ID]: undo, ...repairs.actions },
  };
}
