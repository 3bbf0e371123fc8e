/**
 * The verbs of `/sst-state` (and the CLI), each with its usage and one example. `help` renders
 * this list; the parser uses it for its hints. Keep the order: it is the order users see.
 */
export const VERBS = ["status", "history", "diff", "diagnose", "restore", "lock", "unlock", "locks", "help"] as const;
export type Verb = (typeof VERBS)[number];

export interface VerbHelp {
  verb: Verb;
  /** arguments after the verb, e.g. `<stage> [FROM] [TO]` */
  usage: string;
  summary: string;
  /** arguments of one working example (after the verb) */
  example: string;
}

export const VERB_HELP: readonly VerbHelp[] = [
  { verb: "status", usage: "<stage>", summary: "resources, last update and its errors, SST's lock, our lock, pending operations", example: "prod" },
  { verb: "history", usage: "<stage> [--limit N] [--all]", summary: "state versions, newest first (`--all`: every S3 object version)", example: "prod --limit 5" },
  { verb: "diff", usage: "<stage> [FROM] [TO]", summary: "what changed between two versions (default: previous → latest)", example: "prod ~3 latest" },
  { verb: "diagnose", usage: "<stage>", summary: "look for stale locks, interrupted deploys, orphans and corrupt state", example: "prod" },
  { verb: "restore", usage: "<stage> <version>", summary: "ask to roll the state back to a version (someone else approves)", example: "prod previous" },
  { verb: "lock", usage: "<stage> <reason> [--ttl 30m]", summary: "hold the stage's deploy lock", example: "prod migrating the orders table --ttl 1h" },
  { verb: "unlock", usage: "<stage> [--force --reason R]", summary: "release your lock (`--force` breaks someone else's)", example: "prod" },
  { verb: "locks", usage: "[app]", summary: "every lock held now", example: "" },
  { verb: "help", usage: "[verb]", summary: "this list", example: "diff" },
];

/** Version selectors, as the CLI and Slack accept them. */
export const SELECTOR_HELP =
  "Versions: `latest`, `previous`, `~N` (N deploys back), an updateID (24 hex characters) or an S3 version id; `history <stage>` lists them.";

export function verbHelp(verb: Verb): VerbHelp {
  return VERB_HELP.find((h) => h.verb === verb)!;
}
