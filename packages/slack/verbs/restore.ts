/**
 * `/sst-state restore <stage> <version>` and the restore buttons (Approve, Reject, "restore the
 * previous version"), as handlers for the dispatcher. They run on the bot's ONE restore service,
 * built by the composition root (packages/services/services.ts, `botDeps`) and handed in here:
 *
 *   createVerbs({ diagnose, restore: createRestoreHandlers(await services.restoreService(), { approve }) })
 *
 * Approving writes SST's state. In AWS only the restore worker may (infra/restore.ts), so there
 * `approve` is the call into that function (packages/functions/restore.ts); on one machine (serve,
 * tests) the service approves right here. Either way the outcome decides what the clicker sees, and
 * the channel's request message is updated in place by the service.
 */
import type { SlackVerb as Verb } from "@sst-state/core/command";
import { SstStateError } from "@sst-state/core/errors";
import { resolveApp } from "@sst-state/core/queries";
import { RESTORE_APPROVE_ACTION_ID, RESTORE_REJECT_ACTION_ID, RESTORE_UNDO_ACTION_ID, type DecisionOutcome, type RestoreService } from "@sst-state/core/restore";
import type { ActionHandler, ActionMap, VerbHandler, VerbMap } from "../deps.ts";
import { renderDecisionReply, renderRequestCreated } from "../render/restore.ts";
import type { Reply } from "../render/types.ts";
import { createRepairHandlers } from "./repair.ts";

export interface RestoreHandlerOptions {
  /** Run an approval elsewhere (the restore worker in AWS). Default: here, by the service. */
  approve?: ((input: { id: string; approver: string }) => Promise<DecisionOutcome>) | undefined;
}

export class RestoreNotConfiguredError extends SstStateError {
  constructor() {
    super("restore-not-configured", "Restores and repairs need the lock table, and it is not configured for this bot.", {
      hint: "Set SST_STATE_TABLE (the deployed bot links it), or run `sst-state serve`, which keeps locks and approvals in its embedded store.",
      exitCode: 2,
    });
  }
}

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

export function createRestoreHandlers(service: RestoreService, opts: RestoreHandlerOptions = {}): RestoreWiring {
  const approveHere = (input: { id: string; approver: string }) => service.approve(input);
  const approveWhere = opts.approve ?? approveHere;

  const restore: VerbHandler<"restore"> = async ({ command, deps, user, channel }) => {
    const app = await resolveApp(deps.store, command.target.app, deps.config);
    // close what expired meanwhile (updates those messages) where no scheduled sweep runs (serve)
    await service.expirePending({ app, stage: command.target.stage }).catch((e) => deps.log?.warn("expiring old restore requests failed", { error: String(e) }));
    const out = await service.request({ app, stage: command.target.stage, selector: command.version, requester: user, source: "slack", channel });
    return ephemeral(renderRequestCreated(out.request, out.posted));
  };

  const approve: ActionHandler = async ({ value, user }) => ephemeral(renderDecisionReply(await approveWhere({ id: value, approver: user })));

  const reject: ActionHandler = async ({ value, user }) => ephemeral(renderDecisionReply(await service.reject({ id: value, user })));

  const undo: ActionHandler = async ({ value, user, channel }) => {
    const out = await service.undo({ id: value, requester: user, source: "slack", channel });
    return ephemeral(renderRequestCreated(out.request, out.posted));
  };

  // repairs are restore requests of kind "repair": the same service, and the same Approve / Reject / Undo
  const repairs = createRepairHandlers(service);
  return {
    verbs: { restore, ...repairs.verbs },
    actions: { [RESTORE_APPROVE_ACTION_ID]: approve, [RESTORE_REJECT_ACTION_ID]: reject, [RESTORE_UNDO_ACTION_ID]: undo, ...repairs.actions },
  };
}
