/**
 * The restore service as the bot assembles it (requests and outcomes posted as Slack messages,
 * render/restore.ts), for the restore and repair verbs and their buttons (verbs/restore.ts,
 * verbs/repair.ts), the restore worker Lambda and the CLI.
 */
import { SstStateError } from "@sst-state/core/errors";
import {
  createRestoreService,
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
import { slackRestoreMessages } from "../render/restore.ts";
import { lockerFor } from "./lock-support.ts";

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
