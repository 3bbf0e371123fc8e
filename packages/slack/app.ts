/**
 * The Bolt app: the `/sst-state` listener and the button listener (listeners/). Both ack FIRST — before any
 * state is read, within Slack's 3 s — with a short ephemeral "working…" reply, then hand the work
 * off (`handOff(job)`): an async Lambda invoke of the worker in AWS, an in-process queue in
 * `serve`. Mistakes in the command text and `help` need no state, so they are answered in the ack
 * itself. The worker (worker.ts) posts the answer through the job's response_url.
 *
 * Signatures (v0 HMAC of `v0:<ts>:<body>`, 5 minutes of clock skew either way) are verified once,
 * at the boundary in front of Bolt (receivers/request-guard.ts), by serve.ts and the Lambda ingress,
 * whose receivers therefore skip Bolt's own check; an App built here without a receiver keeps it.
 *
 * No `auth.test` on the request path: slash commands and buttons need no bot id, so `authorize`
 * returns the token at once (with `botId`/`botUserId` when given). `verifyToken` starts one
 * `auth.test` in the background to log a clear error early when the token is wrong (serve).
 */
import { App, LogLevel, type Receiver } from "@slack/bolt";
import { slackApiBase } from "@sst-state/adapters/slack-web-api";
import type { BotLogger } from "./deps.ts";
import type { SlackJob } from "./jobs.ts";
import { actionListener } from "./listeners/action.ts";
import { slashCommandListener } from "./listeners/slash-command.ts";

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

  const listenerOptions = { handOff: opts.handOff, log, defaultApp: opts.deps?.config?.app };
  app.command(/^\/.+/, slashCommandListener(listenerOptions));
  app.action(/.+/, actionListener(listenerOptions));

  app.error(async (e) => {
    log?.error("bolt error", { error: String(e) });
  });
  return app;
}
