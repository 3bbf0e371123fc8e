/**
 * Slack's Socket Mode end, for tests: `apps.connections.open` answers a `ws://` URL on this
 * server, and the WebSocket there speaks what Slack's does (RFC 6455 text frames; `hello` on
 * connect; pong for the client's pings). `send` delivers an envelope (or any text) to the bot, and
 * `acks` records what the bot answered, by envelope id. Every other request is forwarded to
 * `forwardTo` (the fake Slack Web API), so the bot's Web API calls and `response_url` posts reach
 * it through this origin.
 *
 * Only what Bolt's socket client uses is implemented: unfragmented frames, payloads below 2^32.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeSocketMode {
  /** the Web API base URL, `…/api/` (give it as SLACK_API_URL) */
  url: string;
  /** send one message (an object is sent as JSON) to the connected bot */
  send(message: unknown): void;
  /** the bot's acknowledgements: envelope id → the payload it sent back */
  acks: Map<string, unknown>;
  /** resolve when the bot is connected (after `hello`) */
  connected(): Promise<void>;
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127, 0, 0, 0, 0]), Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])]);
  return Buffer.concat([head, payload]);
}

/** Complete frames at the start of `buf` (client frames are masked), and what is left over. */
function readFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const opcode = buf[at]! & 0x0f;
    const masked = (buf[at + 1]! & 0x80) !== 0;
    let len = buf[at + 1]! & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length < p + 8) break;
      len = buf.readUInt32BE(p + 4);
      p += 8;
    }
    const mask = masked ? buf.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    frames.push({ opcode, payload });
    at = p + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export async function startFakeSocketMode(opts: { forwardTo: string }): Promise<FakeSocketMode> {
  const acks = new Map<string, unknown>();
  const waiters = new Set<() => void>();
  let socket: Socket | undefined;
  let onConnected: () => void = () => {};
  const connected = new Promise<void>((r) => (onConnected = r));
  const sockets = new Set<Socket>();

  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if ((req.url ?? "").startsWith("/api/apps.connections.open")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link` }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
    const body = Buffer.concat(chunks);
    const out = await fetch(`${opts.forwardTo}${req.url}`, { method: req.method ?? "GET", headers, ...(body.length ? { body } : {}) });
    res.writeHead(out.status, { "content-type": out.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await out.arrayBuffer()));
  });
  server.on("upgrade", (req: IncomingMessage, s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}${WS_GUID}`).digest("base64");
    s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket = s;
    let pending: Buffer = Buffer.alloc(0);
    s.on("data", (d: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, d]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x9) s.write(frame(0xa, f.payload));
        else if (f.opcode === 0x8) s.end(frame(0x8, Buffer.alloc(0)));
        else if (f.opcode === 0x1) {
          const m = JSON.parse(f.payload.toString("utf8")) as { envelope_id?: string; payload?: unknown };
          if (m.envelope_id) acks.set(m.envelope_id, m.payload ?? {});
          for (const w of [...waiters]) w();
        }
      }
    });
    s.on("error", () => {});
    s.write(frame(0x1, Buffer.from(JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A0TEST" } }))));
    onConnected();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return {
    url,
    acks,
    connected: () => connected,
    send(message) {
      if (!socket) throw new Error("no bot is connected");
      socket.write(frame(0x1, Buffer.from(typeof message === "string" ? message : JSON.stringify(message))));
    },
    waitForAck(envelopeId, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!acks.has(envelopeId)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(acks.get(envelopeId));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ack for envelope ${envelopeId}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
