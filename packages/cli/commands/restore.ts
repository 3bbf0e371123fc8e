/**
 * `sst-state restore <stage> <version>`: ask for a restore. The request is stored in the table
 * (SST_STATE_TABLE or the embedded store) and, when a Slack bot token and a channel for the stage
 * are configured, posted there with Approve / Reject buttons: approval happens in Slack, by
 * someone else. `--yes` restores at once, only where the stage's policy says
 * `"requireApproval": false`.
 */
import { formatTime } from "@sst-state/core/format";
import { hostname, userInfo } from "node:os";
import { defaultHolder } from "@sst-state/core/lock";
import type { Config } from "@sst-state/core/config";
import type { Notifier, StateStore } from "@sst-state/core/ports";
import {
  createStaticUserGroupResolver,
  plainRestoreMessages,
  repairLines,
  type DecisionOutcome,
  type RestoreRequest,
  type RestoreService,
} from "@sst-state/core/restore";
import { UsageError } from "@sst-state/core/errors";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { createTerminalNotifier, isDemoPolicy } from "../demo.ts";
import { createStyle } from "../output.ts";

/** The Slack notifier when SLACK_BOT_TOKEN is set (SLACK_API_URL points it elsewhere, for tests). */
export async function cliNotifier(ctx: CliContext): Promise<Notifier | undefined> {
  return (await ctx.services.slack())?.notifier;
}

/**
 * Where restore messages go: Slack with SLACK_BOT_TOKEN; for the demo's policy without a token,
 * the terminal (the demo's stand-in for its channel, in plain text); else nowhere.
 */
export async function restoreNotifier(ctx: CliContext, config = ctx.services.config()): Promise<{ notifier?: Notifier; terminal: boolean }> {
  const slack = await cliNotifier(ctx);
  if (slack) return { notifier: slack, terminal: false };
  if (isDemoPolicy(config.source)) return { notifier: createTerminalNotifier((t) => ctx.io.out(t)), terminal: true };
  return { terminal: false };
}

/**
 * Whether the process that ran a restore still runs: only on the machine that ran it (the
 * embedded store's CLI processes and serve); elsewhere, "unknown" (its lease decides).
 */
export function localRunnerCheck(runner: { host: string; pid: number }): "alive" | "dead" | "unknown" {
  if (!runner.pid || runner.host !== hostname()) return "unknown";
  if (runner.pid === process.pid) return "alive";
  try {
    process.kill(runner.pid, 0);
    return "alive";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH" ? "dead" : "alive";
  }
}

/**
 * Close restores an earlier process left `approved` (killed mid-write): rolled forward or failed,
 * audited (service.recoverInterrupted). Run when a command opens the restore flow (`restore`,
 * `audit`, `demo approve`) and when `serve` starts; never fails the command.
 */
export async function recoverInterruptedRestores(ctx: CliContext, service: RestoreService): Promise<void> {
  try {
    for (const r of await service.recoverInterrupted({ alive: localRunnerCheck })) {
      ctx.io.err(`note: restore request ${r.id} (${r.app}/${r.stage}) had been interrupted; it is now ${r.status} (sst-state audit ${r.stage})`);
    }
  } catch (e) {
    ctx.io.err(`warning: could not check for interrupted restores (${(e as Error)?.message ?? String(e)})`);
  }
}

/** The restore flow for the CLI; `demo approve` passes the demo's home and policy. */
export async function cliRestoreService(ctx: CliContext, over: { store?: StateStore; config?: Config } = {}): Promise<RestoreService> {
  const { services } = ctx;
  const config = over.config ?? services.config();
  const { notifier, terminal } = await restoreNotifier(ctx, config);
  const service = await services.restoreService({
    store: over.store ?? (await services.stateStore()),
    // approvals happen in Slack; the CLI never decides who is in a user group
    groups: createStaticUserGroupResolver(),
    config,
    notifier,
    ...(terminal ? { messages: plainRestoreMessages } : {}),
    warn: (message, error) => ctx.io.err(`warning: ${message}${error ? ` (${(error as Error)?.message ?? String(error)})` : ""}`),
    runner: { host: hostname(), pid: process.pid },
  });
  await recoverInterruptedRestores(ctx, service);
  return service;
}

export function whoAmI(env: NodeJS.ProcessEnv): string {
  if (env.SST_STATE_USER) return env.SST_STATE_USER;
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = undefined;
  }
  return defaultHolder(env, { ...(user ? { user } : {}), host: hostname() }).holder;
}

export function describeRequest(req: RestoreRequest): string[] {
  const d = req.diff;
  if (req.kind === "repair") return [`  current:  ${req.current.label}  (${req.current.resources} resources)`, ...repairLines(req, 20).map((l) => `  ${l}`)];
  return [
    `  target:   ${req.target.label}  (${req.target.resources} resources)`,
    `  current:  ${req.current.label}  (${req.current.resources} resources)`,
    `  changes:  ${d.removed} leave the state, ${d.added} come back, ${d.changed} change, ${d.unchanged} unchanged`,
    ...d.top.slice(0, 10).map((t) => `    ${t.kind === "removed" ? "-" : t.kind === "added" ? "+" : "~"} ${t.urn}${t.paths?.length ? `  ${t.paths.slice(0, 3).join(", ")}` : ""}`),
  ];
}

/** What came of a decision (approve, or restore at once), for the terminal or as JSON; the exit code. */
export function printOutcome(ctx: CliContext, outcome: DecisionOutcome, json: boolean, config: Config = ctx.services.config()): number {
  const style = createStyle(ctx.io.color);
  const ok = outcome.kind === "restored";
  if (json) {
    // an error's message and hint are not enumerable on an Error: name them, or JSON drops them
    const err = "error" in outcome && outcome.error ? { code: outcome.error.code, message: outcome.error.message, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) } : undefined;
    ctx.io.out(JSON.stringify({ restored: ok, outcome: outcome.kind, ...("request" in outcome ? { request: outcome.request } : {}), ...(err ? { error: err } : {}) }));
    return ok ? 0 : 1;
  }
  if (ok) {
    const { app, stage } = outcome.request;
    const repair = outcome.request.kind === "repair";
    ctx.io.out(
      [
        repair
          ? `${style.green("repaired")} ${app}/${stage}: ${outcome.request.target.label} (request ${outcome.request.id}).`
          : `${style.green("restored")} ${app}/${stage} to ${outcome.request.target.label} (request ${outcome.request.id}).`,
        ...describeRequest(outcome.request),
        "",
        ...(outcome.request.result?.published ? [outcome.request.result.published.message] : []),
        `Next: run \`sst refresh --stage ${stage}\`. Pulumi's state now describes the ${repair ? "repaired state" : "restored version"}; refresh reconciles it with what really exists in AWS.`,
        ...(outcome.request.result?.previousSelector ? [`Undo: sst-state restore ${stage} ${outcome.request.result.previousSelector}${config.policy(stage).requireApproval ? "" : " --yes"}`] : []),
      ].join("\n"),
    );
    return 0;
  }
  const error = "error" in outcome ? outcome.error : undefined;
  const detail = error ? `: ${error.message}` : "message" in outcome ? `: ${outcome.message}` : "request" in outcome ? ` (request ${outcome.request.id} is ${outcome.request.status})` : ` (no request ${outcome.id})`;
  ctx.io.err(`${style.red(outcome.kind !== "not-found" && outcome.request.kind === "repair" ? "not repaired" : "not restored")} (${outcome.kind})${detail}${error?.hint ? `\n${style.dim("hint")}: ${error.hint}` : ""}`);
  return outcome.kind === "not-found" ? 2 : 1;
}

/**
 * A request nobody sees can never be approved: before anything is recorded, the stage needs a
 * channel and the CLI a way to post there (Slack, or the demo's terminal). Returns the stage's
 * policy; throws a UsageError that says which is missing and how to ask instead.
 */
export async function requirePostable(
  ctx: CliContext,
  stage: string,
  what: { kind: "restore" | "repair"; slack: string; noChannelHint: string; noTokenHint: string },
): Promise<ReturnType<Config["policy"]>> {
  const config = ctx.services.config();
  const policy = config.policy(stage);
  const { notifier } = await restoreNotifier(ctx, config);
  if (policy.channel && notifier) return policy;
  throw new UsageError(
    !policy.channel
      ? `${stage} has no channel in ${config.source ?? "sst-state.json (there is none)"}, so a ${what.kind} request could not be posted for anyone to approve; nothing was requested.`
      : `SLACK_BOT_TOKEN is not set, so the request could not be posted in ${policy.channel} for anyone to approve; nothing was requested.`,
    !policy.channel
      ? `Add "channel" for ${stage} (or "*") to sst-state.json and set SLACK_BOT_TOKEN, or ask from Slack: ${what.slack}.${what.noChannelHint}`
      : `Set SLACK_BOT_TOKEN (the bot's xoxb- token), or ask from Slack: ${what.slack}${what.noTokenHint}`,
  );
}

/** Where the recorded request gets approved: the demo's other user, or the Slack channel it was posted in. */
export function approvalWhere(ctx: CliContext, req: RestoreRequest, posted: { channel: string }): string {
  return isDemoPolicy(ctx.services.config().source) && !ctx.services.env.SLACK_BOT_TOKEN
    ? `In the demo, approve it as the other demo user: sst-state demo approve ${req.id}`
    : `Approval happens in Slack: the request is posted in channel ${posted.channel}; someone other than you approves it there before ${formatTime(req.expiresAt)}.`;
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
      return printOutcome(ctx, outcome, json);
    }

    const policy = await requirePostable(ctx, stage, {
      kind: "restore",
      slack: `/sst-state restore ${stage} ${selector}`,
      noChannelHint: ` Stages with "requireApproval": false restore at once with --yes.`,
      noTokenHint: ".",
    });
    await service.expirePending({ app, stage }).catch(() => []);
    const out = await service.request({ app, stage, selector, requester, source: "cli" });
    const req = out.request;
    if (json) {
      ctx.io.out(JSON.stringify({ request: req, posted: out.posted ?? null }));
      return out.posted ? 0 : 1;
    }
    if (!out.posted) {
      ctx.io.err(`${style.red("not posted")}: restore request ${req.id} for ${app}/${stage} → ${req.target.label} is recorded, but posting it in ${policy.channel} failed (see the warning above), so nobody can approve it yet. Check SLACK_BOT_TOKEN and that the bot is in ${policy.channel}; then ask again.`);
      return 1;
    }
    ctx.io.out([`${style.bold("restore requested")}: ${app}/${stage} → ${req.target.label} (request ${req.id})`, ...describeRequest(req), "", approvalWhere(ctx, req, out.posted)].join("\n"));
    return 0;
  },
};
export default restore;
