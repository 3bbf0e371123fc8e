/**
 * The Notifier port (core/ports.ts) over Bolt's WebClient. Every message and file goes through
 * here, so this is where Slack's limits are enforced for all of them (lock announcements, restore
 * requests, diagnosis updates, answers): a text or block longer than Slack allows is cut, ends
 * with "… (full text in the thread/file)", and the full text is uploaded as a file in the
 * message's thread. File names and titles are made safe here too.
 */
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import { CUT_MARKER, esc, safeFileName } from "@sst-state/core/text/mrkdwn";
import type { WebClient } from "@slack/web-api";
import { blockChars, fitToLimits } from "./render/limits.ts";
import type { Block } from "./render/types.ts";

interface Fitted {
  text: string;
  blocks?: unknown[];
  /** the full text, when something had to be cut */
  full?: string;
}

function fit(message: ChatMessage): Fitted {
  const blocks = (message.blocks ?? []) as Block[];
  const fitted = fitToLimits({ text: message.text, blocks }, { marker: CUT_MARKER, overflowNote: "The message was too long for Slack; the full text is in the thread." });
  const cut = fitted.text !== message.text || JSON.stringify(fitted.blocks) !== JSON.stringify(blocks);
  const full = cut ? [message.text, ...blocks.map((b) => (blockChars([b]) ? JSON.stringify(b) : ""))].filter(Boolean).join("\n\n") : undefined;
  return { text: fitted.text, ...(message.blocks ? { blocks: fitted.blocks } : {}), ...(full ? { full } : {}) };
}

export function createSlackNotifier(client: WebClient): Notifier {
  async function upload(channel: string, file: { filename: string; content: string; title?: string; threadTs?: string }) {
    await client.files.uploadV2({
      channel_id: channel,
      content: file.content,
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
