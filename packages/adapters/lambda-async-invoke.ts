/**
 * One Lambda call, without the Lambda client: an async invoke (Invoke with
 * `X-Amz-Invocation-Type: Event`: Lambda queues the payload and answers 202 at once), signed with
 * SigV4 (sigv4.ts: node:crypto, the same headers as the SDK's signer).
 *
 * Why it exists: the Slack ingress Lambda must ack within Slack's 3 s, and its cold start is on
 * that path (target ≤ 150 ms from process start to the first ack, issue "Performance" goal 5). `@aws-sdk/client-lambda` was
 * ~535 KB of the 691 KB ingress bundle and ~110 ms of its ~165 ms load time (the bundle without it:
 * 172 KB, 65 ms), for a single operation. This file is that operation and nothing else: no other
 * Lambda API, no credential chain beyond explicit keys and the environment Lambda provides
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), no endpoint rules beyond
 * `https://lambda.<region>.amazonaws.com` or AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL. Anything
 * more belongs to the SDK client.
 *
 * The request goes through node:http(s), not the global `fetch`: Node loads its fetch (undici) on
 * first use, which measured 65–115 ms for the first request here against ~22 ms for node:http, and
 * the invoke runs before Bolt returns the ack. Like the SDK, a throttled (429), failed (5xx) or
 * unreachable attempt (e.g. a kept-alive connection that Lambda closed while the sandbox was
 * frozen) is retried once, within the same timeout (the worker de-duplicates jobs).
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { escapeUri, signV4, type SigV4Credentials as AwsCredentials } from "./sigv4.ts";

/** The part of `fetch` used here; the global `fetch` fits. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface LambdaAsyncInvokerOptions {
  /** default: AWS_REGION, AWS_DEFAULT_REGION; with a local endpoint and neither, us-east-1 */
  region?: string;
  /** default: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, read at each invoke */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** default: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, else https://lambda.<region>.amazonaws.com */
  endpoint?: string;
  env?: Record<string, string | undefined>;
  /** default: a small node:http(s) client (see the header) */
  fetch?: FetchLike;
  /** for the whole invoke, retry included (default 3 s: Slack's ack window) */
  timeoutMs?: number;
  /** attempts including the first (default 2) */
  maxAttempts?: number;
}

export interface LambdaAsyncInvoker {
  /** Queue `payload` (as JSON) for `functionName` (name, ARN or partial ARN); resolves on 202. */
  invoke(functionName: string, payload: unknown): Promise<void>;
}

/** An async invoke that Lambda did not accept, or that did not get an answer. */
export class LambdaInvokeError extends Error {
  readonly functionName: string;
  /** the HTTP status, undefined when there was no answer */
  readonly status: number | undefined;
  /** AWS's error code (AccessDeniedException, ResourceNotFoundException, …), or "Timeout" / "NetworkError" */
  readonly code: string | undefined;
  readonly hint: string;
  constructor(functionName: string, what: string, opts: { status?: number; code?: string; hint: string; cause?: unknown }) {
    super(`async invoke of ${functionName} ${what}. ${opts.hint}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "LambdaInvokeError";
    this.functionName = functionName;
    this.status = opts.status;
    this.code = opts.code;
    this.hint = opts.hint;
  }
}

export function createLambdaAsyncInvoker(opts: LambdaAsyncInvokerOptions = {}): LambdaAsyncInvoker {
  const env = opts.env ?? process.env;
  const send = opts.fetch ?? nodeFetch;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 2);

  const credentials = async (): Promise<AwsCredentials> => {
    if (typeof opts.credentials === "function") return opts.credentials();
    if (opts.credentials) return opts.credentials;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(
        "No AWS credentials for the async invoke: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set. Lambda sets them from the function's role; elsewhere, set them (profiles and SSO are not read here).",
      );
    }
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  };

  // Region and endpoint are read at each invoke too (cheap), so `env` may be filled after creation.
  const target = () => {
    const configured = opts.endpoint || env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL || undefined;
    const region = opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || (configured ? "us-east-1" : undefined);
    if (!region) throw new Error("No AWS region for the async invoke: set AWS_REGION (Lambda sets it), or pass an endpoint.");
    return { region, endpoint: configured ?? `https://lambda.${region}.amazonaws.com` };
  };

  return {
    async invoke(functionName, payload) {
      const { region, endpoint } = target();
      const base = new URL(endpoint);
      // the name as a path label, encoded as the SDK encodes one (RFC 3986: an ARN's `:` is %3A)
      const path = `${base.pathname.replace(/\/+$/, "")}/2015-03-31/functions/${escapeUri(functionName)}/invocations`;
      const body = JSON.stringify(payload) ?? "null";
      const signal = AbortSignal.timeout(timeoutMs);

      let lastError: LambdaInvokeError | undefined;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        if (attempt > 1) await new Promise((r) => setTimeout(r, 50 * attempt));
        if (signal.aborted) break;
        // Signed per attempt: x-amz-date is part of the signature.
        const signed = signV4(
          { method: "POST", path, headers: { host: base.host, "content-type": "application/json", "x-amz-invocation-type": "Event" }, body },
          { credentials: await credentials(), region, service: "lambda" },
        );
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(signed)) if (k !== "host") headers[k] = v; // the client sends Host from the URL
        // Lambda's recursive-loop detection and X-Ray follow this header (the SDK adds it too); unsigned.
        if (env.AWS_LAMBDA_FUNCTION_NAME && env._X_AMZN_TRACE_ID) headers["x-amzn-trace-id"] = env._X_AMZN_TRACE_ID;

        let status: number;
        let text: string;
        let errorType: string | null;
        try {
          const res = await send(`${base.origin}${path}`, { method: "POST", headers, body, signal });
          status = res.status;
          errorType = res.headers.get("x-amzn-errortype");
          text = await res.text();
        } catch (e) {
          lastError = signal.aborted
            ? new LambdaInvokeError(functionName, `got no answer from ${base.origin} within ${timeoutMs} ms`, {
                code: "Timeout",
                hint: "Check the network path to Lambda (a VPC function needs a NAT gateway or a Lambda VPC endpoint) and AWS_ENDPOINT_URL_LAMBDA.",
                cause: e,
              })
            : new LambdaInvokeError(functionName, `could not reach ${base.origin} (${(e as Error)?.message ?? String(e)})`, {
                code: "NetworkError",
                hint: "Check the network path to Lambda, AWS_REGION and AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL.",
                cause: e,
              });
          if (signal.aborted) break;
          continue;
        }
        if (status === 202) return;
        const { code, message } = awsError(errorType, text);
        lastError = new LambdaInvokeError(functionName, `answered ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`, {
          status,
          ...(code ? { code } : {}),
          hint: hintFor(status, code, functionName, region),
        });
        if (status !== 429 && status < 500) break;
      }
      throw lastError ?? new LambdaInvokeError(functionName, `got no answer within ${timeoutMs} ms`, { code: "Timeout", hint: "Check the network path to Lambda." });
    },
  };
}

/**
 * AWS's error code and message from a REST-JSON error answer: the code in the x-amzn-ErrorType
 * header, else `__type` / `code` in the body; the message in `message` / `Message`
 * (Lambda answers e.g. `{"Type":"User","message":"Function not found: …"}`).
 */
function awsError(errorType: string | null, text: string): { code: string | undefined; message: string | undefined } {
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  let body: Record<string, unknown> = {};
  let plain: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    plain = text.trim().slice(0, 300) || undefined; // not JSON: the text itself is the message
  }
  const rawCode = str(errorType) ?? str(body.__type) ?? str(body.code) ?? str(body.Code);
  // "AccessDeniedException:http://internal…" / "com.amazonaws.lambda#ResourceNotFoundException"
  const code = rawCode?.split(":")[0]?.split("#").pop();
  const message = str(body.message) ?? str(body.Message) ?? plain;
  return { code: code || undefined, message: message?.replace(/\.+$/, "") };
}

function hintFor(status: number, code: string | undefined, functionName: string, region: string): string {
  switch (code) {
    case "AccessDeniedException":
    case "AccessDenied":
      return `Allow lambda:InvokeFunction on ${functionName} for this function's role (in SST, link the worker to the ingress in infra/bot.ts).`;
    case "ResourceNotFoundException":
      return `Check that ${functionName} is deployed in ${region} (SST_STATE_WORKER_FUNCTION or the SlackWorker link).`;
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "IncompleteSignatureException":
    case "MissingAuthenticationTokenException":
    case "ExpiredTokenException":
      return "Check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), AWS_REGION and the clock.";
    case "TooManyRequestsException":
      return "Lambda throttled the invoke: raise the worker's reserved concurrency or the account's limit; Slack retries the command.";
    case "RequestTooLargeException":
      return "The job is larger than an async invoke accepts; report it (jobs are small).";
  }
  if (status === 403) return `Allow lambda:InvokeFunction on ${functionName} for this function's role, and check the credentials.`;
  if (status === 404) return `Check that ${functionName} is deployed in ${region} and AWS_ENDPOINT_URL_LAMBDA, if set.`;
  if (status >= 500) return "Lambda failed to queue the invoke; Slack retries the command.";
  return "See the errors of Lambda's Invoke API for this status.";
}

/** `fetch`'s shape over node:http(s) (keep-alive: Node's default agents keep connections). */
const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const headers = { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) };
    const req = request(url, { method: init.method, headers, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const get = (name: string) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
        };
        resolve({ status: res.statusCode ?? 0, headers: { get }, text: async () => text });
      });
    });
    req.on("error", reject);
    req.end(init.body);
  });
