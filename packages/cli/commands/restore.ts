/**
 * `sst-state restore <stage> <version>`: ask for a restore. The request is stored in the table
 * (SST_STATE_TABLE or the embedded store) and, when a Slack bot token and a channel for the stage
 * are configured, posted there with Approve / Reject buttons: approval happens in Slack, by
 * someone else. `--yes` restores at once, only where the stage's policy says
 * `"requireApproval": false`.
 */
import { hostname, userInfo } from "node:os";
import { defaultHolder } from "@sst-state/core/lock";
import type { Notifier } from "@sst-state/core/ports";
import {
  createStaticUserGroupResolver,
  shortTime,
  type DecisionOutcome,
  type RestoreRequest,
  type RestoreService,
} from "@sst-state/core/restore";
import { UsageError } from "@sst-state/core/errors";
import { createDynamoApprovalStore } from "@sst-state/adapters/dynamodb-approval-store";
import { createDynamoAuditLog } from "@sst-state/adapters/dynamodb-audit-log";
import { createWebClient } from "@sst-state/slack/web-client";
import { createSlackNotifier } from "@sst-state/slack/notifier";
import { createSlackRestoreService } from "@sst-state/slack/listeners/restore";
import { cliLocker } from "./lock.ts";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { createStyle } from "../output.ts";

/** The Slack notifier when SLACK_BOT_TOKEN is set (SLACK_API_URL points it elsewhere, for tests). */
export async function cliNotifier(env: NodeJS.ProcessEnv): Promise<Notifier | undefined> {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  const url = env.SLACK_API_URL;
  return createSlackNotifier(createWebClient(env.SLACK_BOT_TOKEN, url));
}

export async function cliRestoreService(ctx: CliContext): Promise<RestoreService> {
  const { services } = ctx;
  const table = await services.table();
  const notifier = await cliNotifier(services.env);
  return createSlackRestoreService({
    store: await services.stateStore(),
    approvals: createDynamoApprovalStore(table),
    audit: createDynamoAuditLog(table),
    locker: await cliLocker(ctx),
    // approvals happen in Slack; the CLI never decides who is in a user group
    groups: createStaticUserGroupResolver(),
    config: services.config(),
    clock: services.clock,
    notifier,
    warn: (message, error) => ctx.io.err(`warning: ${message}${error ? ` (${(error as Error)?.message ?? String(error)})` : ""}`),
  });
}

function whoAmI(env: NodeJS.ProcessEnv): string {
  if (env.SST_STATE_USER) return env.SST_STATE_USER;
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = undefined;
  }
  return defaultHolder(env, { ...(user ? { user } : {}), host: hostname() }).holder;
}

function describeRequest(req: RestoreRequest): string[] {
  const d = req.diff;
  return [
    `  target:   ${req.target.label}  (${req.target.resources} resources)`,
    `  current:  ${req.current.label}  (${req.current.resources} resources)`,
    `  changes:  ${d.removed} leave the state, ${d.added} come back, ${d.changed} change, ${d.unchanged} unchanged`,
    ...d.top.slice(0, 10).map((t) => `    ${t.kind === "removed" ? "-" : t.kind === "added" ? "+" : "~"} ${t.urn}${t.paths?.length ? `  ${t.paths.slice(0, 3).join(", ")}` : ""}`),
  ];
}

const restore: CliCommand<"restore"> = {
  verb: "restore",
  async run(args, ctx) {
    const { target, version: selector } = args.command;
    const { app, stage } = await ctx.services.target(target);
    const service = await cliRestoreService(ctx);
    const requester = whoAmI(ctx.services.env);
    const style = createStyle(ctx.io.color);
    const json = args.flags.json === true;

    if (args.flags.yes === true) {
      const outcome: DecisionOutcome = await service.restoreNow({ app, stage, selector, requester, source: "cli" });
      const ok = outcome.kind === "restored";
      if (json) {
        ctx.io.out(JSON.stringify({ restored: ok, outcome: outcome.kind, ...("request" in outcome ? { request: outcome.request } : {}), ...("error" in outcome ? { error: outcome.error } : {}) }));
        return ok ? 0 : 1;
      }
      if (ok) {
        ctx.io.out(
          [
            `${style.green("restored")} ${app}/${stage} to ${outcome.request.target.label} (request ${outcome.request.id}).`,
            ...describeRequest(outcome.request),
            "",
            `Next: run \`sst refresh --stage ${stage}\`. Pulumi's state now describes the restored version; refresh reconciles it with what really exists in AWS.`,
            ...(outcome.request.result?.previousSelector ? [`Undo: sst-state restore ${stage} ${outcome.request.result.previousSelector} --yes`] : []),
          ].join("\n"),
        );
        return 0;
      }
      const error = "error" in outcome ? outcome.error : undefined;
      ctx.io.err(`${style.red("not restored")} (${outcome.kind})${error ? `: ${error.message}` : ""}${error?.hint ? `\n${style.dim("hint")}: ${error.hint}` : ""}`);
      return 1;
    }

    await service.expirePending({ app, stage }).catch(() => []);
    const out = await service.request({ app, stage, selector, requester, source: "cli" });
    const req = out.request;
    if (json) {
      ctx.io.out(JSON.stringify({ request: req, posted: out.posted ?? null }));
      return 0;
    }
    const where = out.posted
      ? `Approval happens in Slack: the request is posted in channel ${out.posted.channel}; someone other than you approves it there before ${shortTime(req.expiresAt)}.`
      : out.policy.channel
        ? `Approval happens in Slack, but the request could not be posted (set SLACK_BOT_TOKEN so the CLI can post it in ${out.policy.channel}).`
        : `Approval happens in Slack, but ${stage} has no channel in sst-state.json, so the request was not posted anywhere. Add one ("channel") and ask again, or ask from Slack: /sst-state restore ${stage} ${selector}`;
    ctx.io.out([`${style.bold("restore requested")}: ${app}/${stage} → ${req.target.label} (request ${req.id})`, ...describeRequest(req), "", where].join("\n"));
    return 0;
  },
};
export default restore;
