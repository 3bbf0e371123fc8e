/**
 * The CLI's command modules. Each `commands/<verb>.ts` default-exports a CliCommand; `main.ts`
 * parses the flags it declares (node:util parseArgs, strict), runs it, and maps errors to exit
 * codes (DESIGN §4: 0 ok, 1 the command ran and found a problem, 2 bad usage or input).
 */
import type { Services } from "./services.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  description: string;
  /** placeholder in help, e.g. "N" */
  value?: string;
  multiple?: boolean;
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: colours and relative times are welcome */
  isTTY: boolean;
  color: boolean;
}

export interface CliArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  /** everything after `--` (for `run`) */
  rest: string[];
}

export interface CliContext {
  io: CliIO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  services: Services;
}

export interface CliCommand {
  name: string;
  /** one line for the command list */
  summary: string;
  /** e.g. "status <stage>" */
  usage: string;
  /** longer help: examples, what the exit codes mean */
  help?: string;
  flags: Record<string, FlagSpec>;
  /** the flags shared by every command that reads a stage are added by main.ts */
  readsState?: boolean;
  run(args: CliArgs, ctx: CliContext): Promise<number>;
}
