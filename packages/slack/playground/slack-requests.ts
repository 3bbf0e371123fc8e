/**
 * Sign requests exactly like Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>"
 * keyed with the signing secret>` and `X-Slack-Request-Timestamp: <ts>` (epoch seconds).
 */
import { createHmac } from "node:crypto";

export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return "v0=" + createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex");
}

export function signedHeaders(
  signingSecret: string,
  body: string,
  opts: { timestamp?: number; contentType?: string; retryNum?: number } = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    "content-type": opts.contentType ?? "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": slackSignature(signingSecret, timestamp, body),
    ...(opts.retryNum ? { "x-slack-retry-num": String(opts.retryNum), "x-slack-retry-reason": "http_timeout" } : {}),
  };
}

/** Who sends a request, from where, and where Slack takes the answers: shared by every request body. */
export interface RequestContext {
  responseUrl: string;
  user?: string;
  userName?: string;
  channel?: string;
  channelName?: string;
  team?: string;
  triggerId?: string;
}

/** The form body Slack posts for a slash command. */
export function slashCommandBody(p: RequestContext & { text: string; command?: string }): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: p.team ?? "T0TEAM",
    team_domain: "acme",
    channel_id: p.channel ?? "C0DEPLOYS",
    channel_name: p.channelName ?? "deploys",
    user_id: p.user ?? "U0ALICE",
    user_name: p.userName ?? "alice",
    command: p.command ?? "/sst-state",
    text: p.text,
    api_app_id: "A0APP",
    is_enterprise_install: "false",
    response_url: p.responseUrl,
    trigger_id: p.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.abcdef`,
  }).toString();
}

/** The form body Slack posts when a button is clicked (`payload=<json>`). */
export function buttonClickBody(p: RequestContext & {
  actionId: string;
  value: string;
  /** the message the button is on */
  messageTs?: string;
  blockId?: string;
  buttonText?: string;
  style?: string;
  isEphemeral?: boolean;
  /** the message itself, as Slack includes it for messages that are not ephemeral */
  message?: { ts: string; text: string; blocks: unknown[]; threadTs?: string };
}): string {
  const messageTs = p.messageTs ?? "1700000000.000100";
  const payload = {
    type: "block_actions",
    user: { id: p.user ?? "U0ALICE", username: p.userName ?? "alice", name: p.userName ?? "alice", team_id: p.team ?? "T0TEAM" },
    api_app_id: "A0APP",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: messageTs, channel_id: p.channel ?? "C0DEPLOYS", is_ephemeral: p.isEphemeral ?? false },
    trigger_id: p.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba`,
    team: { id: p.team ?? "T0TEAM", domain: "acme" },
    channel: { id: p.channel ?? "C0DEPLOYS", name: p.channelName ?? "deploys" },
    ...(p.message
      ? { message: { type: "message", subtype: "bot_message", user: "U0BOT", bot_id: "B0BOT", ts: p.message.ts, text: p.message.text, blocks: p.message.blocks, ...(p.message.threadTs ? { thread_ts: p.message.threadTs } : {}) } }
      : {}),
    response_url: p.responseUrl,
    actions: [
      {
        type: "button",
        action_id: p.actionId,
        block_id: p.blockId ?? "b1",
        text: { type: "plain_text", text: p.buttonText ?? "Release", emoji: true },
        value: p.value,
        ...(p.style ? { style: p.style } : {}),
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
