/**
 * mrkdwn helpers. Everything that comes from state (URNs, commands, error messages, reasons) goes
 * through `esc` or `code`, so that `<`, `>` and `&` cannot form links or mentions.
 */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Inline code. Backticks inside cannot be escaped in mrkdwn, so they become ʼ. */
export function code(s: string): string {
  const t = esc(s).replace(/`/g, "\u02BC").replace(/\n/g, " ");
  return "`" + (t || " ") + "`";
}

/** A Slack user id becomes a mention; anything else is shown as code. */
export function who(holder: string): string {
  if (/^<@[UW][A-Z0-9]+>$/.test(holder)) return holder;
  if (/^[UW][A-Z0-9]{2,}$/.test(holder)) return `<@${holder}>`;
  return code(holder);
}

/** "2h 13m", "45s", "3d 4h" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "2026-03-01 14:05 UTC (3h ago)"; "unknown" for null/invalid. */
export function formatTime(iso: string | null | undefined, now?: number): string {
  if (!iso) return "unknown";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return esc(iso);
  const abs = new Date(t).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  if (now === undefined) return abs;
  const delta = now - t;
  return delta >= 0 ? `${abs} (${formatDuration(delta)} ago)` : `${abs} (in ${formatDuration(-delta)})`;
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
