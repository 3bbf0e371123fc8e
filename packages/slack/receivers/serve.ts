/**
 * The bot on one machine (`sst-state serve`): the same Bolt app as in AWS, over HTTP on `port`
 * (requests at `POST /slack/events`, `GET /healthz` for probes) or over Socket Mode when an app
 * token is given, with an in-process queue as the hand-off to the worker.
 *
 * Without a signing secret it still starts, prints how to create the Slack app from
 * slack-app-manifest.yml, and refuses every request with 401 (nothing unsigned is ever run).
 */
import { fitChatMessage } from "../render/limits.ts";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HTTPReceiver, LogLevel, SocketModeReceiver, type App } from "@slack/bolt";
import { createWebClient, createSlackNotifier, slackApiBase } from "@sst-state/adapters/slack-web-api";
import { createResponder } from "@sst-state/adapters/slack-response-url";
import { createSlackApp } from "../app.ts";
import { consoleLogger, type BotDeps, type BotLogger } from "../deps.ts";
import { createMemoryIdempotencyStore } from "../idempotency.ts";
import type { SlackJob } from "../jobs.ts";
import { createJobQueue } from "../queue.ts";
import { runJob } from "../worker.ts";
import { MAX_BODY_BYTES, checkSocketModeMessage, isFreshTimestamp, refuseSlackRequest } from "./request-guard.ts";

export type ServeDeps = Omit<BotDeps, "notifier" | "respond" | "idempotency"> & Partial<Pick<BotDeps, "notifier" | "respond" | "idempotency">>;

export interface ServeOptions {
  /** default 3000 (PORT); 0 picks a free port */
  port?: number;
  host?: string;
  deps: ServeDeps;
  signingSecret?: string;
  botToken?: string;
  /** SLACK_APP_TOKEN: Socket Mode instead of HTTP */
  appToken?: string;
  /** SLACK_API_URL */
  slackApiUrl?: string;
  botId?: string;
  botUserId?: string;
  /** jobs run at once (default 4) */
  concurrency?: number;
  /** answers the requests it knows (the local Slack page, playground/server.ts) before the bot does */
  page?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** where the setup instructions and the startup line go (default console.log) */
  print?: (line: string) => void;
  logLevel?: LogLevel;
}

export interface ServeHandle {
  /** `http://host:port` (HTTP and setup modes) or `socket-mode` */
  url: string;
  mode: "http" | "socket" | "setup";
  /** resolves when every handed-off job has finished */
  drain(): Promise<void>;
  /** how many handed-off jobs are queued or running */
  pending(): number;
  close(): Promise<void>;
}

export const SETUP_TEXT = [
  "sst-state: no SLACK_SIGNING_SECRET, so every Slack request is refused (401).",
  "To connect a workspace:",
  "  1. https://api.slack.com/apps → Create New App → From an app manifest → paste slack-app-manifest.yml",
  "     (replace https://<your-url> with this server's public URL, e.g. from a tunnel).",
  "  2. Install the app to the workspace.",
  "  3. Set SLACK_SIGNING_SECRET (Basic Information → Signing Secret) and SLACK_BOT_TOKEN",
  "     (OAuth & Permissions → Bot User OAuth Token, xoxb-…), then restart `sst-state serve`.",
  "  Or use Socket Mode (no public URL): set socket_mode_enabled: true in the manifest, create an",
  "  app-level token with connections:write and set SLACK_APP_TOKEN (xapp-…) as well.",
].join("\n");

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const a = server.address() as AddressInfo;
      resolve(`http://${host.includes(":") ? `[${host}]` : host}:${a.port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body, or undefined when it is larger than `max` bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(undefined);
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function health(req: IncomingMessage, res: ServerResponse, text: string): boolean {
  if (req.method === "GET" && (req.url === "/healthz" || req.url === "/")) {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(text);
    return true;
  }
  return false;
}

/**
 * The Socket Mode twin of the HTTP boundary: every WebSocket message passes
 * `checkSocketModeMessage` before Bolt's socket client reads it. A refused envelope is logged and
 * acknowledged (so Slack does not resend it) and goes no further; whatever escapes Bolt's handling
 * of an accepted one is logged, never an unhandled rejection that would end the process.
 * Bolt 5.1's SocketModeClient (@slack/socket-mode 3.1.0) reads frames through its own
 * `ws_message` listener (SocketModeClient.js L172): that listener is put behind the check.
 */
function guardSocketMode(receiver: SocketModeReceiver, log: BotLogger): void {
  const client = receiver.client;
  // `send` (an envelope's acknowledgement) is private in the client's types, public at run time
  const ack = (id: string) => (client as unknown as { send(id: string, body?: object): Promise<void> }).send(id, {});
  const inner = client.listeners("ws_message") as ((data: unknown, isBinary: boolean) => unknown)[];
  client.removeAllListeners("ws_message");
  client.on("ws_message", (data: unknown, isBinary: boolean) => {
    if (!isBinary) {
      const text = typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
      const { why, envelopeId } = checkSocketModeMessage(text);
      if (why) {
        log.warn("refused a Socket Mode message that is not one Slack sends", { why });
        if (envelopeId) ack(envelopeId).catch((e: unknown) => log.warn("could not acknowledge a refused envelope", { error: String(e) }));
        return;
      }
    }
    for (const listener of inner) {
      Promise.resolve()
        .then(() => listener(data, isBinary))
        .catch((e: unknown) => log.error("Socket Mode message failed", { error: String(e) }));
    }
  });
}

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const port = opts.port ?? 3000;
  const host = opts.host ?? "127.0.0.1";
  const log = opts.deps.log ?? consoleLogger;
  const socketMode = !!(opts.appToken && opts.botToken);

  // --- setup mode: nothing signed can arrive, so nothing runs -----------------------------------
  if (!opts.signingSecret && !socketMode) {
    print(SETUP_TEXT);
    const server = createServer((req, res) => {
      if (opts.page?.(req, res)) return;
      if (health(req, res, SETUP_TEXT + "\n")) return;
      req.resume();
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
      res.end("sst-state is not configured: set SLACK_SIGNING_SECRET.\n");
    });
    const url = await listen(server, port, host);
    return { url, mode: "setup", drain: async () => {}, pending: () => 0, close: () => closeServer(server) };
  }
  if (!opts.botToken) print("sst-state: no SLACK_BOT_TOKEN; answers go through response_url only (large diffs cannot be attached).");

  const web = createWebClient(opts.botToken, opts.slackApiUrl);
  const deps: BotDeps = {
    ...opts.deps,
    log,
    notifier: opts.deps.notifier ?? createSlackNotifier(web, fitChatMessage),
    respond: opts.deps.respond ?? createResponder({ slackApiUrl: opts.slackApiUrl }),
    idempotency: opts.deps.idempotency ?? createMemoryIdempotencyStore(),
  };
  const queue = createJobQueue<SlackJob>((job) => runJob(job, deps), {
    concurrency: opts.concurrency ?? 4,
    onError: (e) => log.error("job failed", { error: String(e) }),
  });
  const appOptions = {
    signingSecret: opts.signingSecret ?? "",
    botToken: opts.botToken ?? "",
    handOff: async (job: SlackJob) => queue.push(job),
    deps: { log, config: opts.deps.config },
    ...(opts.botId ? { botId: opts.botId } : {}),
    ...(opts.botUserId ? { botUserId: opts.botUserId } : {}),
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    // with the bot's ids given there is nothing to learn from auth.test; otherwise check the token early
    verifyToken: !!opts.botToken && !(opts.botId && opts.botUserId),
    logLevel: opts.logLevel ?? LogLevel.WARN,
  };

  // --- Socket Mode --------------------------------------------------------------------------------
  if (socketMode) {
    const receiver = new SocketModeReceiver({
      appToken: opts.appToken!,
      logLevel: opts.logLevel ?? LogLevel.WARN,
      ...(opts.slackApiUrl ? { installerOptions: { clientOptions: { slackApiUrl: slackApiBase(opts.slackApiUrl) } } } : {}),
    });
    guardSocketMode(receiver, log);
    const app: App = createSlackApp({ ...appOptions, receiver });
    await app.start();
    print("sst-state: connected to Slack over Socket Mode.");
    return {
      url: "socket-mode",
      mode: "socket",
      drain: () => queue.drain(),
      pending: () => queue.pending,
      close: async () => {
        await app.stop();
        await queue.drain();
      },
    };
  }

  // --- HTTP ---------------------------------------------------------------------------------------
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret!,
    endpoints: "/slack/events",
    // `handle` below verifies every request (refuseSlackRequest) before it reaches the receiver, so
    // Bolt does not compute the same HMAC again (HTTPReceiver.js L307 in Bolt 5.1.0 passes this flag
    // to the body parser's verification)
    signatureVerification: false,
    logLevel: opts.logLevel ?? LogLevel.WARN,
    // The default handler would answer 404 with a log line; keep it quiet.
    unhandledRequestTimeoutMillis: 3001,
  });
  createSlackApp({ ...appOptions, receiver });
  // Every request passes one boundary: read the body (bounded), check the signature and the
  // freshness, check the body's shape (request-guard.ts), and only then hand it to Bolt with the
  // body already buffered. Whatever throws is logged and answered 500; the process keeps serving.
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.page?.(req, res)) return;
    if (health(req, res, "ok\n")) return;
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "POST" || path !== "/slack/events") {
      req.resume();
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (!isFreshTimestamp(req.headers["x-slack-request-timestamp"])) {
      req.resume();
      res.writeHead(401).end();
      return;
    }
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === undefined) {
      res.writeHead(413, { connection: "close" }).end();
      return;
    }
    const refused = refuseSlackRequest(
      opts.signingSecret!,
      { signature: header(req, "x-slack-signature"), timestamp: header(req, "x-slack-request-timestamp"), contentType: header(req, "content-type") },
      raw.toString("utf8"),
    );
    if (refused?.status === 401) {
      res.writeHead(401).end();
      return;
    }
    if (refused) {
      log.warn("refused a signed request that is not one Slack sends", { why: refused.why });
      res.writeHead(400, { "content-type": "text/plain" }).end(`bad request: ${refused.why}\n`);
      return;
    }
    // Bolt reads `rawBody` when it is already there (HTTPModuleFunctions.bufferIncomingMessage)
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    receiver.requestListener(req, res);
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.error("request failed", { error: String(e) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  const url = await listen(server, port, host);
  print(`sst-state: listening on ${url}/slack/events`);
  return {
    url,
    mode: "http",
    drain: () => queue.drain(),
    pending: () => queue.pending,
    close: async () => {
      await closeServer(server);
      await queue.drain();
    },
  };
}
