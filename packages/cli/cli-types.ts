/**
 * The CLI's command modules. Each `commands/<verb>.ts` default-exports a CliCommand: what the verb
 * does. Its arguments, flags, help and examples are in the verb table
 * (packages/core/command/verbs.ts), which `main.ts` parses argv by; errors map to exit codes
 * (DESIGN §4: 0 ok, 1 the command ran and found a problem, 2 bad usage or input).
 */
import type { Command, Verb } from "@sst-state/core/command";
import type { Services } from "./services.ts";

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: colours and relative times are welcome */
  isTTY: boolean;
  color: boolean;
}

export interface CliArgs<C extends Command = Command> {
  /** the parsed command (the same the slash command gets for the same words) */
  command: C;
  /** the CLI-only flags given (`--json`, `--home`, `--holder`, `--yes`, …) */
  flags: Record<string, string | boolean | undefined>;
  /** everything after `--` (for `run`) */
  rest: string[];
}

export interface CliContext {
  io: CliIO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  services: Services;
}

export interface CliCommand<V extends Verb = Verb> {
  verb: V;
  run(args: CliArgs<Extract<Command, { verb: V }>>, ctx: CliContext): Promise<number>;
}
