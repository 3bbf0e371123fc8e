/**
 * Slash-command text → a typed command (DESIGN §4: the same verbs, targets, version selectors and
 * options as the CLI). Pure: no I/O. Mistakes are returned as data (`{ok: false, error}`) whose
 * `message` and `hint` are ready to post, with the closest verb or option suggested.
 *
 * Slack specifics handled here: the text arrives HTML-escaped (`&amp; &lt; &gt;`), clients turn
 * `--` into an em/en dash and straight quotes into curly ones, so both are normalised.
 */
import { isUpdateId } from "../state/update-id.ts";
import { VERBS, verbHelp, SELECTOR_HELP, type Verb } from "./help.ts";
import { suggestClosest } from "./suggest.ts";

export interface Target {
  /** set when the user wrote `<app>/<stage>` or `--app`; otherwise the default app applies */
  app?: string;
  stage: string;
}

export type Command =
  | { verb: "status"; target: Target }
  | { verb: "history"; target: Target; limit?: number; all: boolean; cursor?: string }
  | { verb: "diff"; target: Target; from: string; to: string }
  | { verb: "diagnose"; target: Target }
  | { verb: "restore"; target: Target; version: string }
  | { verb: "lock"; target: Target; reason: string; ttlMs?: number }
  | { verb: "unlock"; target: Target; force: boolean; reason?: string }
  | { verb: "locks"; app?: string }
  | { verb: "help"; topic?: Verb };

export type CommandErrorCode =
  | "unknown-verb"
  | "missing-stage"
  | "bad-target"
  | "missing-argument"
  | "extra-argument"
  | "unknown-option"
  | "bad-option"
  | "bad-selector";

export interface CommandError {
  code: CommandErrorCode;
  /** what is wrong, ready to post (Slack mrkdwn / plain text) */
  message: string;
  /** what to do, ready to post */
  hint: string;
  /** the closest verb/option when the user probably mistyped one */
  suggestion?: string;
  verb?: Verb;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: CommandError };

export interface ParseOptions {
  /** how the command is invoked, used in messages: `/sst-state` (default) or `sst-state` */
  prefix?: string;
}

// ---------------------------------------------------------------------------------------------
// Version selectors
// ---------------------------------------------------------------------------------------------

export type Selector =
  | { kind: "latest" }
  | { kind: "previous" }
  | { kind: "current" }
  /** `~N`: N deploys back from latest (`~0` is latest, `~1` previous) */
  | { kind: "back"; n: number }
  | { kind: "update"; id: string }
  | { kind: "object-version"; id: string };

const S3_VERSION_ID = /^[A-Za-z0-9._+/=-]{1,1024}$/;

/** Classify a selector; undefined when it cannot name a version. */
export function parseSelector(text: string): Selector | undefined {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (lower === "latest") return { kind: "latest" };
  if (lower === "previous") return { kind: "previous" };
  if (lower === "current") return { kind: "current" };
  const back = /^~(\d{1,6})$/.exec(s);
  if (back) return { kind: "back", n: Number(back[1]) };
  if (isUpdateId(lower)) return { kind: "update", id: lower };
  if (s.startsWith("~") || s.startsWith("-")) return undefined;
  if (S3_VERSION_ID.test(s)) return { kind: "object-version", id: s };
  return undefined;
}

/** The selector text in its canonical form (keywords and updateIDs lower-cased). */
function canonicalSelector(sel: Selector, raw: string): string {
  switch (sel.kind) {
    case "latest":
    case "previous":
    case "current":
      return sel.kind;
    case "back":
      return `~${sel.n}`;
    case "update":
      return sel.id;
    case "object-version":
      return raw.trim();
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/** Undo Slack's escaping and the typography clients apply. */
export function normaliseText(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/(^|\s)[\u2014\u2013](?=[A-Za-z])/g, "$1--")
    .replace(/\u00A0/g, " ")
    .trim();
}

/** Split on whitespace, keeping "quoted strings" (single or double quotes) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) tokens.push(m[1] ?? m[2] ?? m[3] ?? "");
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------

type OptionSpec = { name: string; takesValue: boolean };

const COMMON: OptionSpec[] = [{ name: "app", takesValue: true }];
const OPTIONS: Record<Verb, OptionSpec[]> = {
  status: COMMON,
  history: [...COMMON, { name: "limit", takesValue: true }, { name: "all", takesValue: false }, { name: "cursor", takesValue: true }],
  diff: COMMON,
  diagnose: COMMON,
  restore: COMMON,
  lock: [...COMMON, { name: "reason", takesValue: true }, { name: "ttl", takesValue: true }],
  unlock: [...COMMON, { name: "force", takesValue: false }, { name: "reason", takesValue: true }],
  locks: COMMON,
  help: [],
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

class ParseFailure {
  constructor(readonly error: CommandError) {}
}

/**
 * Parse the text after `/sst-state`. An empty text is `help`.
 */
export function parseCommand(text: string, opts: ParseOptions = {}): ParseResult {
  const prefix = opts.prefix ?? "/sst-state";
  const tokens = tokenize(normaliseText(text ?? ""));
  try {
    return { ok: true, command: parseTokens(tokens, prefix) };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

function usageOf(prefix: string, verb: Verb): string {
  const h = verbHelp(verb);
  return `\`${prefix} ${verb} ${h.usage}\` (for example \`${[prefix, verb, h.example].filter(Boolean).join(" ")}\`)`;
}

function fail(error: CommandError): never {
  throw new ParseFailure(error);
}

function parseTokens(tokens: string[], prefix: string): Command {
  const [first, ...rest] = tokens;
  if (first === undefined) return { verb: "help" };
  const verbWord = first.toLowerCase();
  if (verbWord === "--help" || verbWord === "-h") return { verb: "help" };
  if (!(VERBS as readonly string[]).includes(verbWord)) {
    const suggestion = suggestClosest(verbWord, VERBS);
    const looksLikeStage = !suggestion && rest.length === 0 && NAME.test(first);
    fail({
      code: "unknown-verb",
      message: `\`${first}\` is not a command I know.`,
      hint: suggestion
        ? `Did you mean \`${prefix} ${[suggestion, ...rest].join(" ")}\`? \`${prefix} help\` lists every command.`
        : looksLikeStage
          ? `To see a stage, write \`${prefix} status ${first}\`. Commands: ${VERBS.join(", ")}.`
          : `Commands: ${VERBS.join(", ")}. \`${prefix} help\` shows an example of each.`,
      ...(suggestion ? { suggestion } : {}),
    });
  }
  const verb = verbWord as Verb;
  const { positional, options } = splitOptions(verb, rest, prefix);

  if (verb === "help") {
    const topic = positional[0]?.toLowerCase();
    if (topic && (VERBS as readonly string[]).includes(topic)) return { verb: "help", topic: topic as Verb };
    return { verb: "help" };
  }

  const appOption = options.get("app");
  if (appOption !== undefined && !NAME.test(appOption)) {
    fail({ code: "bad-option", verb, message: `\`${appOption}\` is not an app name.`, hint: `Write the app as SST names it, e.g. \`--app shop\`.` });
  }

  if (verb === "locks") {
    if (positional.length > 1) tooMany(verb, positional.slice(1), prefix);
    const app = appOption ?? positional[0];
    if (app !== undefined && !NAME.test(app)) {
      fail({ code: "bad-target", verb, message: `\`${app}\` is not an app name.`, hint: `Usage: ${usageOf(prefix, verb)}.` });
    }
    return app === undefined ? { verb } : { verb, app };
  }

  const [targetText, ...args] = positional;
  if (targetText === undefined) {
    fail({
      code: "missing-stage",
      verb,
      message: `\`${verb}\` needs a stage.`,
      hint: `Write ${usageOf(prefix, verb)}; use \`<app>/<stage>\` for an app other than the default.`,
    });
  }
  const target = parseTarget(targetText, appOption, verb, prefix);

  switch (verb) {
    case "status":
    case "diagnose":
      if (args.length) tooMany(verb, args, prefix);
      return { verb, target };
    case "history": {
      if (args.length) tooMany(verb, args, prefix);
      const cmd: Command = { verb, target, all: options.has("all") };
      const limit = options.get("limit");
      if (limit !== undefined) {
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) {
          fail({ code: "bad-option", verb, message: `\`--limit ${limit}\` is not a count.`, hint: "Write a whole number from 1 to 1000, e.g. `--limit 20`." });
        }
        cmd.limit = Number(limit);
      }
      const cursor = options.get("cursor");
      if (cursor !== undefined) cmd.cursor = cursor;
      return cmd;
    }
    case "diff": {
      if (args.length > 2) tooMany(verb, args.slice(2), prefix);
      const [from = "previous", to = "latest"] = args.map((a) => selector(a, verb));
      return { verb, target, from, to };
    }
    case "restore": {
      if (args.length === 0) {
        fail({ code: "missing-argument", verb, message: "`restore` needs the version to go back to.", hint: `Write ${usageOf(prefix, verb)}. ${SELECTOR_HELP}` });
      }
      if (args.length > 1) tooMany(verb, args.slice(1), prefix);
      return { verb, target, version: selector(args[0]!, verb) };
    }
    case "lock": {
      const reasonOption = options.get("reason");
      if (reasonOption !== undefined && args.length) tooMany(verb, args, prefix);
      const reason = (reasonOption ?? args.join(" ")).trim();
      if (!reason) {
        fail({
          code: "missing-argument",
          verb,
          message: "Say why you are locking the stage, so others know whom to ask.",
          hint: `Write ${usageOf(prefix, verb)}.`,
        });
      }
      const cmd: Command = { verb, target, reason };
      const ttl = options.get("ttl");
      if (ttl !== undefined) cmd.ttlMs = duration(ttl, verb);
      return cmd;
    }
    case "unlock": {
      const reasonOption = options.get("reason");
      if (reasonOption !== undefined && args.length) tooMany(verb, args, prefix);
      const reason = (reasonOption ?? args.join(" ")).trim();
      const force = options.has("force");
      if (force && !reason) {
        fail({
          code: "missing-argument",
          verb,
          message: "Breaking someone else's lock needs a reason; it is recorded and announced.",
          hint: `Write \`${prefix} unlock ${targetText} --force --reason "the CI run was cancelled"\`.`,
        });
      }
      return reason ? { verb, target, force, reason } : { verb, target, force };
    }
  }
}

function splitOptions(verb: Verb, tokens: string[], prefix: string): { positional: string[]; options: Map<string, string> } {
  const specs = OPTIONS[verb];
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (!tok.startsWith("--") || tok === "--") {
      positional.push(tok);
      continue;
    }
    const eq = tok.indexOf("=");
    const name = (eq === -1 ? tok.slice(2) : tok.slice(2, eq)).toLowerCase();
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const suggestion = suggestClosest(name, specs.map((s) => s.name));
      const known = specs.map((s) => `\`--${s.name}\``).join(", ");
      fail({
        code: "unknown-option",
        verb,
        message: `\`${verb}\` has no option \`--${name}\`.`,
        hint: suggestion
          ? `Did you mean \`--${suggestion}\`? Usage: ${usageOf(prefix, verb)}.`
          : `${known ? `Options of \`${verb}\`: ${known}. ` : ""}Usage: ${usageOf(prefix, verb)}.`,
        ...(suggestion ? { suggestion: `--${suggestion}` } : {}),
      });
    }
    if (!spec.takesValue) {
      if (eq !== -1) fail({ code: "bad-option", verb, message: `\`--${name}\` takes no value.`, hint: `Write just \`--${name}\`.` });
      options.set(name, "");
      continue;
    }
    const value = eq !== -1 ? tok.slice(eq + 1) : tokens[++i];
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
      fail({ code: "bad-option", verb, message: `\`--${name}\` needs a value.`, hint: `Usage: ${usageOf(prefix, verb)}.` });
    }
    options.set(name, value);
  }
  return { positional, options };
}

function parseTarget(text: string, appOption: string | undefined, verb: Verb, prefix: string): Target {
  const parts = text.split("/");
  const bad = (why: string): never =>
    fail({ code: "bad-target", verb, message: `\`${text}\` ${why}`, hint: `Write a stage (\`prod\`) or \`<app>/<stage>\` (\`shop/prod\`): ${usageOf(prefix, verb)}.` });
  if (parts.length > 2) bad("is not a stage: use at most one `/`, between the app and the stage.");
  const [a, b] = parts as [string, string | undefined];
  const app = b === undefined ? undefined : a;
  const stage = b === undefined ? a : b;
  if (!NAME.test(stage)) bad("is not a stage name (letters, digits, `-`, `_`, `.`).");
  if (app !== undefined && !NAME.test(app)) bad("does not start with an app name.");
  if (app !== undefined && appOption !== undefined && app !== appOption) {
    fail({ code: "bad-target", verb, message: `\`${text}\` names app \`${app}\` but \`--app\` says \`${appOption}\`.`, hint: "Give the app once." });
  }
  const resolvedApp = app ?? appOption;
  return resolvedApp === undefined ? { stage } : { app: resolvedApp, stage };
}

function selector(text: string, verb: Verb): string {
  const sel = parseSelector(text);
  if (!sel) fail({ code: "bad-selector", verb, message: `\`${text}\` is not a version.`, hint: SELECTOR_HELP });
  return canonicalSelector(sel, text);
}

// Same grammar as `parseDuration` in config.ts, kept here so that the ingress bundle (which parses
// commands to answer mistakes in the ack) does not pull in the config schema library.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(text: string, verb: Verb): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : 0;
  if (ms > 0) return ms;
  return fail({ code: "bad-option", verb, message: `\`--ttl ${text}\` is not a duration.`, hint: 'Write a number and a unit: "90s", "30m", "2h", "1d".' });
}

function tooMany(verb: Verb, extra: string[], prefix: string): never {
  return fail({
    code: "extra-argument",
    verb,
    message: `\`${verb}\` does not take \`${extra.join(" ")}\`.`,
    hint: `Usage: ${usageOf(prefix, verb)}.`,
  });
}
