/**
 * The local Slack page: `serve` without Slack credentials shows, at `/`, a Slack channel that
 * people on this machine can talk to the bot in. Nothing is short-circuited:
 *
 *   page ──POST /playground/command──▶ this backend ──signed slash-command form──▶ POST /slack/events
 *   page ──POST /playground/action───▶ this backend ──signed block_actions form──▶ POST /slack/events
 *   bot  ──Web API calls, response_url posts──▶ the local Slack Web API (slack-api.ts)
 *   page ◀──GET /playground/state, /playground/events (SSE)── the conversation (conversation.ts)
 *
 * The backend signs each request with the signing secret exactly as Slack does (v0 HMAC), so the
 * bot verifies and runs it as it would a request from Slack. The page never sees the secret.
 * Button clicks name a message and an action id only; the value sent is the one in the message
 * the bot posted, as in Slack.
 *
 * Requests from other web pages are refused: the POST endpoints want `application/json` (a
 * cross-site form cannot send it without a CORS preflight, which is never allowed here), an
 * Origin, when present, that matches the Host, and every route a Host that is this machine
 * (`localhost` or an IP address), against DNS rebinding.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import pageHtml from "./page/index.html?raw";
import pageJs from "./page/app.js?raw";
import pageCss from "./page/style.css?raw";
import { createConversation, type Conversation, type PageMessage, type ResponseContext } from "./conversation.ts";
import { DEMO_CHANNEL, DEMO_GROUPS, DEMO_PEOPLE, type DemoGroup, type DemoPerson } from "./demo-people.ts";
import { startFakeSlackApi, type FakeSlackApi } from "./slack-api.ts";
import { buttonClickBody, signedHeaders, slashCommandBody } from "./slack-requests.ts";

/** The bot token the local Slack Web API accepts; any other token is a real workspace's. */
export const LOCAL_BOT_TOKEN = "xoxb-local-playground";

/** True when the token belongs to the local Slack (unset, or the local token). */
export function isLocalBotToken(token: string | undefined): boolean {
  return !token || token === LOCAL_BOT_TOKEN;
}

export interface PlaygroundChannel {
  id: string;
  name: string;
}

export interface PlaygroundOptions {
  people?: readonly DemoPerson[];
  groups?: readonly DemoGroup[];
  /** channels in the sidebar (the first is where commands are typed); default #deploys */
  channels?: readonly PlaygroundChannel[];
  /** the slash command's name (default `/sst-state`) */
  command?: string;
}

export interface Playground {
  /** the generated signing secret the bot must verify with */
  readonly signingSecret: string;
  readonly botToken: string;
  /** the local Slack Web API's base URL (SLACK_API_URL for the bot) */
  readonly slackApiUrl: string;
  readonly api: FakeSlackApi;
  readonly conversation: Conversation;
  /** where the bot listens (`http://host:port/slack/events`); set once serve is listening */
  setEventsUrl(url: string): void;
  /** Answer the request if it is one of the page's; false to let serve handle it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** End the pages' event streams (open responses on serve's server, which keep it from closing); the Web API stays up. */
  endStreams(): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** Slack's own bound on a slash command's text */
const MAX_COMMAND_TEXT = 4000;

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) throw new RequestError(415, "send application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new RequestError(413, "request too large");
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new RequestError(400, "the body is not a JSON object");
  }
}

/**
 * The page answers only to this machine's names and IP addresses (`Host`), so a web page whose
 * domain name is pointed at 127.0.0.1 (DNS rebinding) cannot use it; and a POST's Origin, when
 * present, must be the page's own.
 */
function trusted(req: IncomingMessage): boolean {
  let host: string;
  try {
    host = new URL(`http://${req.headers.host ?? ""}`).hostname;
  } catch {
    return false;
  }
  if (host !== "localhost" && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !host.startsWith("[")) return false;
  const origin = req.headers.origin;
  if (!origin || req.method === "GET") return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The buttons of a message, as the page and the click need them. */
function findButton(msg: PageMessage, actionId: string, blockId: string | undefined): { block_id?: string; text: string; value: string; style?: string } | undefined {
  for (const b of msg.blocks as { type?: string; block_id?: string; elements?: unknown[] }[]) {
    if (b?.type !== "actions" || !Array.isArray(b.elements)) continue;
    if (blockId && b.block_id !== blockId) continue;
    for (const e of b.elements as { type?: string; action_id?: string; value?: string; style?: string; text?: { text?: string } }[]) {
      if (e?.type === "button" && e.action_id === actionId) {
        return { ...(b.block_id ? { block_id: b.block_id } : {}), text: e.text?.text ?? "", value: e.value ?? "", ...(e.style ? { style: e.style } : {}) };
      }
    }
  }
  return undefined;
}

export async function startPlayground(opts: PlaygroundOptions = {}): Promise<Playground> {
  const people = opts.people ?? DEMO_PEOPLE;
  const groups = opts.groups ?? DEMO_GROUPS;
  const channels = opts.channels?.length ? opts.channels : [DEMO_CHANNEL];
  const commandName = opts.command ?? "/sst-state";
  const signingSecret = randomBytes(16).toString("hex");
  const api = await startFakeSlackApi({ token: LOCAL_BOT_TOKEN });
  for (const g of groups) api.setUserGroup(g.id, [...g.members]);
  const conversation = createConversation(api);
  const streams = new Set<ServerResponse>();
  const endStreams = () => {
    for (const s of streams) s.end();
    streams.clear();
  };
  let eventsUrl = "";
  let requests = 0;

  conversation.onChange(() => {
    for (const s of streams) s.write(`event: change\ndata: ${conversation.version()}\n\n`);
  });

  const person = (id: unknown): DemoPerson => {
    const p = people.find((x) => x.id === id);
    if (!p) throw new RequestError(400, `unknown user ${String(id)}: pick one of ${people.map((x) => x.id).join(", ")}`);
    return p;
  };
  const channelOf = (id: unknown): PlaygroundChannel => {
    const c = channels.find((x) => x.id === id);
    if (!c) throw new RequestError(400, `unknown channel ${String(id)}`);
    return c;
  };

  /** POST a signed form to the bot, as Slack does; the ack body (if any) is an ephemeral reply. */
  async function deliver(body: string, ctx: ResponseContext): Promise<{ status: number }> {
    if (!eventsUrl) throw new RequestError(503, "the bot is not listening yet");
    let res: Response;
    try {
      res = await fetch(eventsUrl, { method: "POST", headers: signedHeaders(signingSecret, body), body, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      conversation.addEphemeral(ctx, { text: `:warning: The bot did not answer (${(e as Error).message}). Slack would show "${commandName} failed with the error \"operation_timeout\"".` }, "slack");
      return { status: 504 };
    }
    const text = await res.text();
    if (res.status !== 200) {
      conversation.addEphemeral(ctx, { text: `:warning: The bot answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}. Slack would show the request as failed.` }, "slack");
      return { status: res.status };
    }
    if (text.trim()) {
      let ack: { text?: string; blocks?: unknown[]; response_type?: string };
      try {
        ack = JSON.parse(text) as typeof ack;
      } catch {
        ack = { text };
      }
      conversation.addEphemeral(ctx, ack);
    }
    return { status: 200 };
  }

  async function command(input: Record<string, unknown>): Promise<{ status: number }> {
    const user = person(input.user);
    const channel = channelOf(input.channel);
    const line = typeof input.text === "string" ? input.text.trim() : "";
    if (!line) throw new RequestError(400, "type a command");
    if (line.length > MAX_COMMAND_TEXT) throw new RequestError(400, `a command is at most ${MAX_COMMAND_TEXT} characters`);
    if (!line.startsWith("/")) {
      conversation.addUserMessage(channel.id, user.id, line);
      return { status: 200 };
    }
    const [name = "", ...rest] = line.split(/\s+/);
    const ctx: ResponseContext = { channel: channel.id, user: user.id, command: line };
    if (name !== commandName) {
      conversation.addEphemeral(ctx, { text: `\`${name}\` is not a valid command. The bot here answers \`${commandName}\`: try \`${commandName} help\`.` }, "slack");
      return { status: 200 };
    }
    const id = `cmd${++requests}`;
    conversation.expect(id, ctx);
    const body = slashCommandBody({
      text: rest.join(" "),
      command: commandName,
      responseUrl: api.responseUrl(id),
      user: user.id,
      userName: user.name,
      channel: channel.id,
      channelName: channel.name,
    });
    return deliver(body, ctx);
  }

  async function action(input: Record<string, unknown>): Promise<{ status: number }> {
    const user = person(input.user);
    const msg = typeof input.message === "string" ? conversation.find(input.message) : undefined;
    if (!msg) throw new RequestError(404, "that message is gone");
    if (msg.ephemeralTo && msg.ephemeralTo !== user.id) throw new RequestError(403, "only the person it was for sees that message");
    const actionId = typeof input.actionId === "string" ? input.actionId : "";
    const button = findButton(msg, actionId, typeof input.blockId === "string" ? input.blockId : undefined);
    if (!button) throw new RequestError(404, `the message has no button ${actionId}`);
    const channel = channels.find((c) => c.id === msg.channel) ?? { id: msg.channel, name: msg.channel };
    const id = `act${++requests}`;
    const ctx: ResponseContext = { channel: channel.id, user: user.id, messageId: msg.id };
    conversation.expect(id, ctx);
    const body = buttonClickBody({
      actionId,
      value: button.value,
      responseUrl: api.responseUrl(id),
      user: user.id,
      userName: user.name,
      channel: channel.id,
      channelName: channel.name,
      messageTs: msg.ts,
      ...(button.block_id ? { blockId: button.block_id } : {}),
      buttonText: button.text,
      ...(button.style ? { style: button.style } : {}),
      isEphemeral: !!msg.ephemeralTo,
      ...(msg.ephemeralTo ? {} : { message: { ts: msg.ts, text: msg.text, blocks: msg.blocks, ...(msg.threadTs ? { threadTs: msg.threadTs } : {}) } }),
    });
    return deliver(body, ctx);
  }

  function state() {
    return {
      workspace: "acme (local)",
      command: commandName,
      bot: { id: "U0BOT", name: "sst-state" },
      people,
      groups,
      channels,
      messages: conversation.messages(),
      violations: api.violations,
      version: conversation.version(),
    };
  }

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, "application/json; charset=utf-8", JSON.stringify(body));

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/" && path !== "/index.html" && !path.startsWith("/playground/")) return false;
    if (!trusted(req)) {
      req.resume();
      json(res, 403, { ok: false, error: "open the page as http://localhost:PORT/ (requests from other sites are refused)" });
      return true;
    }
    if (req.method === "GET") {
      if (path === "/" || path === "/index.html") {
        res.setHeader("content-security-policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
        send(res, 200, "text/html; charset=utf-8", pageHtml);
        return true;
      }
      if (path === "/playground/app.js") return send(res, 200, "text/javascript; charset=utf-8", pageJs), true;
      if (path === "/playground/style.css") return send(res, 200, "text/css; charset=utf-8", pageCss), true;
      if (path === "/playground/state") return json(res, 200, state()), true;
      if (path === "/playground/events") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
        res.write(`event: change\ndata: ${conversation.version()}\n\n`);
        streams.add(res);
        req.on("close", () => streams.delete(res));
        return true;
      }
      return false;
    }
    if (req.method === "POST" && (path === "/playground/command" || path === "/playground/action")) {
      void (async () => {
        try {
          const input = await readJson(req);
          const out = path === "/playground/command" ? await command(input) : await action(input);
          json(res, out.status === 200 ? 200 : 502, { ok: out.status === 200, status: out.status });
        } catch (e) {
          const status = e instanceof RequestError ? e.status : 500;
          json(res, status, { ok: false, error: e instanceof RequestError ? e.message : "the request failed; see the server's output" });
          if (!(e instanceof RequestError)) console.error("local Slack page:", e);
        }
      })();
      return true;
    }
    return false;
  }

  return {
    signingSecret,
    botToken: LOCAL_BOT_TOKEN,
    slackApiUrl: api.url,
    api,
    conversation,
    setEventsUrl(url) {
      eventsUrl = url;
    },
    handle,
    endStreams,
    async close() {
      endStreams();
      conversation.close();
      await api.close();
    },
  };
}

/** The page's channels: those the policy names (the demo channel keeps its name), else #deploys. */
export function playgroundChannels(ids: readonly string[]): PlaygroundChannel[] {
  if (!ids.length) return [DEMO_CHANNEL];
  return ids.map((id) => (id === DEMO_CHANNEL.id ? DEMO_CHANNEL : { id, name: id.toLowerCase() }));
}

/**
 * With real Slack credentials the page is off: its backend signs requests with the signing secret,
 * so serving it would let anyone who reaches this port act as any person of the real workspace.
 * `/` says so; the bot itself answers Slack at /slack/events as usual.
 */
export function playgroundOffPage(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method !== "GET" || (path !== "/" && !path.startsWith("/playground/"))) return false;
  req.resume();
  res.writeHead(path === "/" ? 200 : 404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(PLAYGROUND_OFF_TEXT + "\n");
  return true;
}

export const PLAYGROUND_OFF_TEXT =
  "sst-state is connected to a real Slack workspace (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET are set), so the local Slack page is off: " +
  "it signs requests with the signing secret, and would let anyone who reaches this port act as any person of the workspace. " +
  "Talk to the bot in Slack (/sst-state help). To try the local page, start `sst-state serve` without the SLACK_* variables.";
