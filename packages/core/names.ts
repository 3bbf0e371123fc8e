/**
 * App and stage names, checked once at the edge (CLI arguments, flags and environment, Slack
 * command text) before any path, key or message is built from them. A name that SST itself
 * refuses cannot have state, so refusing it costs nothing, and it keeps `../..`, `/`, NUL and
 * mrkdwn out of every path and every message.
 *
 * SST's rules, read from SST and checked against the binary it ships (sst 4.17.1,
 * node_modules/sst-linux-x64/bin/sst):
 * - sst/sst pkg/project/project.go (commit 08fa0a62, lines 93-99):
 *   `InvalidStageRegex = regexp.MustCompile(`[^a-zA-Z0-9-]`)`, `InvalidAppRegex` the same;
 *   `project.New` returns ErrInvalidStageName when the stage matches it.
 * - sst 4.17.1: `sst state export --stage pro_d` (or `a.b`) → "The stage name is invalid. It must
 *   start with a letter and can only contain alphanumeric characters and hyphens."; `--stage 9prod`
 *   is accepted; an app named `9shop` or `sh_op` → "The app name is invalid. It must start with a
 *   letter and can only contain alphanumeric characters and hyphens."
 * So: a stage is letters, digits and `-`; an app is the same and starts with a letter. SST sets no
 * length; ours (128) keeps `<stage>.json` and the lock keys far below file-system and DynamoDB
 * limits (255 bytes per file name).
 */
import { UsageError } from "./errors.ts";
import { withoutControls } from "./text/controls.ts";

export const NAME_MAX = 128;
const STAGE = /^[A-Za-z0-9-]+$/;
const APP = /^[A-Za-z][A-Za-z0-9-]*$/;

/** Why `name` is not a valid app or stage name, or undefined when it is. */
export function nameProblem(kind: "app" | "stage", name: string): string | undefined {
  if (name.length === 0) return `the ${kind} name is empty`;
  if (name.length > NAME_MAX) return `the ${kind} name is ${name.length} characters long (at most ${NAME_MAX})`;
  if (!(kind === "app" ? APP : STAGE).test(name)) {
    return kind === "app"
      ? "an app name starts with a letter and has only letters, digits and hyphens (SST's rule)"
      : "a stage name has only letters, digits and hyphens (SST's rule)";
  }
  return undefined;
}

/**
 * A printable, short form of a word the user wrote, for the messages that quote it back (never
 * the 5,000 characters): control characters, tab and newline included, and the bidirectional-text
 * controls become "?" (core/text/controls.ts).
 */
export function shownName(name: string): string {
  const shown = printable(name);
  return shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
}

/** The word whole, with shownName's characters made "?" (for a command suggested back to paste). */
export function printable(word: string): string {
  return withoutControls(word).replace(/[\t\n]/g, "?");
}

/** Throws a UsageError (exit 2) for an invalid name; returns the name otherwise. */
export function checkName(kind: "app" | "stage", name: string, where = kind === "app" ? "--app" : "the stage"): string {
  const why = nameProblem(kind, name);
  if (why) throw new UsageError(`"${shownName(name)}" is not a valid ${kind} name (${where}): ${why}.`, kind === "app" ? "Give the app's name as in sst.config.ts, e.g. --app shop." : "Give a stage name, e.g. prod or pr-12.");
  return name;
}
