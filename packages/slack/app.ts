/**
 * The Bolt app: the `/sst-state` listener and the button listener. Both ack FIRST — before any
 * state is read, within Slack's 3 s — with a short ephemeral "working…" reply, then hand the work
 * off (`handOff(job)`): an async Lambda invoke of the worker in AWS, an in-process queue in
 * `serve`. Mistakes in the command text and `help` need no state, so they are answered in the ack
 * itself. The worker (worker.ts) posts the answer through the job's response_url.
 *
 * Signatures are verified by Bolt's receivers (v0 HMAC of `v0:<ts>:<body>`, 5 minutes of clock
 * skew for past timestamps); `isFreshTimestamp` adds the same bound for future ones and is
 * applied by serve.ts and the Lambda ingress before a request reaches Bolt.
 *
 * No `auth.test` on the request path: slash commands and buttons need no bot id, so `authorize`
 * returns the token at once (with `botId`/`botUserId` when given). `verifyToken` starts one
 * `auth.test` in the background to log a clear error early when the token is wrong (serve).
 */
import { parseCommand } from "@sst-state/core/command";
import { App, LogLevel, type Receiver } from "@slack/bolt";
import type { SlackJob } from "./jobs.ts";
import { slackApiBase } from "./web-client.ts";
import { renderCommandError } from "./render/error.ts";
import { renderHelp } from "./render/help.ts";
import { workingText } from "./render/working.ts";
import type { BotLogger } from "./deps.ts";

export interface CreateSlackAppOptions {
  signingSecret: string;
  botToken: string;
  receiver?: Receiver;
  /** Hands a job to the worker. Awaited after the ack; must be quick (enqueue / async invoke). */
  handOff: (job: SlackJob) => Promise<void>;
  /** what the ack-time answers need (help shows the default app) */
  deps?: { log?: BotLogger; config?: { app: string | undefined } };
  botId?: string;
  botUserId?: string;
  /** Web API base URL (SLACK_API_URL), e.g. the fake API in tests */
  slackApiUrl?: string;
  /** Socket Mode instead of HTTP (needs `appToken`, and no receiver) */
  appToken?: string;
  verifyToken?: boolean;
  logLevel?: LogLevel;
}

/** Slack allows 5 minutes of clock skew either way; Bolt checks only the past. */
export function isFreshTimestamp(header: string | string[] | undefined, nowMs: number = Date.now()): boolean {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return true; // missing: Bolt rejects it with 401
  const ts = Number(v);
  return Number.isFinite(ts) && Math.abs(nowMs / 1000 - ts) <= 300;
}

export function createSlackApp(opts: CreateSlackAppOptions): App {
  const log = opts.deps?.log;
  let ids = opts.botId && opts.botUserId ? { botId: opts.botId, botUserId: opts.botUserId } : undefined;
  const app = new App({
    ...(opts.receiver ? { receiver: opts.receiver } : opts.appToken ? { socketMode: true, appToken: opts.appToken } : { signingSecret: opts.signingSecret }),
    authorize: async () => ({ botToken: opts.botToken, ...(ids ?? {}) }),
    ...(opts.slackApiUrl ? { clientOptions: { slackApiUrl: slackApiBase(opts.slackApiUrl) } } : {}),
    logLevel: opts.logLevel ?? LogLevel.WARN,
    // No conversation store, no self-ignoring: commands and buttons only.
    convoStore: false,
    ignoreSelf: false,
  });

  if (opts.verifyToken) {
    app.client.auth
      .test({ token: opts.botToken })
      .then((r) => {
        ids ??= r.bot_id && r.user_id ? { botId: r.bot_id, botUserId: r.user_id } : undefined;
      })
      .catch((e: { data?: { error?: string } }) =>
        log?.error("SLACK_BOT_TOKEN was not accepted by Slack (auth.test); answers that post in channels will fail", { error: e?.data?.error ?? String(e) }),
      );
  }

  // --- /sst-state (any command name: the manifest can rename it) ---------------------------------
  app.command(/^\/.+/, async ({ command, ack, respond, context }) => {
    const retryNum = typeof context.retryNum === "number" ? context.retryNum : undefined;
    const parsed = parseCommand(command.text ?? "", { prefix: command.command });
    if (!parsed.ok) {
      const m = renderCommandError(parsed.error);
      await ack({ response_type: "ephemeral", text: m.text, blocks: m.blocks as never });
      return;
    }
    if (parsed.command.verb === "help") {
      const m = renderHelp({ prefix: command.command, ...(parsed.command.topic ? { topic: parsed.command.topic } : {}), ...(opts.deps?.config?.app ? { defaultApp: opts.deps.config.app } : {}) });
      await ack({ response_type: "ephemeral", text: m.text, blocks: m.blocks as never });
      return;
    }
    // A retry means the first ack may have been seen already: ack without a second "working…".
    if (retryNum) await ack();
    else await ack({ response_type: "ephemeral", text: workingText(parsed.command) });

    const job: SlackJob = {
      kind: "command",
      command: command.text ?? "",
      commandName: command.command,
      responseUrl: command.response_url,
      channel: command.channel_id,
      user: command.user_id,
      teamId: command.team_id,
      triggerId: command.trigger_id,
      receivedAt: Date.now(),
      ...(retryNum ? { retryNum } : {}),
    };
    await handOffOrSay(job, respond);
  });

  // --- buttons ---------------------------------------------------------------------------------
  app.action(/.+/, async ({ ack, body, action, respond, context }) => {
    await ack();
    if (body.type !== "block_actions" || action.type !== "button" || !("action_id" in action)) return;
    const retryNum = typeof context.retryNum === "number" ? context.retryNum : undefined;
    const job: SlackJob = {
      kind: "action",
      actionId: action.action_id,
      command: action.value ?? "",
      responseUrl: body.response_url,
      channel: body.channel?.id ?? body.container?.channel_id ?? "",
      user: body.user.id,
      teamId: body.team?.id ?? body.user.team_id ?? "",
      triggerId: body.trigger_id,
      receivedAt: Date.now(),
      ...(retryNum ? { retryNum } : {}),
    };
    await handOffOrSay(job, respond);
  });

  async function handOffOrSay(job: SlackJob, respond: (m: { response_type: "ephemeral"; text: string }) => Promise<unknown>) {
    try {
      await opts.handOff(job);
    } catch (e) {
      log?.error("hand-off failed", { error: String(e), stack: (e as Error)?.stack, kind: job.kind });
      await respond({ response_type: "ephemeral", text: ":boom: Something went wrong, check the logs: the request could not be handed to the worker." }).catch(
        () => {},
      );
    }
  }

  app.error(async (e) => {
    log?.error("bolt error", { error: String(e) });
  });
  return app;
}
