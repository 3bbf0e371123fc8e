/**
 * Domain errors. Every error that can reach a user carries a message that says what went wrong
 * and a `hint` that says what to do about it. Adapters translate SDK/file-system failures into
 * these; the CLI maps `exitCode` (DESIGN §4: 2 = bad usage or input, 1 = the command ran and found
 * a problem / a dependency failed) and Slack renders `message` + `hint`.
 */
export class SstStateError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /**
   * The hint in Slack's words, when the terminal's names what Slack users cannot type (environment
   * variables, `--home`/`--state-dir`). Slack shows it instead of `hint`; command mentions in
   * either are turned into the slash command by the Slack renderer (`inSlackSyntax`).
   */
  readonly slackHint: string | undefined;
  readonly exitCode: 1 | 2;
  constructor(code: string, message: string, opts: { hint?: string; slackHint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.slackHint = opts.slackHint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Wrong arguments, unknown verb, bad option value. */
export class UsageError extends SstStateError {
  constructor(message: string, hint?: string, slackHint?: string) {
    super("usage", message, { hint: hint ?? "Run `sst-state help` for the list of commands.", slackHint, exitCode: 2 });
  }
}

export type StateParseProblem =
  | "empty"
  | "not-json"
  | "truncated"
  | "unsupported-version"
  | "missing-latest"
  | "not-a-checkpoint";

/** The bytes are not a readable Pulumi checkpoint. Nothing was changed. */
export class StateParseError extends SstStateError {
  readonly problem: StateParseProblem;
  readonly source: string | undefined;
  constructor(problem: StateParseProblem, message: string, opts: { source?: string; hint?: string; cause?: unknown } = {}) {
    super(`state-${problem}`, opts.source ? `${opts.source}: ${message}` : message, {
      hint: opts.hint ?? "Check the file with `sst-state history <stage>` and pick a readable version; nothing was changed.",
      exitCode: 2,
      cause: opts.cause,
    });
    this.problem = problem;
    this.source = opts.source;
  }
}

export class AppNotFoundError extends SstStateError {
  readonly app: string;
  readonly known: string[];
  constructor(app: string, known: string[], where: string) {
    super(
      "app-not-found",
      `App "${app}" has no state in ${where}.`,
      {
        hint: known.length
          ? `Apps found there: ${known.join(", ")}. Pass one with --app or SST_STATE_APP.`
          : `No app has state there. Check --home/--state-dir (or SST_STATE_HOME/SST_STATE_DIR) and the AWS account.`,
        slackHint: known.length
          ? `Apps found there: ${known.join(", ")}. Name one as \`<app>/<stage>\` or with \`--app <app>\`.`
          : "No app has state where this bot looks. Whoever runs the bot sets where it reads state (its home and AWS account).",
        exitCode: 2,
      },
    );
    this.app = app;
    this.known = known;
  }
}

export class StageNotFoundError extends SstStateError {
  readonly app: string;
  readonly stage: string;
  readonly known: string[];
  constructor(app: string, stage: string, known: string[], where: string) {
    super("stage-not-found", `Stage "${stage}" of app "${app}" has no state in ${where}.`, {
      hint: known.length ? `Stages of ${app}: ${known.join(", ")}.` : `App ${app} has no stages there yet.`,
      exitCode: 2,
    });
    this.app = app;
    this.stage = stage;
    this.known = known;
  }
}

export class VersionNotFoundError extends SstStateError {
  constructor(selector: string, detail: string) {
    super("version-not-found", `No state version matches "${selector}": ${detail}`, {
      hint: "Versions are `latest`, `previous`, `~N` (N deploys back), an updateID (or a unique prefix of one), an S3 version id, or on a git home a commit sha (prefix) and `uncommitted`; `sst-state history <stage>` lists them.",
      exitCode: 2,
    });
  }
}

/** A version prefix that matches several versions: never guess, list them. */
export class AmbiguousVersionError extends SstStateError {
  readonly candidates: string[];
  constructor(selector: string, candidates: string[]) {
    const shown = candidates.slice(0, 8);
    super("version-ambiguous", `"${selector}" is ambiguous: candidates ${shown.join(", ")}${candidates.length > shown.length ? ` and ${candidates.length - shown.length} more` : ""}.`, {
      hint: "Type more characters of the id (`sst-state history <stage>` lists them).",
      exitCode: 2,
    });
    this.candidates = candidates;
  }
}

/** The store could not be reached or refused us (access denied, missing bucket, timeout). */
export class StoreUnavailableError extends SstStateError {
  constructor(message: string, hint: string, cause?: unknown) {
    super("store-unavailable", message, { hint, exitCode: 1, cause });
  }
}

/** A conditional write found that the current state is no longer the one expected. Nothing was written. */
export class StateChangedError extends SstStateError {
  constructor(message: string, hint?: string) {
    super("state-changed", message, {
      hint: hint ?? "Someone deployed or restored in the meantime. Look at `sst-state status` and ask again.",
      exitCode: 1,
    });
  }
}

/** SST's own lock object exists, so a deploy may be running. */
export class SstLockHeldError extends SstStateError {
  constructor(app: string, stage: string, detail: string) {
    super("sst-lock-held", `SST's lock for ${app}/${stage} exists (${detail}).`, {
      hint: `Wait for the deploy to finish; if none is running, run \`sst unlock --stage ${stage}\` and try again.`,
      exitCode: 1,
    });
  }
}

export function isSstStateError(e: unknown): e is SstStateError {
  return e instanceof SstStateError;
}
