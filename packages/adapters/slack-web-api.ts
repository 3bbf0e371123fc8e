/**
 * The Slack Web API adapter: the one way the bot builds Slack's WebClient (SLACK_API_URL — tests,
 * the local Slack of `serve` — is given with or without its trailing slash, and WebClient needs it
 * with one), and the Notifier over it.
 */
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { esc, safeFileName } from "@sst-state/core/text/mrkdwn";
import { escapeControls } from "@sst-state/core/text/controls";
import { WebClient, type WebClientOptions } from "@slack/web-api";

export function slackApiBase(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function createWebClient(token: string | undefined, slackApiUrl?: string, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, { ...options, ...(slackApiUrl ? { slackApiUrl: slackApiBase(slackApiUrl) } : {}) });
}

/**
 * The Notifier port (core/ports.ts) over the WebClient. Every message and file goes through here;
 * `fit` (the Slack renderer's `fitChatMessage`, packages/slack/render/limits.ts) cuts each message
 * to Slack's limits first, and what it cut is uploaded whole as a file in the message's thread.
 * File names and titles are made safe here too, and the control characters in a file's content
 * are written as their JSON escapes (core/text/controls.ts `escapeControls`).
 */
export function createSlackNotifier(client: WebClient, fit: (message: ChatMessage) => { text: string; blocks?: unknown[]; full?: string }): Notifier {
  async function upload(channel: string, file: { filename: string; content: string; title?: string; threadTs?: string }) {
    await client.files.uploadV2({
      channel_id: channel,
      content: escapeControls(file.content),
      filename: safeFileName(file.filename),
      ...(file.title ? { title: esc(file.title).slice(0, 250) } : {}),
      ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
    } as never);
  }
  async function fullTextInThread(channel: string, ts: string, full: string | undefined) {
    if (full && ts) await upload(channel, { filename: "full-text.txt", title: "Full text", content: full, threadTs: ts });
  }
  return {
    async post(channel, message) {
      const m = fit(message);
      const res = await client.chat.postMessage({
        channel,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks as never } : {}),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      const posted = { channel: res.channel ?? channel, ts: res.ts ?? "" };
      await fullTextInThread(posted.channel, message.threadTs ?? posted.ts, m.full);
      return posted;
    },
    async update(channel, ts, message) {
      const m = fit(message);
      await client.chat.update({ channel, ts, text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}) });
      await fullTextInThread(channel, ts, m.full);
    },
    upload,
  };
}
