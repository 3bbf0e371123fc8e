/** Terminal formatting: colours only on a TTY (and never with NO_COLOR), aligned tables, safe text. Times and durations: @sst-state/core/format. */
import { CONTROL, escapeControls } from "@sst-state/core/text/controls";

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** SGR codes: on, off */
const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const satisfies Record<keyof Style, readonly [number, number]>;
const plain = (s: string) => s;

export function createStyle(color: boolean): Style {
  const style = (name: keyof Style) => {
    const [open, close] = CODES[name];
    return color ? (s: string) => `\u001b[${open}m${s}\u001b[${close}m` : plain;
  };
  return { bold: style("bold"), dim: style("dim"), red: style("red"), green: style("green"), yellow: style("yellow"), cyan: style("cyan") };
}

/** the codes that end every style (bold and dim share one) */
const RESETS = [...new Set(Object.values(CODES).map(([, close]) => close))].map((c) => `\u001b[${c}m`).join("");
/** one of the codes createStyle writes */
const STYLE_CODE = `\u001b\\[(?:${[...new Set(Object.values(CODES).flat())].join("|")})m`;
/** one of the codes createStyle writes, or one of core/text/controls.ts's CONTROLS */
const FOR_TERMINAL = new RegExp(`${STYLE_CODE}|${CONTROL}`, "g");

/**
 * What the CLI writes to stdout and stderr, made safe for a terminal: text from a user or a state
 * file (a lock's reason, a holder, a URN) could otherwise set the window's title, write the
 * clipboard, hide or overwrite lines, or reorder them (core/text/controls.ts). Each such character
 * is written as its JSON escape (`\u001b`, `\u202e`); the codes createStyle writes pass when
 * `color` is on (any other code, e.g. one that hides text, is escaped). Those codes, planted in a
 * reason, can still colour the rest of its line: a write that carries any ends with the style's
 * resets, so no colour outlasts it. --json output stays the same data: JSON.stringify already
 * escapes C0, and leaves C1 and the bidirectional controls, which only occur inside its strings,
 * where the escape reads back as the same character.
 */
export function forTerminal(text: string, color: boolean): string {
  if (!color) return escapeControls(text);
  let styled = false;
  const safe = text.replace(FOR_TERMINAL, (m) => (m.length === 1 ? escapeControls(m) : ((styled = true), m)));
  return styled ? safe.replace(/\n?$/, (end) => `${RESETS}${end}`) : safe;
}

const STYLE_CODES = new RegExp(STYLE_CODE, "g");
/**
 * How wide `s` is once forTerminal has written it on a colour terminal: the style's codes take no
 * room, every other control its 6-character escape. (With colour off a style code in a cell can
 * only be planted text, printed escaped and wider: its row's later columns shift, nothing else.)
 */
export const visibleLength = (s: string) => escapeControls(s.replace(STYLE_CODES, "")).length;

/** Rows of cells → lines with every column padded to its widest cell. */
export function table(rows: string[][], opts: { indent?: string; gap?: string } = {}): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  const gap = opts.gap ?? "  ";
  return rows
    .map((row) =>
      (opts.indent ?? "") +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell))))
        .join(gap)
        .trimEnd(),
    )
    .join("\n");
}

export { relativeTime, shortTime } from "@sst-state/core/format";
