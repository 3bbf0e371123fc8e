/**
 * TableClient for the embedded store: DynamoDB's JSON protocol over loopback HTTP to dynalite,
 * without the SDK (table-client.ts says why); the store's owner exchanges the same JSON with
 * dynalite in its own process (dynalite-direct.cjs, `createExchangeTableClient`). The protocol, as dynalite 4.0.0 reads it
 * (node_modules/dynalite/index.js, httpHandler from L210):
 *
 *   POST /   Content-Type: application/x-amz-json-1.0                       (L259–271)
 *            X-Amz-Target: DynamoDB_20120810.<Operation>                    (L285–288)
 *            Authorization: AWS4-… with Credential, Signature and SignedHeaders, plus X-Amz-Date
 *                                                                           (L290–341)
 *   200      the operation's output as JSON
 *   4xx/5xx  {"__type":"com.amazonaws.dynamodb.v20120810#<Code>","message":"…"}, or
 *            com.amazon.coral.service#<Code> for protocol errors (L277, L288)      (sendData, L197)
 *
 * dynalite checks that the Authorization header is there and well-formed, never the signature
 * (its comments from L343 list the checks it leaves out), so the header names a fixed local key and
 * carries no signature: nothing secret is involved, and this client refuses any endpoint that is
 * not loopback. Errors come back as an Error whose `name` is the code after `#` and whose
 * `$metadata.httpStatusCode` is the status, as the SDK's exceptions are shaped; the other fields
 * of the error body (a failed condition's `Item`) are kept on it. A connection that fails keeps
 * Node's `code` (ECONNREFUSED, ECONNRESET), which the embedded store's routing reads.
 *
 * Binary attributes (`B`, `BS`) are not encoded: the SDK base64-encodes them, this client would
 * send a Uint8Array as an object. No store writes one; a store that starts to must encode it here.
 */
import type { Agent } from "node:http";
import { createRequire } from "node:module";
import { amzDate } from "./sigv4.ts";
import type { TableClient, TableInput, TableOperation, TableOutput } from "./table-client.ts";

interface JsonTableClientOptions {
  /** the dynalite endpoint (`http://127.0.0.1:<port>`), read at every call: it may move */
  endpoint: () => string;
  /** TCP connect timeout (default 3 s) */
  connectTimeoutMs?: number;
  /** whole-request timeout (default 5 s) */
  requestTimeoutMs?: number;
}

export interface JsonTableClient extends TableClient {
  /** Close the kept-alive connections. */
  destroy(): void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** An http URL on this machine: all the embedded store ever listens on or publishes. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && LOOPBACK.has(url.hostname);
}

/** An answer of the server that is not a success, shaped like the SDK's service exceptions. */
function serviceError(status: number, text: string): Error {
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: the status says it */
  }
  const type = typeof body.__type === "string" ? body.__type : "";
  const message = typeof body.message === "string" ? body.message : typeof body.Message === "string" ? body.Message : text.slice(0, 200) || `HTTP ${status}`;
  const { __type: _type, message: _m, Message: _M, ...rest } = body;
  const e = Object.assign(new Error(message), rest, { $metadata: { httpStatusCode: status }, $fault: status >= 500 ? "server" : "client" });
  e.name = type.slice(type.lastIndexOf("#") + 1) || (status >= 500 ? "InternalServerError" : `HTTP${status}`);
  return e;
}

function timeoutError(what: string): Error {
  const e = new Error(what);
  e.name = "TimeoutError";
  return e;
}

/** One exchange with dynalite: the operation and its JSON body out, the status and body text back. */
export type Exchange = (operation: string, body: string) => Promise<{ status: number; text: string }>;

/**
 * The table client over an exchange: over HTTP (below), or with dynalite in this process
 * (dynalite-direct.cjs, which answers as its HTTP handler does), so both read alike.
 */
export function createExchangeTableClient(exchange: Exchange, where: () => string): TableClient {
  return {
    async call<O extends TableOperation>(operation: O, input: TableInput<O>): Promise<TableOutput<O>> {
      const { status, text } = await exchange(operation, JSON.stringify(input));
      if (status !== 200) throw serviceError(status, text);
      try {
        return JSON.parse(text) as TableOutput<O>;
      } catch {
        throw serviceError(502, `${operation}: ${where()} answered 200 with a body that is not JSON: ${text.slice(0, 100)}`);
      }
    },
    where: async () => where(),
  };
}

// node:http is loaded with the first request: the owner of the embedded store sends its own
// requests in-process and may never make one
const requireHere = createRequire(import.meta.url);
let http: typeof import("node:http") | undefined;

export function createJsonTableClient(opts: JsonTableClientOptions): JsonTableClient {
  let agent: Agent | undefined;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 3_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;

  function post(endpoint: string, operation: string, body: string): Promise<{ status: number; text: string }> {
    const url = new URL(endpoint);
    if (!isLoopbackHttp(url)) return Promise.reject(new Error(`the embedded store's client only talks to a loopback http endpoint, not ${endpoint}`));
    http ??= requireHere("node:http") as typeof import("node:http");
    agent ??= new http.Agent({ keepAlive: true });
    const date = amzDate(new Date());
    return new Promise((resolve, reject) => {
      const req = http!.request(
        {
          agent,
          host: url.hostname.replace(/^\[|\]$/g, ""),
          port: Number(url.port) || 80,
          method: "POST",
          path: "/",
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "content-length": Buffer.byteLength(body),
            "x-amz-target": `DynamoDB_20120810.${operation}`,
            "x-amz-date": date,
            authorization: `AWS4-HMAC-SHA256 Credential=embedded/${date.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=none`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () => {
            clearTimeout(whole);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", fail);
        },
      );
      function fail(e: Error) {
        clearTimeout(whole);
        clearTimeout(connecting);
        reject(e);
      }
      const whole = setTimeout(() => req.destroy(timeoutError(`${operation} got no answer from ${endpoint} within ${requestTimeoutMs} ms`)), requestTimeoutMs);
      let connecting: ReturnType<typeof setTimeout> | undefined;
      req.on("socket", (socket) => {
        if (!socket.connecting) return; // a kept-alive connection
        connecting = setTimeout(() => req.destroy(timeoutError(`could not connect to ${endpoint} within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        socket.once("connect", () => clearTimeout(connecting));
      });
      req.on("error", fail);
      req.end(body);
    });
  }

  return {
    ...createExchangeTableClient((operation, body) => post(opts.endpoint(), operation, body), () => `DynamoDB at ${opts.endpoint()}`),
    destroy: () => agent?.destroy(),
  };
}
