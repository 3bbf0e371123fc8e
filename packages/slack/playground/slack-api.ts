/**
 * A local stand-in for Slack's Web API and response_url endpoints, for tests and for running the
 * bot on one machine without a workspace (`serve`'s local Slack page reads what lands here). It
 * implements the methods the bot uses and records every call (method, arguments, token).
 *
 * Every message (chat.postMessage, chat.update, chat.postEphemeral, response_url posts) is checked
 * against Slack's limits (limits-check.ts); one that breaks them is refused the way Slack refuses
 * it (`invalid_blocks`, or `msg_too_long` for the text), and kept in `violations`.
 *
 *   POST /api/<method>               Web API (form-encoded or JSON, token in Authorization)
 *   POST /upload/<fileId>            the upload URL handed out by files.getUploadURLExternal
 *   POST /response/<id>              a response_url (`responseUrl(id)` makes one)
 *
 * Point the bot at it with `SLACK_API_URL=<api.url>` (WebClient's `slackApiUrl`).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { postedMessageViolations } from "./limits-check.ts";

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** what the fake answered */
  result?: Record<string, unknown>;
  /** Slack limits the message broke (it was refused) */
  violations?: string[];
}

export interface LimitViolation {
  /** the Web API method, or `response_url` */
  where: string;
  violations: string[];
  text: string;
}

export interface RecordedResponse {
  id: string;
  body: { response_type?: string; text?: string; blocks?: unknown[]; replace_original?: boolean; [k: string]: unknown };
  /** Slack limits the message broke (it was refused with 400) */
  violations?: string[];
}

export interface RecordedUpload {
  fileId: string;
  filename: string;
  content: string;
}

export interface FakeSlackApi {
  /** Web API base URL, ending in `/api/` */
  readonly url: string;
  readonly origin: string;
  readonly calls: RecordedCall[];
  readonly responses: RecordedResponse[];
  readonly uploads: RecordedUpload[];
  /** every refused message, in order */
  readonly violations: LimitViolation[];
  responseUrl(id?: string): string;
  callsTo(method: string): RecordedCall[];
  /** The next call of `method` answers `{ok:false, error}`. */
  failNext(method: string, error: string): void;
  setUserGroup(groupId: string, users: string[]): void;
  /** Resolve when `probe` returns something other than undefined (checked on every request). */
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** Call `listener` after every request (to read what changed); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  reset(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The file's bytes from an upload: the raw body, or the first part of a multipart form. */
function fileContent(raw: string, contentType: string | undefined): string {
  const m = /multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  if (!m) return raw;
  const boundary = `--${m[1] ?? m[2]}`;
  const part = raw.split(boundary).find((p) => p.includes("\r\n\r\n") && !p.startsWith("--"));
  if (!part) return "";
  const body = part.slice(part.indexOf("\r\n\r\n") + 4);
  return body.endsWith("\r\n") ? body.slice(0, -2) : body;
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if ((v.startsWith("[") || v.startsWith("{")) && ["blocks", "attachments", "files", "view", "metadata"].includes(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the string */
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startFakeSlackApi(opts: { token?: string; port?: number } = {}): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const uploads: RecordedUpload[] = [];
  const violations: LimitViolation[] = [];
  const failures = new Map<string, string[]>();
  const groups = new Map<string, string[]>();
  const pendingFiles = new Map<string, string>(); // fileId → filename
  const waiters = new Set<() => void>();
  let seq = 0;
  let origin = "";

  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const MESSAGE_METHODS = new Set(["chat.postMessage", "chat.update", "chat.postEphemeral"]);
  /** Slack's answer to a message that breaks a limit, or undefined when it is fine. */
  function refusal(where: string, body: { text?: unknown; blocks?: unknown }): { error: string; violations: string[] } | undefined {
    const found = postedMessageViolations(body);
    if (!found.length) return undefined;
    violations.push({ where, violations: found, text: typeof body.text === "string" ? body.text.slice(0, 200) : "" });
    return { error: found.every((v) => v.startsWith("fallback text")) ? "msg_too_long" : "invalid_blocks", violations: found };
  }

  function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    // Slack's ts: epoch seconds and a sequence, unique per channel
    const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, "0")}`;
    switch (method) {
      case "api.test":
        return { ok: true, args };
      case "auth.test":
        return { ok: true, url: "https://acme.slack.com/", team: "acme", user: "sst-state", team_id: "T0TEAM", user_id: "U0BOT", bot_id: "B0BOT" };
      case "chat.postMessage": {
        const t = ts();
        return { ok: true, channel: args.channel, ts: t, message: { text: args.text, ts: t, ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}) } };
      }
      case "chat.update":
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: ts() };
      case "files.getUploadURLExternal": {
        const id = `F0FILE${++seq}`;
        pendingFiles.set(id, String(args.filename ?? "file"));
        return { ok: true, upload_url: `${origin}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal": {
        const files = (Array.isArray(args.files) ? args.files : []) as { id: string; title?: string }[];
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? pendingFiles.get(f.id) ?? "", name: pendingFiles.get(f.id) })) };
      }
      case "views.open":
      case "views.push":
      case "views.update":
      case "views.publish":
        return { ok: true, view: { id: `V0VIEW${++seq}`, ...(typeof args.view === "object" ? (args.view as object) : {}) } };
      case "usergroups.users.list":
        return groups.has(String(args.usergroup)) ? { ok: true, users: groups.get(String(args.usergroup)) } : { ok: false, error: "no_such_subteam" };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = (await readBody(req)).toString("utf8");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === "POST" && url.pathname.startsWith("/api/")) {
        const method = url.pathname.slice("/api/".length);
        const args = parseArgs(raw, req.headers["content-type"]);
        const auth = req.headers.authorization;
        const token = auth?.startsWith("Bearer ") ? auth.slice(7) : typeof args.token === "string" ? args.token : undefined;
        const call: RecordedCall = { method, args, token };
        calls.push(call);
        const queued = failures.get(method);
        const refused = MESSAGE_METHODS.has(method) ? refusal(method, args) : undefined;
        if (queued?.length) call.result = { ok: false, error: queued.shift() };
        else if (opts.token && token !== opts.token) call.result = { ok: false, error: token ? "invalid_auth" : "not_authed" };
        else if (refused) {
          call.violations = refused.violations;
          call.result = { ok: false, error: refused.error, response_metadata: { messages: refused.violations } };
        } else call.result = answer(method, args);
        return send(200, call.result);
      }
      if (req.method === "POST" && url.pathname.startsWith("/upload/")) {
        const fileId = url.pathname.slice("/upload/".length);
        uploads.push({ fileId, filename: pendingFiles.get(fileId) ?? "", content: fileContent(raw, req.headers["content-type"]) });
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end(`OK - ${raw.length}`);
      }
      if (req.method === "POST" && url.pathname.startsWith("/response/")) {
        const id = url.pathname.slice("/response/".length);
        const body = JSON.parse(raw || "{}") as RecordedResponse["body"];
        // delete_original needs no message
        const refused = body.delete_original ? undefined : refusal("response_url", body);
        responses.push({ id, body, ...(refused ? { violations: refused.violations } : {}) });
        res.writeHead(refused ? 400 : 200, { "content-type": "text/plain" });
        return res.end(refused ? refused.error : "ok");
      }
      send(404, { ok: false, error: "not_found" });
    } catch (e) {
      send(500, { ok: false, error: String(e) });
    } finally {
      notify();
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/api/`,
    origin,
    calls,
    responses,
    uploads,
    violations,
    responseUrl: (id = `r${++seq}`) => `${origin}/response/${id}`,
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    setUserGroup(groupId, users) {
      groups.set(groupId, users);
    },
    waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const v = probe();
          if (v === undefined) return false;
          cleanup();
          resolve(v);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake Slack API: condition not met within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(", ") || "none"}, responses: ${responses.length}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(listener);
        };
        const listener = () => void check();
        waiters.add(listener);
        check();
      });
    },
    subscribe(listener) {
      const l = () => listener();
      waiters.add(l);
      return () => void waiters.delete(l);
    },
    reset() {
      calls.length = 0;
      responses.length = 0;
      uploads.length = 0;
      violations.length = 0;
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
