/**
 * THE verb table: every verb of `sst-state` (CLI) and `/sst-state` (Slack), its positional
 * arguments, flags, help line and examples, defined once. `parse.ts` reads both the CLI's argv and
 * Slack's tokenised text through it (with node:util `parseArgs`), and both help screens are
 * generated from it (CLI: packages/cli/main.ts; Slack: packages/slack/render/help.ts).
 *
 * Adding a verb: one entry here (and its `Command` shape in parse.ts), one handler (a CLI command
 * file and/or a Slack verb handler), one renderer. Order matters: it is the order help lists them.
 */

import { REPAIR_RULES } from "../repair/rules.ts";
import { DEFAULT_STOP_GRACE } from "../format.ts";

/** Where a verb or flag exists: the terminal (`sst-state`) and/or the slash command. */
export type Surface = "cli" | "slack";

/**
 * What a positional argument holds, which decides how it is checked and what it becomes:
 * - target: `<stage>` or `<app>/<stage>` → `target: {app?, stage}` (merged with `--app`)
 * - selector: a version (`latest`, `~3`, an updateID, …), canonicalised
 * - text: free words (`rest` takes every remaining word, joined by spaces)
 * - name: an app or stage name
 * - verb: a verb name (help's topic)
 */
export type ArgKind = "target" | "selector" | "text" | "name" | "verb";

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  required?: boolean;
  /** the value when the argument is left out */
  default?: string;
  /** takes every remaining word */
  rest?: boolean;
  /** the command field it fills (default: `name`) */
  field?: string;
  /** the sentence when a required argument is missing */
  missing?: string;
}

/**
 * What a flag holds: boolean; string; count (a whole number 1…10000); duration (`90s`, `30m`,
 * `2h`, `1d` → milliseconds); name (an app name); list (a string that may be given again: every
 * value, in order, as an array).
 */
export type FlagKind = "boolean" | "string" | "count" | "duration" | "name" | "list";

export interface FlagSpec {
  kind: FlagKind;
  description: string;
  short?: string;
  /** placeholder in usage, e.g. "N" */
  value?: string;
  /**
   * Only the CLI has it (output format, where state lives, who you are on this machine, what
   * runs locally): it is not part of the parsed command but handed to the CLI command as is.
   */
  cliOnly?: boolean;
  /** left out of the one-line usage (still in the options list) */
  common?: boolean;
  /** the command field it fills (default: the flag's name; durations add `Ms`) */
  field?: string;
}

export interface VerbSpec {
  verb: string;
  summary: string;
  args: readonly ArgSpec[];
  flags: Readonly<Record<string, FlagSpec>>;
  /** arguments after the verb, each a working example (help shows them; the parity test runs them) */
  examples: readonly string[];
  /** more help for the CLI's `<verb> --help`: what the exit codes mean, what it touches */
  details?: string;
  surfaces: readonly Surface[];
  /** everything after `--` is handed over (the command `run` runs) */
  passthrough?: { name: string; required: string };
}

const APP: FlagSpec = { kind: "name", value: "A", common: true, description: "the SST app (default: SST_STATE_APP, sst-state.json, or the only app in the home)" };
const JSON_FLAG: FlagSpec = { kind: "boolean", cliOnly: true, common: true, description: "print one JSON object on stdout" };

/** The flags of every verb that reads a stage: the app, where its state lives, JSON output. */
const STATE_FLAGS: Record<string, FlagSpec> = {
  app: APP,
  home: { kind: "string", value: "local|aws|git", cliOnly: true, common: true, description: "where the state is kept (default: SST_STATE_HOME, else local when the local home has the app, else aws; git: --state-dir in a repository)" },
  "state-dir": { kind: "string", value: "D", cliOnly: true, common: true, description: "the local home root, the folder that contains state/ (default: SST_STATE_DIR or SST's own); with --home git, the folder in the repository that holds the state" },
  json: JSON_FLAG,
};

/**
 * Where the deploy lock lives, one rule for every verb that takes, lists or releases it (the code:
 * packages/cli/locks.ts), so that a lock taken on a laptop blocks a CI deploy and the other way round.
 */
const LOCK_RULE =
  "The lock lives in the DynamoDB table when SST_STATE_TABLE is set; else, on a git home (--home git; run --git), in the ref\n" +
  "refs/sst-state/locks/<app>/<stage> on the remote (SST_STATE_GIT_REMOTE, default origin); else in this folder's embedded store.";

const TARGET: ArgSpec = { name: "stage", kind: "target", required: true, field: "target" };
const REASON_FLAG: FlagSpec = { kind: "string", value: "R", description: "why (shown to whoever finds the stage locked)" };
const TTL_FLAG: FlagSpec = { kind: "duration", value: "30m", description: "how long the lock holds without a heartbeat (default: the stage's lockTtl, else 30m)" };
const HOLDER_FLAG: FlagSpec = { kind: "string", value: "WHO", cliOnly: true, common: true, description: "who you are (default: the CI identity, else user@host)" };
/** `lock prodd` (a typo) must not lock nothing while prod stays open: a stage without state needs this. */
const NEW_STAGE_FLAG: FlagSpec = { kind: "boolean", cliOnly: true, description: "the stage has no state yet (its first deploy is about to run): lock it anyway" };

/** `--yes` of the verbs that write state once someone approves (restore, repair). */
const yesFlag = (what: string): FlagSpec => ({ kind: "boolean", short: "y", cliOnly: true, description: `${what} now, without approval (only where the stage's policy has requireApproval: false)` });
/** Their exit codes: the request is the success; `--yes` writes at once. */
const requestExitCodes = (done: string, nothing = "") => `Exit codes: 0 the request was made (or, with --yes, ${done});\n1 ${nothing}refused or failed; 2 bad usage.`;

export const VERB_TABLE = [
  {
    verb: "status",
    summary: "resources, last update and its errors, SST's lock and ours, pending operations",
    args: [TARGET],
    flags: STATE_FLAGS,
    examples: ["prod", "shop/prod --json"],
    details: "Exit 1 when SST's lock is held or the last update failed or never completed.",
    surfaces: ["cli", "slack"],
  },
  {
    verb: "history",
    summary: "the stage's versions, one per deploy, newest first (--all: raw S3 object versions, paged)",
    args: [TARGET],
    flags: {
      ...STATE_FLAGS,
      limit: { kind: "count", value: "N", description: "how many versions (default 20)" },
      all: { kind: "boolean", description: "also list the raw S3 object versions of app/<app>/<stage>.json (a deploy pushes many)" },
      cursor: { kind: "string", value: "C", description: "with --all: the page after this cursor" },
    },
    examples: ["prod --limit 5", "prod --all --limit 100", "prod --all --cursor abc"],
    surfaces: ["cli", "slack"],
  },
  {
    verb: "diff",
    summary: "what changed between two versions (default: previous → latest), by resource and property path",
    args: [TARGET, { name: "from", kind: "selector", default: "previous" }, { name: "to", kind: "selector", default: "latest" }],
    flags: STATE_FLAGS,
    examples: ["prod ~3 latest", "prod", "shop/prod previous ~0 --json"],
    surfaces: ["cli", "slack"],
  },
  {
    verb: "diagnose",
    summary: "check the stage for every known way SST state breaks, with a fix for each finding",
    args: [TARGET],
    flags: { ...STATE_FLAGS, "no-probes": { kind: "boolean", cliOnly: true, description: "do not call AWS for the cloud probes" } },
    examples: ["prod", "shop/prod --json", "prod --no-probes"],
    details:
      "Runs the state rules (pending operations, locks, dangling references, order, retained orphans, …) and, when AWS\n" +
      "credentials are configured, the cloud probes (Router KV entries, resources tagged for the stage).\n" +
      "Exit 1 when there are error findings.",
    surfaces: ["cli", "slack"],
  },
  {
    verb: "restore",
    summary: "ask to roll the state back to a version (someone else approves, in Slack)",
    args: [TARGET, { name: "version", kind: "selector", required: true, missing: "`restore` needs the version to go back to." }],
    flags: { ...STATE_FLAGS, yes: yesFlag("restore") },
    examples: ["prod previous", "shop/prod ~2", "dev ~2 --yes"],
    details:
      "Writes the chosen version as the new current state once someone else approves it in Slack; nothing is deleted.\n" +
      "Set SLACK_BOT_TOKEN (and a channel for the stage in sst-state.json) to post the request; SST_STATE_USER names you.\n" +
      requestExitCodes("the state restored"),
    surfaces: ["cli", "slack"],
  },
  {
    verb: "repair",
    summary: "propose a repair of state Pulumi refuses (order, dangling references, duplicates, pending operations, SST's stale lock); someone else approves",
    args: [TARGET],
    flags: {
      ...STATE_FLAGS,
      rule: { kind: "list", value: "R", description: `only this fix; give it again for more (${REPAIR_RULES.join(", ")}; default: all)` },
      exists: { kind: "list", value: "URN", description: "a pending operation's resource (URN or name) exists in AWS: remove the pending operation; give it again for more" },
      gone: { kind: "list", value: "URN", description: "a pending operation's resource (URN or name) does not exist in AWS: remove the pending operation; give it again for more" },
      plan: { kind: "boolean", cliOnly: true, description: "only show the repair (changes, reasons, what blocks it); ask for nothing" },
      yes: yesFlag("repair"),
    },
    examples: ["prod", "prod --rule dependency-order --rule dangling-dependency", "prod --gone urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Uploads", "prod --rule stale-lock", "prod --plan", "dev --yes"],
    details:
      "Builds the current state with every mechanical fix and checks it with Pulumi's own integrity rules first: when the\n" +
      "result would still be refused, nothing is proposed and the output says what blocks it. Otherwise the repair is a\n" +
      "request like a restore: the changes resource by resource with the reason for each, approved in Slack by someone\n" +
      "else, written under the stage's lock only if the state is still the one shown, nothing deleted, audited, undoable.\n" +
      "Pending operations leave only with --exists/--gone for their resource (only a person knows what AWS holds).\n" +
      requestExitCodes("the state repaired; with --plan, a repair exists", "nothing to propose, "),
    surfaces: ["cli", "slack"],
  },
  {
    verb: "lock",
    summary: "take the stage's deploy lock (exit 1, naming the holder, when someone else has it)",
    args: [TARGET, { name: "reason", kind: "text", rest: true, required: true, missing: "Say why you are locking the stage, so others know whom to ask." }],
    flags: { ...STATE_FLAGS, reason: REASON_FLAG, ttl: TTL_FLAG, holder: HOLDER_FLAG, "new-stage": NEW_STAGE_FLAG },
    examples: ["prod migrating the orders table --ttl 1h", 'prod --reason "db migration" --ttl 2h', "shop/prod hotfix --json", "preview first deploy --new-stage"],
    details:
      "The reason is the words after the stage, or --reason. The lock is a lease: it expires after --ttl unless renewed\n" +
      "(`sst-state run` renews it while the command runs). Exit 1 when the stage is locked by someone else; the message\n" +
      "says who, since when, why, and when it expires. Exit 2 when the stage has no state (a typo?) unless --new-stage.\n" +
      LOCK_RULE,
    surfaces: ["cli", "slack"],
  },
  {
    verb: "unlock",
    summary: "release your deploy lock, or break anyone's with --force --reason",
    args: [TARGET, { name: "reason", kind: "text", rest: true }],
    flags: {
      ...STATE_FLAGS,
      force: { kind: "boolean", description: "break the lock whoever holds it (needs a reason)" },
      reason: { kind: "string", value: "R", description: "why the lock is broken (recorded and announced)" },
      holder: HOLDER_FLAG,
    },
    examples: ["prod", "prod --force --reason stuck job", 'prod --force --reason "the CI run was cancelled"'],
    details: `Exit 1 when the lock is someone else's and --force was not given.\n${LOCK_RULE}`,
    surfaces: ["cli", "slack"],
  },
  {
    verb: "locks",
    summary: "the deploy locks held now: who, why, since when, until when",
    args: [{ name: "app", kind: "name" }],
    // --home / --state-dir: a git home's locks are on its remote (the lock rule: packages/cli/locks.ts)
    flags: { ...STATE_FLAGS, app: { ...APP, description: "only this app (default: SST_STATE_APP or sst-state.json; else every app)" } },
    examples: ["", "shop", "--app shop --json", "--home git --state-dir infra/state"],
    details: LOCK_RULE,
    surfaces: ["cli", "slack"],
  },
  {
    verb: "run",
    summary: "run a command under the stage's deploy lock, then report what changed in the state",
    args: [TARGET],
    flags: {
      ...STATE_FLAGS,
      reason: REASON_FLAG,
      ttl: TTL_FLAG,
      holder: HOLDER_FLAG,
      "new-stage": NEW_STAGE_FLAG,
      // state kept in git (packages/cli/run-git.ts)
      git: { kind: "boolean", cliOnly: true, description: "state kept in git: lock on the remote, copy the state into SST's home, run, copy back, commit and push (needs --state-dir)" },
      wait: { kind: "string", value: "10m", cliOnly: true, description: "with --git: wait up to this long for the stage to be free (default: do not wait)" },
      remote: { kind: "string", value: "origin", cliOnly: true, description: "with --git: the remote that holds the branch and the lock (default: SST_STATE_GIT_REMOTE, else origin)" },
      branch: { kind: "string", value: "B", cliOnly: true, description: "with --git: the branch to push to (default: the checked-out branch)" },
    },
    examples: [
      "prod -- npx sst deploy --stage prod",
      'prod --reason "release 1.4" -- npm run deploy',
      "preview --new-stage -- npx sst deploy --stage preview",
      "prod --git --state-dir infra/state --wait 10m -- npx sst deploy --stage prod",
    ],
    details:
      "Exits with the command's exit code; 1 without running it when the stage is locked by someone else;\n" +
      "2 without running it when the stage has no state (a typo?) unless --new-stage.\n" +
      "With --git: 1 also when the new state could not reach the branch (it is then saved in refs/sst-state/recovery/…).\n" +
      LOCK_RULE,
    surfaces: ["cli"],
    passthrough: { name: "command…", required: "Which command? Put it after `--`, e.g. `sst-state run prod -- npx sst deploy --stage prod`." },
  },
  {
    verb: "audit",
    summary: "who asked for, approved, rejected and ran restores of a stage, newest first",
    args: [TARGET],
    flags: { ...STATE_FLAGS, limit: { kind: "count", value: "N", description: "at most N entries (default 20)" } },
    examples: ["prod", "prod --limit 5 --json"],
    surfaces: ["cli"],
  },
  {
    verb: "serve",
    summary: "run the Slack bot on this machine (HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN)",
    args: [],
    flags: {
      ...STATE_FLAGS,
      port: { kind: "string", value: "N", cliOnly: true, description: "HTTP port (default: PORT, else 3000)" },
      host: { kind: "string", value: "H", cliOnly: true, description: "address to listen on (default 127.0.0.1; 0.0.0.0 for all)" },
    },
    examples: ["", "--port 8080 --host 0.0.0.0"],
    details:
      "With SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN it answers a real workspace (see slack-app-manifest.yml\n" +
      "and the README); without them it serves a local Slack at http://localhost:PORT/ to try every command\n" +
      "and button in a browser, as several people.\n" +
      "With no SST home on this machine it generates a demo home under .sst-state/demo.\n" +
      `Ctrl-C stops it once what is running has finished, waiting at most SST_STATE_STOP_GRACE (${DEFAULT_STOP_GRACE});\n` +
      "Ctrl-C again (a second or more later) stops it at once.",
    surfaces: ["cli"],
  },
  {
    verb: "demo",
    summary: "generate a realistic demo SST home under .sst-state/demo and show status, history and the last diff",
    args: [
      { name: "stage", kind: "name" },
      { name: "id", kind: "name", field: "subject" },
    ],
    flags: {
      as: { kind: "string", value: "USER", cliOnly: true, description: "demo approve: the approving demo user (default: the one who did not ask)" },
      json: { ...JSON_FLAG, description: "demo approve: print the outcome as one JSON object" },
    },
    examples: ["", "staging", "sst-unlock prod"],
    details:
      "The demo app is acme-shop with stages prod (last deploy interrupted, SST's lock left behind), staging (last deploy\n" +
      "failed) and dev, and a policy (.sst-state/demo/sst-state.json): a channel, prod approved by Alice or Bob.\n" +
      "Point every command at it: export SST_STATE_DIR=$PWD/.sst-state/demo SST_STATE_CONFIG=$PWD/.sst-state/demo/sst-state.json\n\n" +
      "  sst-state demo approve <id>      approve a restore request as the other demo user (the demo's Approve button)\n" +
      "  sst-state demo sst-unlock prod   clear the demo's stale SST lock, as `sst unlock --stage prod` does on a real app",
    surfaces: ["cli"],
  },
  {
    verb: "help",
    summary: "this list, or one command's usage and examples",
    args: [{ name: "topic", kind: "verb" }],
    flags: {},
    examples: ["", "diff"],
    surfaces: ["cli", "slack"],
  },
] as const satisfies readonly VerbSpec[];

export type Verb = (typeof VERB_TABLE)[number]["verb"];
type SlackEntry = Extract<(typeof VERB_TABLE)[number], { surfaces: readonly ["cli", "slack"] }>;
/** The verbs of the slash command. */
export type SlackVerb = SlackEntry["verb"];

/** Every verb, in help order. */
export const ALL_VERBS: readonly Verb[] = VERB_TABLE.map((v) => v.verb);

/** The verbs of a surface, in help order. */
export function verbsOf(surface: Surface): Verb[] {
  return VERB_TABLE.filter((v) => (v.surfaces as readonly Surface[]).includes(surface)).map((v) => v.verb);
}

/** The slash command's verbs (what `/sst-state help` lists). */
export const VERBS = verbsOf("slack") as SlackVerb[];

export function verbSpec(verb: Verb): VerbSpec {
  return VERB_TABLE.find((v) => v.verb === verb)!;
}

/** The flags of a verb on a surface (Slack does not see the CLI-only ones). */
export function flagsOf(spec: VerbSpec, surface: Surface): [string, FlagSpec][] {
  return Object.entries(spec.flags).filter(([, f]) => surface === "cli" || !f.cliOnly);
}

/** `diff <stage> [from] [to]`, `lock <stage> <reason…> [--ttl 30m]` — for a surface. */
export function usageOf(spec: VerbSpec, surface: Surface): string {
  const args = spec.args.map((a) => {
    const label = `${a.name}${a.rest ? "…" : ""}`;
    return a.required ? `<${label}>` : `[${label}]`;
  });
  const flags = flagsOf(spec, surface)
    .filter(([, f]) => !f.common)
    .map(([name, f]) => `[--${name}${f.kind === "boolean" ? "" : ` ${f.value ?? "V"}`}]`);
  const rest = spec.passthrough ? [`-- <${spec.passthrough.name}>`] : [];
  return [spec.verb, ...args, ...flags, ...rest].join(" ");
}

/** The examples that work on a surface (Slack leaves out those using CLI-only flags). */
export function examplesOf(spec: VerbSpec, surface: Surface): string[] {
  if (surface === "cli") return [...spec.examples];
  const cliOnly = flagsOf(spec, "cli").filter(([, f]) => f.cliOnly);
  return spec.examples.filter((e) => !cliOnly.some(([name, f]) => e.split(/\s+/).some((w) => w === `--${name}` || (f.short && w === `-${f.short}`))));
}

/** Version selectors, as the CLI and Slack accept them. */
export const SELECTOR_HELP =
  "Versions: `latest`, `previous`, `~N` (N deploys back), an updateID (24 hex characters), an S3 version id, or on a git home a commit sha (prefix) and `uncommitted`; `history <stage>` lists them.";

/**
 * A text written for the terminal, in Slack's words: each `` `sst-state <verb> …` `` whose verb the
 * slash command has becomes `` `/sst-state <verb> …` `` (the CLI-only verbs, `run`, `serve`, `demo`,
 * stay as they are). A sentence that sends the reader to a terminal ("in a terminal", "locally")
 * names the CLI on purpose and is left alone.
 */
export function inSlackSyntax(text: string, slash = "/sst-state"): string {
  const slackVerbs = new Set<string>(verbsOf("slack"));
  return text
    .split(/(?<=[.;!?])(?=\s)/)
    .map((sentence) =>
      /\b(terminal|locally)\b/i.test(sentence)
        ? sentence
        : sentence.replace(/`sst-state(?=[ `])( ([a-z-]+))?/g, (m, _rest: string | undefined, verb: string | undefined) =>
            verb === undefined || slackVerbs.has(verb) ? `\`${slash}${_rest ?? ""}` : m,
          ),
    )
    .join("");
}
