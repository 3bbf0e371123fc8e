/**
 * Words → a typed command, for both surfaces through the one verb table (verbs.ts): the CLI's
 * argv and the slash command's tokenised text both go through `parseArgv`, which reads flags with
 * node:util `parseArgs` and the positional arguments by the table's specs. Pure: no I/O. Mistakes
 * are returned as data (`{ok: false, error}`) whose `message` and `hint` are ready to print or
 * post, with the closest verb or option suggested (one edit distance, suggest.ts).
 *
 * Slack specifics (`parseCommand`): the text arrives HTML-escaped (`&amp; &lt; &gt;`), clients
 * turn `--` into an em/en dash and straight quotes into curly ones, so both are normalised first.
 */
import { parseArgs } from "node:util";
import { durationMs, DURATION_HINT } from "../format.ts";
import { isLegacyCuid2, isUpdateId } from "../state/update-id.ts";
import { suggestClosest } from "./suggest.ts";
import { isRepairRule, REPAIR_RULES } from "../repair/rules.ts";
import { nameProblem, printable, shownName } from "../names.ts";
import { examplesOf, flagsOf, SELECTOR_HELP, usageOf, verbSpec, verbsOf, type ArgSpec, type FlagSpec, type SlackVerb, type Surface, type Verb, type VerbSpec } from "./verbs.ts";

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
  /** `--rule`, `--exists`, `--gone`: each given any number of times */
  | { verb: "repair"; target: Target; rule?: string[]; exists?: string[]; gone?: string[] }
  | { verb: "lock"; target: Target; reason: string; ttlMs?: number }
  | { verb: "unlock"; target: Target; force: boolean; reason?: string }
  | { verb: "locks"; app?: string }
  | { verb: "run"; target: Target; reason?: string; ttlMs?: number }
  | { verb: "audit"; target: Target; limit?: number }
  | { verb: "serve" }
  /** `demo [stage]`, `demo approve <id>`, `demo sst-unlock <stage>` (stage holds the first word) */
  | { verb: "demo"; stage?: string; subject?: string }
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

/** What the slash command can ask for. */
export type SlackCommand = Extract<Command, { verb: SlackVerb }>;

export type ParseResult<C extends Command = Command> =
  | {
      ok: true;
      command: C;
      /** the CLI-only flags given (`--json`, `--home`, …), by name; always empty in Slack */
      cliFlags: Record<string, string | boolean>;
      /** the words after `--` of a verb that runs a command (`run`) */
      rest: string[];
    }
  | { ok: false; error: CommandError };

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
  /** a legacy history entry's cuid2 (SST ≤ v3.2.47; `isLegacyCuid2` in state/versions.ts) */
  | { kind: "history"; id: string }
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
  if (isLegacyCuid2(s)) return { kind: "history", id: s };
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
    case "history":
      return sel.id;
    case "object-version":
      return raw.trim();
  }
}

// ---------------------------------------------------------------------------------------------
// Slack's text → tokens
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

/** Parse the text after `/sst-state`. An empty text is `help`. */
export function parseCommand(text: string, opts: ParseOptions = {}): ParseResult<SlackCommand> {
  // Only the slash command's verbs parse on the "slack" surface.
  return parseArgv(tokenize(normaliseText(text ?? "")), { surface: "slack", prefix: opts.prefix ?? "/sst-state" }) as ParseResult<SlackCommand>;
}

// ---------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const COUNT_MAX = 10_000;

class ParseFailure {
  constructor(readonly error: CommandError) {}
}

function fail(error: CommandError): never {
  throw new ParseFailure(error);
}

/** `\`sst-state diff <stage> [from] [to]\` (for example \`sst-state diff prod ~3 latest\`)` */
export function usageHint(prefix: string, verb: Verb, surface: Surface): string {
  const spec = verbSpec(verb);
  const example = examplesOf(spec, surface).find((e) => e) ?? "";
  return `\`${prefix} ${usageOf(spec, surface)}\` (for example \`${[prefix, verb, example].filter(Boolean).join(" ")}\`)`;
}

/**
 * Words (the CLI's argv, or Slack's tokens) → a command, by the verb table. `--name` is
 * case-insensitive and may be written `--name=value`; `--help`/`-h` anywhere asks for the verb's help.
 */
export function parseArgv(words: readonly string[], opts: { surface: Surface; prefix?: string }): ParseResult {
  const surface = opts.surface;
  const prefix = opts.prefix ?? (surface === "slack" ? "/sst-state" : "sst-state");
  try {
    return parseWords(words, surface, prefix);
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

function parseWords(words: readonly string[], surface: Surface, prefix: string): ParseResult & { ok: true } {
  const verbs = verbsOf(surface);
  const [first, ...rest] = words;
  const done = (command: Command, cliFlags: Record<string, string | boolean> = {}, passthrough: string[] = []) => ({ ok: true as const, command, cliFlags, rest: passthrough });
  if (first === undefined) return done({ verb: "help" });
  const verbWord = first.toLowerCase();
  if (verbWord === "--help" || verbWord === "-h") return done({ verb: "help" });
  if (!(verbs as string[]).includes(verbWord)) {
    const suggestion = suggestClosest(verbWord, verbs);
    const looksLikeStage = !suggestion && rest.length === 0 && NAME.test(first);
    fail({
      code: "unknown-verb",
      message: `\`${shownName(first)}\` is not a command I know.`,
      hint: suggestion
        ? `Did you mean \`${prefix} ${[suggestion, ...rest.map(printable)].join(" ")}\`? \`${prefix} help\` lists every command.`
        : looksLikeStage
          ? `To see a stage, write \`${prefix} status ${first}\`. Commands: ${verbs.join(", ")}.`
          : `Commands: ${verbs.join(", ")}. \`${prefix} help\` shows an example of each.`,
      ...(suggestion ? { suggestion } : {}),
    });
  }
  const verb = verbWord as Verb;
  const spec = verbSpec(verb);
  const read = readFlags(spec, rest, surface, prefix);
  if (read.help) return done({ verb: "help", ...(verb === "help" ? {} : { topic: verb }) });
  const command = buildCommand(spec, read.positionals, read.flags, surface, prefix);
  if (spec.passthrough && read.rest.length === 0) {
    fail({ code: "missing-argument", verb, message: spec.passthrough.required, hint: `Usage: ${usageHint(prefix, verb, surface)}.` });
  }
  return done(command, read.cliFlags, read.rest);
}

interface ReadFlags {
  positionals: string[];
  /** flags that belong to the command, by name */
  flags: Map<string, string | boolean>;
  cliFlags: Record<string, string | boolean>;
  rest: string[];
  help: boolean;
}

/** `--Name=v` → `--name=v` (option names are case-insensitive, values are not). */
function lowerOptionName(word: string): string {
  if (!word.startsWith("--") || word === "--") return word;
  const eq = word.indexOf("=");
  return eq === -1 ? word.toLowerCase() : word.slice(0, eq).toLowerCase() + word.slice(eq);
}

function readFlags(spec: VerbSpec, words: string[], surface: Surface, prefix: string): ReadFlags {
  const verb = spec.verb as Verb;
  const known = new Map<string, FlagSpec>(flagsOf(spec, surface));
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [name, f] of known) options[name] = { type: f.kind === "boolean" ? "boolean" : "string", ...(f.short ? { short: f.short } : {}) };
  const args = words.map(lowerOptionName);
  // Not strict: unknown options and missing values come back as tokens, answered below in our words.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const out: ReadFlags = { positionals: [], flags: new Map(), cliFlags: {}, rest: [], help: false };
  // A flag that may also be written as free words (`--reason stuck job`): the words after it continue it.
  const textFlag = spec.args.find((a) => a.kind === "text" && a.rest && known.has(a.name))?.name;
  let afterTerminator = false;
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      afterTerminator = true;
      continue;
    }
    if (token.kind === "positional") {
      const continued = textFlag !== undefined && !afterTerminator ? out.flags.get(textFlag) : undefined;
      if (typeof continued === "string") out.flags.set(textFlag!, `${continued} ${token.value}`);
      else (afterTerminator && spec.passthrough ? out.rest : out.positionals).push(token.value);
      continue;
    }
    const { name, rawName } = token;
    if (name === "help") {
      out.help = true;
      continue;
    }
    const flag = known.get(name);
    if (!flag) unknownOption(spec, rawName, name, surface, prefix);
    if (flag.kind === "boolean") {
      if (token.inlineValue) fail({ code: "bad-option", verb, message: `\`${shownName(rawName)}\` takes no value.`, hint: `Write just \`${shownName(rawName)}\`.` });
    } else if (token.value === undefined || token.value === "" || (!token.inlineValue && token.value.startsWith("--"))) {
      fail({ code: "bad-option", verb, message: `\`${shownName(rawName)}\` needs a value.`, hint: `Usage: ${usageHint(prefix, verb, surface)}.` });
    }
    const value = flag.kind === "boolean" ? true : token.value!;
    // a list flag given again adds to it (kept as lines until buildCommand splits them)
    const before = flag.kind === "list" ? (flag.cliOnly ? out.cliFlags[name] : out.flags.get(name)) : undefined;
    const next = typeof before === "string" ? `${before}\n${value}` : value;
    if (flag.cliOnly) out.cliFlags[name] = next;
    else out.flags.set(name, next);
  }
  return out;
}

function unknownOption(spec: VerbSpec, rawName: string, name: string, surface: Surface, prefix: string): never {
  const verb = spec.verb as Verb;
  const names = flagsOf(spec, surface).map(([n]) => n);
  const cliOnly = surface === "slack" && flagsOf(spec, "cli").some(([n, f]) => f.cliOnly && (n === name || f.short === name));
  if (cliOnly) {
    fail({ code: "unknown-option", verb, message: `\`${shownName(rawName)}\` works in the terminal only.`, hint: `Run \`sst-state ${verb} … ${shownName(rawName)}\` there; here: ${usageHint(prefix, verb, surface)}.` });
  }
  const suggestion = suggestClosest(name, names);
  const listed = names.map((n) => `\`--${n}\``).join(", ");
  return fail({
    code: "unknown-option",
    verb,
    message: `\`${verb}\` has no option \`${shownName(rawName)}\`.`,
    hint: suggestion
      ? `Did you mean \`--${suggestion}\`? Usage: ${usageHint(prefix, verb, surface)}.`
      : `${listed ? `Options of \`${verb}\`: ${listed}. ` : ""}Usage: ${usageHint(prefix, verb, surface)}.`,
    ...(suggestion ? { suggestion: `--${suggestion}` } : {}),
  });
}

/** Positional words and flags → the command, by the verb's argument and flag specs. */
function buildCommand(spec: VerbSpec, positionals: string[], flags: Map<string, string | boolean>, surface: Surface, prefix: string): Command {
  const verb = spec.verb as Verb;
  const usage = () => `Usage: ${usageHint(prefix, verb, surface)}.`;
  const out: Record<string, unknown> = { verb };
  const hasTarget = spec.args.some((a) => a.kind === "target");
  const appFlag = flags.get("app") as string | undefined;
  if (appFlag !== undefined && nameProblem("app", appFlag)) {
    fail({ code: "bad-option", verb, message: `\`${shownName(appFlag)}\` is not an app name: ${nameProblem("app", appFlag)}.`, hint: "Write the app as SST names it, e.g. `--app shop`." });
  }

  // Flags first: a positional argument of the same name (`reason`, `app`) may stand in for one.
  for (const [name, flag] of flagsOf(spec, surface)) {
    if (flag.cliOnly || (name === "app" && hasTarget)) continue;
    const raw = flags.get(name);
    const field = flag.field ?? (flag.kind === "duration" ? `${name}Ms` : name);
    if (flag.kind === "boolean") {
      out[field] = raw === true;
      continue;
    }
    if (raw === undefined) continue;
    out[field] = flagValue(verb, name, flag, String(raw));
  }

  const words = [...positionals];
  for (const arg of spec.args) {
    const taken = arg.rest ? words.splice(0) : words.splice(0, 1);
    const field = arg.field ?? arg.name;
    const text = arg.rest ? taken.join(" ").trim() : taken[0];
    if (text === undefined || text === "") {
      if (out[field] !== undefined || !arg.required) {
        if (arg.default !== undefined) out[field] = arg.default;
        continue;
      }
      if (arg.kind === "target") {
        fail({
          code: "missing-stage",
          verb,
          message: `\`${verb}\` needs a stage.`,
          hint: `Write ${usageHint(prefix, verb, surface)}; use \`<app>/<stage>\` for an app other than the default.`,
        });
      }
      fail({ code: "missing-argument", verb, message: arg.missing ?? `\`${verb}\` needs ${arg.name}.`, hint: `Write ${usageHint(prefix, verb, surface)}.${arg.kind === "selector" ? ` ${SELECTOR_HELP}` : ""}` });
    }
    if (out[field] !== undefined && out[field] !== text) {
      fail({ code: "extra-argument", verb, message: `\`${verb}\` got ${arg.name} twice: \`--${arg.name}\` and \`${shownName(text)}\`.`, hint: `Give it once. ${usage()}` });
    }
    out[field] = argValue(verb, arg, text, appFlag, surface, prefix);
  }
  if (words.length) {
    fail({ code: "extra-argument", verb, message: `\`${verb}\` does not take \`${words.map(shownName).join(" ")}\`.`, hint: usage() });
  }
  if (verb === "help" && out.topic !== undefined && !(verbsOf(surface) as string[]).includes(out.topic as string)) delete out.topic;
  const rule = RULES[verb];
  if (rule) rule(out, { verb, prefix, surface });
  return out as Command;
}

function flagValue(verb: Verb, name: string, flag: FlagSpec, raw: string): string | number | string[] {
  switch (flag.kind) {
    case "list":
      return raw.split("\n").map((v) => v.trim()).filter((v) => v !== "");
    case "count": {
      const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= 1 && n <= COUNT_MAX)) {
        fail({ code: "bad-option", verb, message: `\`--${name} ${shownName(raw)}\` is not a count.`, hint: `Write a whole number from 1 to ${COUNT_MAX}, e.g. \`--${name} 20\`.` });
      }
      return n;
    }
    case "duration": {
      const ms = durationMs(raw);
      if (!ms) fail({ code: "bad-option", verb, message: `\`--${name} ${shownName(raw)}\` is not a duration longer than zero.`, hint: DURATION_HINT });
      return ms;
    }
    case "name":
      if (nameProblem("app", raw)) fail({ code: "bad-option", verb, message: `\`${shownName(raw)}\` is not a name: ${nameProblem("app", raw)}.`, hint: `Write it as SST names it, e.g. \`--${name} shop\`.` });
      return raw;
    default:
      return flag.kind === "string" && name === "reason" ? raw.trim() : raw;
  }
}

function argValue(verb: Verb, arg: ArgSpec, text: string, appFlag: string | undefined, surface: Surface, prefix: string): unknown {
  switch (arg.kind) {
    case "target":
      return parseTarget(text, appFlag, verb, surface, prefix);
    case "selector": {
      const sel = parseSelector(text);
      if (!sel) fail({ code: "bad-selector", verb, message: `\`${shownName(text)}\` is not a version.`, hint: SELECTOR_HELP });
      return canonicalSelector(sel, text);
    }
    case "name":
      if (nameProblem(arg.name === "app" ? "app" : "stage", text)) fail({ code: "bad-target", verb, message: `\`${shownName(text)}\` is not ${arg.name === "app" ? "an app" : "a stage"} name: ${nameProblem(arg.name === "app" ? "app" : "stage", text)}.`, hint: `Usage: ${usageHint(prefix, verb, surface)}.` });
      return text;
    case "verb":
      return text.toLowerCase();
    case "text":
      return text;
  }
}

function parseTarget(text: string, appOption: string | undefined, verb: Verb, surface: Surface, prefix: string): Target {
  const parts = text.split("/");
  const bad = (why: string): never =>
    fail({ code: "bad-target", verb, message: `\`${shownName(text)}\` ${why}`, hint: `Write a stage (\`prod\`) or \`<app>/<stage>\` (\`shop/prod\`): ${usageHint(prefix, verb, surface)}.` });
  if (parts.length > 2) bad("is not a stage: use at most one `/`, between the app and the stage.");
  const [a, b] = parts as [string, string | undefined];
  const app = b === undefined ? undefined : a;
  const stage = b === undefined ? a : b;
  // SST's own naming rules (core/names.ts): checked here, before anything is built from them
  if (nameProblem("stage", stage)) bad(`is not a stage name: ${nameProblem("stage", stage)}.`);
  if (app !== undefined && nameProblem("app", app)) bad(`does not start with an app name: ${nameProblem("app", app)}.`);
  if (app !== undefined && appOption !== undefined && app !== appOption) {
    fail({ code: "bad-target", verb, message: `\`${shownName(text)}\` names app \`${shownName(app)}\` but \`--app\` says \`${shownName(appOption)}\`.`, hint: "Give the app once." });
  }
  const resolvedApp = app ?? appOption;
  return resolvedApp === undefined ? { stage } : { app: resolvedApp, stage };
}

/** Rules across fields that the argument and flag specs cannot say. */
const RULES: Partial<Record<Verb, (cmd: Record<string, unknown>, ctx: { verb: Verb; prefix: string; surface: Surface }) => void>> = {
  repair(cmd, { prefix, surface }) {
    for (const r of (cmd.rule as string[] | undefined) ?? []) {
      if (isRepairRule(r)) continue;
      const suggestion = suggestClosest(r, [...REPAIR_RULES]);
      fail({
        code: "bad-option",
        verb: "repair",
        message: `\`--rule ${shownName(r)}\` is not a repair.`,
        hint: `${suggestion ? `Did you mean \`--rule ${suggestion}\`? ` : ""}Repairs: ${REPAIR_RULES.join(", ")}. Usage: ${usageHint(prefix, "repair", surface)}.`,
        ...(suggestion ? { suggestion: `--rule ${suggestion}` } : {}),
      });
    }
  },
  unlock(cmd, { prefix, surface }) {
    if (cmd.force && !cmd.reason) {
      const stage = (cmd.target as Target).stage;
      fail({
        code: "missing-argument",
        verb: "unlock",
        message: "Breaking someone else's lock needs a reason; it is recorded and announced.",
        hint: `Write \`${prefix} unlock ${stage} --force --reason ${surface === "slack" ? "the CI run was cancelled" : '"the CI run was cancelled"'}\`.`,
      });
    }
  },
};
