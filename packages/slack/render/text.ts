/**
 * mrkdwn helpers. Everything that comes from state (URNs, commands, error messages, reasons) goes
 * through `esc` or `code` (core/text/mrkdwn.ts: the one escaping function), so that `<`, `>` and
 * `&` cannot form links or mentions.
 */
import { formatClockTime, formatDuration, formatTime as formatTimeWords, who as whoText } from "@sst-state/core/format";
export { esc, code, link, safeFileName } from "@sst-state/core/text/mrkdwn";
import { code, esc } from "@sst-state/core/text/mrkdwn";

/** A Slack user id becomes a mention; anything else is shown as code. */
export function who(holder: string): string {
  return whoText(holder, { asCode: true });
}

/** "2026-03-01 14:05 UTC (3 h ago)"; "unknown" for null; anything unreadable as given, escaped. */
export function formatTime(iso: string | null | undefined, now?: number): string {
  return esc(formatTimeWords(iso, now));
}

export { formatDuration };

/** Slack renders `<!date^…>` in the reader's own time zone; the fallback text is "12:03 UTC". */
export function slackDate(iso: string): string {
  const secs = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${secs}^{time}|${formatClockTime(iso)} UTC>`;
}

/** `urn:pulumi:prod::shop::sst:aws:Function$aws:lambda/function:Function::Api` → name and own type. */
export function urnParts(urn: string): { name: string; type: string } {
  const parts = urn.split("::");
  if (parts.length < 4 || !urn.startsWith("urn:pulumi:")) return { name: urn, type: "" };
  const types = parts[2]!.split("$");
  return { name: parts.slice(3).join("::"), type: types[types.length - 1] ?? "" };
}

/** A resource for a list line: `Api` (aws:lambda/function:Function). */
export function resourceLabel(urn: string): string {
  const { name, type } = urnParts(urn);
  return type ? `${code(name)} ${esc(type)}` : code(name);
}

export function plural(n: number, one: string, many = one + "s"): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/**
 * The notification text of a mrkdwn line (what a phone or a screen reader shows): emoji codes
 * (`:white_check_mark:`), bold and code markers go; everything else stays, colons in
 * `17:25 UTC` and `acme-shop/prod: …` included, and escaped `&lt;` `&gt;` `&amp;` read as themselves.
 */
export function plainFallback(mrkdwn: string): string {
  return mrkdwn
    .replace(/(^|\s):[a-z0-9_+-]+:(?=\s|$)/g, "$1")
    .replace(/[*`]/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .trim();
}
