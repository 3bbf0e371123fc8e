/**
 * Help for both surfaces, generated from the verb table (verbs.ts): the one-line usage, summary
 * and examples of each verb. The CLI formats it for the terminal (packages/cli/main.ts), Slack as
 * Block Kit (packages/slack/render/help.ts).
 */
import { examplesOf, flagsOf, usageOf, verbsOf, verbSpec, type FlagSpec, type Surface, type Verb } from "./verbs.ts";

export interface VerbHelp {
  verb: Verb;
  /** `diff <stage> [from] [to]` */
  usage: string;
  summary: string;
  /** arguments of each working example (after the verb) */
  examples: string[];
  details?: string;
  /** the verb's flags on this surface, with their descriptions */
  flags: [string, FlagSpec][];
}

export function verbHelp(verb: Verb, surface: Surface): VerbHelp {
  const spec = verbSpec(verb);
  return {
    verb,
    usage: usageOf(spec, surface),
    summary: spec.summary,
    examples: examplesOf(spec, surface),
    ...(spec.details ? { details: spec.details } : {}),
    flags: flagsOf(spec, surface),
  };
}

/** Every verb's help on a surface, in table order. */
export function helpOf(surface: Surface): VerbHelp[] {
  return verbsOf(surface).map((v) => verbHelp(v, surface));
}
