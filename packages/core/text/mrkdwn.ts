/**
 * The one escaping function for everything user- or state-derived that reaches Slack (reasons,
 * holders, CI variables, stage and app names, URNs, error messages), in `text`, in blocks, in
 * fallbacks and in file names.
 *
 * Slack parses `<…>` in message text as links and mentions (`<!channel>`, `<!here>`, `<@U…>`,
 * `<https://x|label>`), and `&` starts an entity; it documents that exactly these three characters
 * must be escaped (`&amp;`, `&lt;`, `&gt;`), and that nothing else needs to be. With them escaped,
 * no user text can ping a channel or render a link. Control and bidirectional-text characters
 * become "?" (core/text/controls.ts), so no text reads in another order than it was written. Every
 * other helper here builds on `esc`.
 */
import { CONTROL, withoutControls } from "./controls.ts";

export function esc(s: string): string {
  return withoutControls(String(s)).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Inline code. Backticks inside cannot be escaped in mrkdwn, so they become ʼ. */
export function code(s: string): string {
  const t = esc(s).replace(/`/g, "\u02BC").replace(/\n/g, " ");
  return "`" + (t || " ") + "`";
}

/**
 * A link only for a real http(s) URL; its characters that would end the link (`|`, `>`) or form
 * an entity are percent-encoded. Anything else is shown as escaped text.
 */
export function link(url: string, label: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return esc(`${label} (${url})`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return esc(`${label} (${url})`);
  const href = u.href.replace(/[|<> ]/g, (c) => encodeURIComponent(c)).replace(/&/g, "&amp;");
  return `<${href}|${esc(label).replace(/\|/g, "¦")}>`;
}

const UNSAFE_IN_FILE_NAME = new RegExp(`[<>&|/\\\\:\\t\\n]|${CONTROL}`, "g");
/** A name safe as a Slack file name: no markup, no path separators, no control or text-direction characters (`evil\u202Etxt.exe`). */
export function safeFileName(name: string): string {
  const cleaned = name.replace(UNSAFE_IN_FILE_NAME, "_").replace(/^\.+/, "_");
  return cleaned.slice(0, 200) || "file";
}

/** The marker a cut text ends with, saying where the rest is. */
export const CUT_MARKER = "… (full text in the thread/file)";

/** `s` cut to at most `max` characters, ending with `marker` when cut. */
export function clip(s: string, max: number, marker = "…"): string {
  if (s.length <= max) return s;
  return s.slice(0, Math.max(0, max - marker.length)) + marker;
}
