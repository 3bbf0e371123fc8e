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
import { SstStateError } from "@sst-state/core/errors";
import { resolveApp } from "@sst-state/core/queries";
import {
  createRestoreService,
  RESTORE_APPROVE_ACTION_ID,
  RESTORE_REJECT_ACTION_ID,
  RESTORE_UNDO_ACTION_ID,
  type ApprovalStore,
  type AuditLog,
  type DecisionOutcome,
  type RestoreMessages,
  type RestoreServiceDeps,
  type RestoreService,
  type UserGroupResolver,
} from "@sst-state/core/restore";
import type { Notifier } from "@sst-state/core/ports";
import type { BotDeps } from "../deps.ts";
import { renderDecisionReply, renderRequestCreated, slackRestoreMessages } from "../render/restore.ts";
import type { Reply } from "../render/types.ts";
import type { ActionHandler, ActionMap, VerbHandler, VerbMap } from "../deps.ts";
import { lockerFor } from "./lock-support.ts";
import { createRepairHandlers } from "./repair.ts";

export interface RestoreListenerOptions {
  approvals: ApprovalStore;
  audit: AuditLog;
  groups: UserGroupResolver;
  /** Run an approval elsewhere (the restore worker in AWS). Default: here, with `deps.store`. */
  approve?: (input: { id: string; approver: string }) => Promise<DecisionOutcome>;
  messages?: RestoreMessages;
}

export class RestoreNotConfiguredError extends SstStateError {
  constructor() {
    super("restore-not-configured", "Restores and repairs need the lock table, and it is not configured for this bot.", {
      hint: "Set SST_STATE_TABLE (the deployed bot links it), or run `sst-state serve`, which keeps locks and approvals in its embedded store.",
      exitCode: 2,
    });
  }
}

/**
 * The restore service, assembled the one way for every caller (the Slack worker and serve through
 * `restoreServiceFor`, the restore worker Lambda, the CLI): requests and outcomes are posted as
 * Slack messages (render/restore.ts).
 */
export function createSlackRestoreService(
  parts: Omit<RestoreServiceDeps, "messages" | "onWarning" | "notifier"> & { notifier?: Notifier | undefined; messages?: RestoreMessages; warn: (message: string, error: unknown) => void },
): RestoreService {
  const { warn, notifier, messages, ...rest } = parts;
  return createRestoreService({ ...rest, ...(notifier ? { notifier } : {}), messages: messages ?? slackRestoreMessages, onWarning: warn });
}

/** The restore service over a bot's deps (the Slack worker, serve). */
export function restoreServiceFor(deps: BotDeps, opts: RestoreListenerOptions): RestoreService {
  if (!deps.locks) throw new RestoreNotConfiguredError();
  return createSlackRestoreService({
    store: deps.store,
    approvals: opts.approvals,
    audit: opts.audit,
    locker: lockerFor(deps),
    groups: opts.groups,
    config: deps.config,
    clock: deps.clock,
    notifier: deps.notifier,
    ...(opts.messages ? { messages: opts.messages } : {}),
    warn: (message, error) => deps.log?.warn(message, { error: String(error) }),
  });
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
  const repairs = createRepairHandlers((deps) => restoreServiceFor(deps, opts));
  return {
    verbs: { restore, ...repairs.verbs },
    actions: { [RESTORE_APPROVE_ACTION_ID]: approve, [RESTORE_REJECT_ACTION_ID]: reject, [RESTORE_UNDO_ACTION_ID]: undo, ...repairs.actions },
  };
}
