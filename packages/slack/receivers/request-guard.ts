/**
 * The boundary in front of Bolt: a request whose signature is right but whose body is not one of
 * the shapes Slack sends is answered 400 here, before Bolt sees it. Bolt 5.1 reads
 * `body.ssl_check` of whatever the body parses to, so `payload=null` (or a JSON body `null`)
 * throws outside any handler and takes the process down; `actions: null` gives 500 and
 * `payload=[]` waits 3 s for an ack that never comes. Checked here:
 *
 * - a form body: `ssl_check`, or a slash command (`command` starting with `/`, `user_id`,
 *   `response_url` strings, `text` a string when present), or `payload` = a JSON object with a
 *   `type` of `block_actions` (the only interactivity the app has), with `user.id` a string and `actions` a non-empty array of
 *   objects with a string `action_id` and `type` (and `value` a string when present);
 * - a JSON body (events, `url_verification`): an object with a string `type`.
 *
 * Used by `serve` (HTTP) and the Lambda ingress, after the signature check and before Bolt; and
 * by `serve` over Socket Mode (`checkSocketModeMessage`), where the same shapes arrive as the
 * `payload` of an envelope on the WebSocket (Bolt's socket client reads `payload.event.type` of an
 * `events_api` envelope before any handler, so a `null` payload would throw outside every handler).
 *
 * `isFreshTimestamp` and `refuseSlackRequest` are the HTTP boundary itself, one code for both
 * receivers: `serve` (receivers/serve.ts) and the Lambda ingress (packages/functions/ingress.ts).
 */
import { isValidSlackRequest } from "@slack/bolt";

/** Slack's own bodies are small; anything above this is not Slack's. */
export const MAX_BODY_BYTES = 1_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // also a RangeError from absurd nesting
  }
}

function checkActionsPayload(p: Record<string, unknown>): string | undefined {
  if (!isObject(p.user) || !isString(p.user.id)) return "block_actions without user.id";
  if (!Array.isArray(p.actions) || p.actions.length === 0) return "block_actions without actions";
  for (const a of p.actions) {
    if (!isObject(a) || !isString(a.action_id) || !isString(a.type)) return "an action without action_id or type";
    if (a.value !== undefined && !isString(a.value)) return "an action value that is not a string";
  }
  if (p.response_url !== undefined && !isString(p.response_url)) return "response_url is not a string";
  if (p.channel !== undefined && !isObject(p.channel)) return "channel is not an object";
  if (p.container !== undefined && !isObject(p.container)) return "container is not an object";
  if (p.team !== undefined && !isObject(p.team)) return "team is not an object";
  return undefined;
}

/** A slash command's fields (form fields over HTTP, the payload's keys over Socket Mode). */
function checkSlashCommand(get: (key: string) => unknown): string | undefined {
  const command = get("command");
  if (!isString(command) || !command.startsWith("/")) return "neither a slash command nor a payload";
  const user = get("user_id");
  if (!isString(user) || !user || !isString(get("response_url"))) return "a slash command without user_id or response_url";
  const text = get("text");
  if (text !== undefined && text !== null && !isString(text)) return "a slash command whose text is not a string";
  return undefined;
}

/** An interactivity payload: buttons are the only interactivity the app has. */
function checkInteractivePayload(parsed: unknown): string | undefined {
  if (!isObject(parsed) || !isString(parsed.type)) return "a payload that is not an object with a type";
  // Bolt would leave anything else unanswered
  if (parsed.type !== "block_actions") return `a payload of type ${JSON.stringify(parsed.type.slice(0, 40))}, which sst-state does not handle`;
  return checkActionsPayload(parsed);
}

/** Slack allows 5 minutes of clock skew either way; Bolt checks only the past. */
export function isFreshTimestamp(header: string | string[] | undefined, nowMs: number = Date.now()): boolean {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return true; // missing: the signature check below refuses it
  const ts = Number(v);
  return Number.isFinite(ts) && Math.abs(nowMs / 1000 - ts) <= 300;
}

/**
 * What to answer a request whose timestamp is fresh (checked first, before the body is read), once
 * its body is buffered: 401 when Slack did not sign it (v0 HMAC of `v0:<ts>:<body>` with the
 * signing secret), 400 with the reason when it is signed but not a body Slack sends, undefined when
 * Bolt may have it.
 */
export function refuseSlackRequest(
  signingSecret: string,
  headers: { signature: string | undefined; timestamp: string | undefined; contentType: string | undefined },
  body: string,
): { status: 401 } | { status: 400; why: string } | undefined {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isFinite(timestamp)) return { status: 401 };
  if (!isValidSlackRequest({ signingSecret, body, headers: { "x-slack-signature": headers.signature, "x-slack-request-timestamp": timestamp } })) return { status: 401 };
  const why = checkSlackBody(headers.contentType, body);
  return why ? { status: 400, why } : undefined;
}

/** Why the body is not one Slack sends, or undefined when it is. */
function checkSlackBody(contentType: string | undefined, body: string): string | undefined {
  if ((contentType ?? "").toLowerCase().includes("application/json")) {
    const parsed = parseJson(body);
    if (!isObject(parsed) || !isString(parsed.type)) return "a JSON body that is not an object with a type";
    if (parsed.type === "url_verification" && !isString(parsed.challenge)) return "url_verification without a challenge";
    return undefined;
  }
  const form = new URLSearchParams(body);
  if (form.get("ssl_check") !== null) return undefined;
  const payload = form.get("payload");
  if (payload !== null) return checkInteractivePayload(parseJson(payload));
  return checkSlashCommand((k) => form.get(k) ?? undefined);
}

/**
 * A Socket Mode message (the text of one WebSocket frame): `hello` and `disconnect` from Slack, or
 * an envelope `{envelope_id, type, payload}` of type `slash_commands`, `interactive` or
 * `events_api` whose payload has the shape its HTTP twin must have. `envelopeId` is returned
 * whenever there is one, so a refused envelope can still be acknowledged (else Slack resends it).
 */
export function checkSocketModeMessage(text: string): { why?: string; envelopeId?: string } {
  const m = parseJson(text);
  if (!isObject(m) || !isString(m.type)) return { why: "a message that is not an object with a type" };
  if (m.type === "hello" || m.type === "disconnect") return {};
  const envelopeId = isString(m.envelope_id) && m.envelope_id ? m.envelope_id : undefined;
  const refuse = (why: string) => (envelopeId ? { why, envelopeId } : { why });
  if (!envelopeId) return refuse(`a ${JSON.stringify(m.type.slice(0, 40))} message without an envelope_id`);
  const p = m.payload;
  if (!isObject(p)) return refuse("an envelope whose payload is not an object");
  let why: string | undefined;
  if (m.type === "slash_commands") why = checkSlashCommand((k) => p[k]);
  else if (m.type === "interactive") why = checkInteractivePayload(p);
  else if (m.type === "events_api") why = isObject(p.event) && isString(p.event.type) ? undefined : "an events_api envelope without an event type";
  else why = `an envelope of type ${JSON.stringify(m.type.slice(0, 40))}, which sst-state does not handle`;
  return why ? refuse(why) : { envelopeId };
}
