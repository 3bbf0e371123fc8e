/**
 * The channel history the local Slack page shows, built the way Slack builds it from what the bot
 * sends to the local Slack Web API (slack-api.ts):
 *
 * - `chat.postMessage` adds a message (a reply when it has `thread_ts`); `chat.update` edits one in
 *   place; `chat.postEphemeral` adds a message only its user sees; `files.completeUploadExternal`
 *   shares the uploaded files in the channel or thread it names.
 * - A `response_url` post belongs to the request that handed it out (`expect`): for a slash
 *   command, `response_type: "in_channel"` posts for everyone, anything else is ephemeral for
 *   the person who ran it; for a button, `replace_original` edits the message the button was on
 *   and `delete_original` removes it.
 * - The synchronous answer to a request (Bolt's `ack` body) is an ephemeral reply.
 *
 * A message Slack would refuse (a broken limit) is kept with its violations, so the page shows
 * what the bot tried to send and why Slack would not take it.
 */
import type { FakeSlackApi } from "./slack-api.ts";

export interface PageFile {
  id: string;
  name: string;
  title: string;
  content: string;
}

export interface PageMessage {
  id: string;
  channel: string;
  ts: string;
  /** set on thread replies: the parent's ts */
  threadTs?: string;
  /** a person's id, or `bot` */
  from: string;
  text: string;
  blocks: unknown[];
  /** only this person sees it */
  ephemeralTo?: string;
  files?: PageFile[];
  edited?: boolean;
  /** the slash command this answers: shown as "alice used /sst-state …" */
  command?: { user: string; text: string };
  /** Slack limits the message broke: Slack would have refused it */
  violations?: string[];
  seq: number;
}

/** What a response_url (or an ack) answers for. */
export interface ResponseContext {
  channel: string;
  user: string;
  /** a slash command: its full text, e.g. `/sst-state status prod` */
  command?: string;
  /** a button: the message it is on */
  messageId?: string;
}

export interface Conversation {
  /** messages in the order they arrived (replies included; `threadTs` groups them) */
  messages(): PageMessage[];
  find(id: string): PageMessage | undefined;
  /** increases on every change */
  version(): number;
  /** the response_url with this id answers for `ctx` */
  expect(responseId: string, ctx: ResponseContext): void;
  /** the bot's synchronous answer to a request (Bolt's ack body), or a note about the request */
  addEphemeral(ctx: ResponseContext, body: { text?: string; blocks?: unknown[] }, from?: string): void;
  /** a plain message typed by a person */
  addUserMessage(channel: string, user: string, text: string): PageMessage;
  onChange(listener: () => void): () => void;
  close(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function createConversation(api: FakeSlackApi): Conversation {
  const messages: PageMessage[] = [];
  const byId = new Map<string, PageMessage>();
  const contexts = new Map<string, ResponseContext>();
  const listeners = new Set<() => void>();
  let seq = 0;
  let version = 0;
  let localTs = 0;
  // how far each record list of the API has been read
  let callsRead = 0;
  let responsesRead = 0;

  const changed = () => {
    version++;
    for (const l of [...listeners]) l();
  };
  /** a ts for messages Slack makes itself (ephemerals, response_url posts) */
  const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(900000 + ++localTs).padStart(6, "0")}`;

  function add(m: Omit<PageMessage, "seq" | "id"> & { id?: string }): PageMessage {
    const id = m.id ?? (m.ephemeralTo ? `e${seq + 1}` : `${m.channel}:${m.ts}`);
    const msg: PageMessage = { ...m, id, seq: ++seq };
    messages.push(msg);
    byId.set(id, msg);
    return msg;
  }

  function edit(msg: PageMessage, body: { text?: unknown; blocks?: unknown }): void {
    msg.text = str(body.text);
    msg.blocks = list(body.blocks);
    msg.edited = true;
    delete msg.violations;
  }

  function fromCall(call: FakeSlackApi["calls"][number]): void {
    const a = call.args;
    const ok = call.result?.ok === true;
    const refused = call.violations;
    switch (call.method) {
      case "chat.postMessage": {
        if (!ok && !refused) return;
        const ts = ok ? str(call.result?.ts) : newTs();
        add({
          channel: str(a.channel),
          ts,
          ...(a.thread_ts ? { threadTs: str(a.thread_ts) } : {}),
          from: "bot",
          text: str(a.text),
          blocks: list(a.blocks),
          ...(refused ? { violations: refused } : {}),
        });
        return;
      }
      case "chat.update": {
        const msg = byId.get(`${str(a.channel)}:${str(a.ts)}`);
        if (!msg) return;
        if (ok) edit(msg, a);
        else if (refused) msg.violations = refused.map((v) => `update refused: ${v}`);
        return;
      }
      case "chat.postEphemeral": {
        if (!ok && !refused) return;
        add({ channel: str(a.channel), ts: newTs(), ...(a.thread_ts ? { threadTs: str(a.thread_ts) } : {}), from: "bot", text: str(a.text), blocks: list(a.blocks), ephemeralTo: str(a.user), ...(refused ? { violations: refused } : {}) });
        return;
      }
      case "files.completeUploadExternal": {
        if (!ok || !a.channel_id) return;
        const files = list(a.files)
          .filter(isRecord)
          .map((f) => {
            const id = str(f.id);
            const upload = api.uploads.find((u) => u.fileId === id);
            return { id, name: upload?.filename ?? id, title: str(f.title) || (upload?.filename ?? id), content: upload?.content ?? "" };
          });
        add({
          channel: str(a.channel_id),
          ts: newTs(),
          ...(a.thread_ts ? { threadTs: str(a.thread_ts) } : {}),
          from: "bot",
          text: str(a.initial_comment),
          blocks: [],
          files,
        });
        return;
      }
    }
  }

  function fromResponse(r: FakeSlackApi["responses"][number]): void {
    const ctx = contexts.get(r.id);
    if (!ctx) return;
    const body = r.body;
    const original = ctx.messageId ? byId.get(ctx.messageId) : undefined;
    if (body.delete_original && original) {
      messages.splice(messages.indexOf(original), 1);
      byId.delete(original.id);
      return;
    }
    if (body.replace_original && original) {
      if (r.violations) original.violations = r.violations.map((v) => `update refused: ${v}`);
      else edit(original, body);
      return;
    }
    const inChannel = body.response_type === "in_channel";
    add({
      channel: ctx.channel,
      ts: newTs(),
      from: "bot",
      text: str(body.text),
      blocks: list(body.blocks),
      ...(inChannel ? {} : { ephemeralTo: ctx.user }),
      ...(ctx.command ? { command: { user: ctx.user, text: ctx.command } } : {}),
      ...(r.violations ? { violations: r.violations } : {}),
    });
  }

  function sync(): void {
    const before = seq + version;
    let touched = false;
    while (callsRead < api.calls.length) {
      const call = api.calls[callsRead++]!;
      if (call.result === undefined) {
        // answered after this notification: read it next time
        callsRead--;
        break;
      }
      fromCall(call);
      touched = true;
    }
    while (responsesRead < api.responses.length) {
      fromResponse(api.responses[responsesRead++]!);
      touched = true;
    }
    if (touched || seq + version !== before) changed();
  }
  const unsubscribe = api.subscribe(sync);

  return {
    messages: () => messages,
    find: (id) => byId.get(id),
    version: () => version,
    expect(responseId, ctx) {
      contexts.set(responseId, ctx);
    },
    addEphemeral(ctx, body, from = "bot") {
      add({
        channel: ctx.channel,
        ts: newTs(),
        from,
        text: str(body.text),
        blocks: list(body.blocks),
        ephemeralTo: ctx.user,
        ...(ctx.command ? { command: { user: ctx.user, text: ctx.command } } : {}),
      });
      changed();
    },
    addUserMessage(channel, user, text) {
      const msg = add({ channel, ts: newTs(), from: user, text, blocks: [] });
      changed();
      return msg;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      unsubscribe();
      listeners.clear();
    },
  };
}
