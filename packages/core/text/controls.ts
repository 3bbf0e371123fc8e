/**
 * Characters that change how a text reads rather than what it says, in text that came from a user
 * or a state file (a lock's reason, a holder, a URN) and is shown to someone else:
 *   - C0 controls other than tab and newline: a terminal acts on ESC (colours, the window title,
 *     the clipboard through OSC 52, links), CR and BS (an overwritten line), BEL;
 *   - DEL and C1 (U+009B is a terminal's CSI too);
 *   - the bidirectional-text controls (U+061C, U+200E–F, U+202A–E, U+2066–9), which can make a line
 *     read in another order than it is written.
 * Each stays visible as having been there: "?" in names and in Slack messages, `\u202e` in a
 * terminal (cli/output.ts `forTerminal`) and in files uploaded to Slack (`escapeControls`).
 */
/** CONTROLS as a character class (for a pattern that also matches other things: cli/output.ts `forTerminal`) */
export const CONTROL = "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]";
const CONTROLS = new RegExp(CONTROL, "g");

/** `text` with CONTROLS as "?" (tab and newline kept). */
export function withoutControls(text: string): string {
  return text.replace(CONTROLS, "?");
}

/** One of CONTROLS as its JSON escape (`\u001b`, `\u202e`): visible in a text, the same character read back in a JSON string. */
const jsonEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * `text` with CONTROLS as their JSON escapes: for a file uploaded to Slack (a diff, a report; its
 * preview applies text direction, `cat` of the download applies ESC sequences). A JSON file stays
 * the same data: JSON.stringify leaves C1 and the bidirectional controls as they are, and they only
 * ever occur inside its strings.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, jsonEscape);
}
