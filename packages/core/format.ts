/**
 * Words for times, durations and people, in one place: the CLI, Slack messages, lock
 * announcements and diagnoses all print them through here, so they read the same everywhere.
 * Pure (the ingress bundle parses `--ttl` through it); people are escaped by the one escaping
 * function (text/mrkdwn.ts).
 */
import { UsageError } from "./errors.ts";
import { code, esc } from "./text/mrkdwn.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The duration grammar of `--ttl` and sst-state.json: a whole number and a unit (`90s`, `30m`, `2h`, `1d`). */
export const DURATION_PATTERN = /^(\d{1,9})(ms|s|m|h|d)$/;

/** "30m" → 1_800_000; undefined when the text is not a duration. */
export function durationMs(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** The longest delay setTimeout keeps (a longer one fires at once): a bound for durations that set a timer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long a stopping `serve` waits for what runs (SST_STATE_STOP_GRACE): under the 10 s `docker stop` waits before it kills, so serve still says what it left. */
export const DEFAULT_STOP_GRACE = "8s";

export const DURATION_HINT = 'Write a number and a unit: "90s", "30m", "2h", "1d".';

/**
 * An environment variable that sets a timer (`name`; `fallback` when unset): a duration from
 * `minMs` to MAX_TIMER_MS, since setTimeout fires a longer delay at once (the opposite of asked).
 * Anything else is a UsageError that names the variable; `shape` says what it takes.
 */
export function timerEnvMs(env: NodeJS.ProcessEnv, name: string, opts: { fallback: string; minMs: number; shape: string }): number {
  const text = env[name] || opts.fallback;
  const ms = durationMs(text);
  if (ms === undefined || ms < opts.minMs || ms > MAX_TIMER_MS) throw new UsageError(`${name} must be a duration ${opts.shape}, not "${text}".`, DURATION_HINT);
  return ms;
}

/** 45_000 → "45 s", 1_020_000 → "17 min", 7_500_000 → "2 h 5 min", 3 days → "3 d". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h < 48) return m ? `${h} h ${m} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** "12:03" in `timeZone` (default UTC). */
export function formatClockTime(iso: string, timeZone = "UTC"): string {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone }).format(new Date(iso));
}

/** "just now", "3 min ago", "in 12 min", "2 d ago"; "unknown" for a missing time. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return "unknown";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const delta = now - t;
  if (Math.abs(delta) < 5_000) return "just now";
  return delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}

/** ISO → "2026-11-22 14:03" in UTC (stable across machines); "-" for a missing time. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** "2026-03-01 14:05 UTC (3 h ago)" (the relative part only when `now` is given); "unknown" for a missing time. */
export function formatTime(iso: string | null | undefined, now?: number): string {
  if (!iso) return "unknown";
  if (Number.isNaN(Date.parse(iso))) return iso;
  const abs = `${shortTime(iso)} UTC`;
  if (now === undefined) return abs;
  const rel = relativeTime(iso, now);
  return `${abs} (${rel})`;
}

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const SLACK_MENTION = /^<@([UW][A-Z0-9]{2,})(\|[^<>]*)?>$/;

/**
 * A holder, requester or approver: a Slack user id (`U0ALICE`, `<@U0ALICE>`) becomes a mention of
 * that one user; anything else (a CI identity, `user@host`, a forged `<!channel>`) is escaped text.
 */
export function who(identity: string, opts: { asCode?: boolean } = {}): string {
  const m = SLACK_MENTION.exec(identity.trim());
  if (m) return `<@${m[1]}>`;
  if (SLACK_USER.test(identity.trim())) return `<@${identity.trim()}>`;
  return opts.asCode ? code(identity) : esc(identity);
}

/** An elapsed time to the second, as a deploy's duration: 130_000 → "2m 10s", 45_000 → "45s", 3_780_000 → "1h 3m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  const r = s % 60;
  return r ? `${m}m ${r}s` : `${m}m`;
}

/**
 * A status's resource types, most resources first, ties by name in code-unit order. Not
 * localeCompare: its first call loads a collator, ~12 ms of a `status` start here, and type
 * tokens (`aws:s3/bucket:Bucket`) are ASCII.
 */
export function typesByCount(types: Record<string, number>): [string, number][] {
  return Object.entries(types).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
