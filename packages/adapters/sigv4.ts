/**
 * AWS Signature Version 4 for one request, with node:crypto: the canonical request, the string to
 * sign and the HMAC chain of AWS's "Create a signed AWS API request", written to give exactly the
 * headers of the SDK's own signer (@smithy/signature-v4 5.x, SignatureV4.signRequest with its
 * defaults: `uriEscapePath` and `applyChecksum` true) for a request without a query string; the
 * tests sign the same requests with both and compare.
 *
 * Why not the SDK's signer: the Slack ingress signs one async invoke on its cold start (target
 * ≤ 150 ms from process start to the first ack), and the signer with @smithy/core's checksum and
 * serde modules was ~25 KB of its bundle and ~4 ms of its start, for this one function.
 *
 * What the SDK's signer does, in the order it does it (SignatureV4.js signRequest, SignatureV4Base.js,
 * getCanonicalHeaders.js, getPayloadHash.js, constants.js; @smithy/core's HttpRequest):
 * - a path without a leading `/` gets one, an empty path is `/`;
 * - `authorization`, `x-amz-date` and `date` given by the caller are dropped (prepareRequest);
 * - `x-amz-date` (YYYYMMDD'T'HHMMSS'Z'), then `x-amz-security-token` with a session token, then
 *   `x-amz-content-sha256` (the hex SHA-256 of the body) are set; a caller's own
 *   `x-amz-content-sha256` (e.g. UNSIGNED-PAYLOAD) is kept and signed as the payload's hash;
 * - every header is signed but the always-unsignable ones (authorization, user-agent, …), `proxy-*`
 *   and `sec-*`; names lower-cased, values with CR/LF made spaces, runs of blanks made one, ends
 *   trimmed;
 * - the path is normalised (empty and `.` segments dropped, `..` pops) and URI-encoded once more
 *   (`%2F` back to `/`): a path label already encoded (`%3A`) is signed as `%253A`;
 * - key = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 */
import { createHash, createHmac } from "node:crypto";

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  /** the path as sent, its labels already encoded; no query string */
  path: string;
  /** `host` included */
  headers: Record<string, string>;
  body: string;
}

// @smithy/signature-v4 constants.js ALWAYS_UNSIGNABLE_HEADERS, PROXY_HEADER_PATTERN, SEC_HEADER_PATTERN
const UNSIGNABLE = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);
const GENERATED = new Set(["authorization", "x-amz-date", "date"]);

const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s, "utf8").digest();

/** RFC 3986 encoding as @smithy/core's escapeUri: encodeURIComponent, and !'()* too. */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

/** SigV4's date: YYYYMMDD'T'HHMMSS'Z' (@smithy/signature-v4 SignatureV4Base.js formatDate). */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** The request's headers with x-amz-date, the session token, the payload hash and the Authorization header. */
export function signV4(request: SigV4Request, o: { credentials: SigV4Credentials; region: string; service: string; now?: Date }): Record<string, string> {
  const { accessKeyId, secretAccessKey, sessionToken } = o.credentials;
  // as the SDK's validateResolvedCredentials: never sign with a missing key
  if (typeof accessKeyId !== "string" || typeof secretAccessKey !== "string") throw new Error("Resolved credential object is not valid");
  const longDate = amzDate(o.now ?? new Date());
  const shortDate = longDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (!GENERATED.has(name.toLowerCase())) headers[name] = value;
  headers["x-amz-date"] = longDate;
  if (sessionToken) headers["x-amz-security-token"] = sessionToken;
  const given = Object.keys(headers).find((n) => n.toLowerCase() === "x-amz-content-sha256");
  const payloadHash = given !== undefined ? headers[given]! : sha256Hex(request.body);
  if (given === undefined) headers["x-amz-content-sha256"] = payloadHash;

  const canonical = new Map<string, string>();
  // in the SDK's order (sorted as given), so that of two names differing only in case the same one wins
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase();
    if (UNSIGNABLE.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) continue;
    canonical.set(lower, headers[name]!.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, ""));
  }
  const names = [...canonical.keys()].sort();
  const signedHeaders = names.join(";");
  // method, path, query (none), one line per header, a blank line, the signed names, the payload hash
  const path = !request.path ? "/" : request.path.startsWith("/") ? request.path : `/${request.path}`;
  const canonicalRequest = [request.method, canonicalPath(path), "", ...names.map((n) => `${n}:${canonical.get(n)}`), "", signedHeaders, payloadHash].join("\n");
  const scope = `${shortDate}/${o.region}/${o.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", longDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), o.region), o.service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
