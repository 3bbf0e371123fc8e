/** The Notifier port (core/ports.ts) over Bolt's WebClient. */
import type { Notifier } from "@sst-state/core/ports";
import type { WebClient } from "@slack/web-api";

export function createSlackNotifier(client: WebClient): Notifier {
  return {
    async post(channel, message) {
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks as never } : {}),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { channel: res.channel ?? channel, ts: res.ts ?? "" };
    },
    async update(channel, ts, message) {
      await client.chat.update({ channel, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) });
    },
    async upload(channel, file) {
      await client.files.uploadV2({
        channel_id: channel,
        content: file.content,
        filename: file.filename,
        ...(file.title ? { title: file.title } : {}),
        ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
      } as never);
    },
  };
}
