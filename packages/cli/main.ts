/**
 * `sst-state` entry point: argv → command → exit code. All output goes through CliIO so the
 * commands are testable in-process; errors become a message + hint on stderr (or JSON with
 * --json), never a stack trace (set SST_STATE_DEBUG=1 for one).
 */
import { parseArgs } from "node:util";
import { isSstStateError, UsageError } from "@sst-state/core/errors";
import type { CliArgs, CliCommand, CliIO, FlagSpec } from "./cli-types.ts";
import { commandNames, loadCommand, loadCommands } from "./commands/index.ts";
import { createServices } from "./services.ts";
import { createStyle } from "./output.ts";

export const STATE_FLAGS: Record<string, FlagSpec> = {
  app: { type: "string", value: "A", description: "the SST app (default: SST_STATE_APP, sst-state.json, or the only app in the home)" },
  home: { type: "string", value: "local|aws", description: "where SST keeps state (default: SST_STATE_HOME, else local when the local home has the app, else aws)" },
  "state-dir": { type: "string", value: "D", description: "the local home root, the folder that contains state/ (default: SST_STATE_DIR or SST's own)" },
  json: { type: "boolean", description: "print one JSON object on stdout" },
};

export function findCommand(name: string | undefined): Promise<CliCommand | undefined> {
  return name ? loadCommand(name) : Promise.resolve(undefined);
}

function flagsOf(cmd: CliCommand): Record<string, FlagSpec> {
  return { ...(cmd.readsState ? STATE_FLAGS : {}), ...cmd.flags, help: { type: "boolean", short: "h", description: "show help for this command" } };
}

export function commandHelp(cmd: CliCommand): string {
  const flags = Object.entries(flagsOf(cmd)).map(([name, f]) => {
    const left = `  ${f.short ? `-${f.short}, ` : ""}--${name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""}`;
    return [left, f.description] as const;
  });
  const width = Math.max(...flags.map(([l]) => l.length)) + 2;
  return [
    `Usage: sst-state ${cmd.usage}`,
    "",
    cmd.summary,
    ...(cmd.help ? ["", cmd.help.trimEnd()] : []),
    "",
    "Options:",
    ...flags.map(([l, d]) => l.padEnd(width) + d),
  ].join("\n");
}

export async function globalHelp(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.usage.length)) + 2;
  return [
    "sst-state: status, history, diffs, diagnoses, locks and approved restores for SST deployment state.",
    "",
    "Usage: sst-state <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}${c.summary}`),
    "",
    "Versions (diff, restore): latest, previous, ~N (N deploys back), an updateID, an S3 version id.",
    "Exit codes: 0 ok, 1 the command ran and found a problem, 2 bad usage or input.",
    "Run `sst-state <command> --help` for a command's options.",
  ].join("\n");
}

export function parseCommandArgs(cmd: CliCommand, argv: string[]): CliArgs & { help: boolean } {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const rest = dash < 0 ? [] : argv.slice(dash + 1);
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(flagsOf(cmd))) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals: true, strict: true });
    const { help, ...flags } = values as Record<string, string | boolean | string[] | undefined>;
    return { positionals, flags, rest, help: help === true };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}.`, `Run \`sst-state ${cmd.name} --help\` for its options.`);
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  io?: CliIO;
}

export function processIO(): CliIO {
  const isTTY = !!process.stdout.isTTY;
  return {
    out: (t) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    err: (t) => void process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
    isTTY,
    color: isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb",
  };
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const io = opts.io ?? processIO();
  const [verb, ...args] = argv;
  if (!verb || verb === "help" || verb === "--help" || verb === "-h") {
    const target = await findCommand(args[0]);
    io.out(target ? commandHelp(target) : await globalHelp());
    return 0;
  }
  if (verb === "--version" || verb === "-v") {
    io.out("sst-state 0.1.0");
    return 0;
  }
  const cmd = await findCommand(verb);
  const json = args.includes("--json");
  const style = createStyle(io.color);
  if (!cmd) {
    const known = [...commandNames];
    const close = known.filter((k) => k.startsWith(verb.slice(0, 2)));
    report(io, json, new UsageError(`Unknown command "${verb}".`, `${close.length ? `Did you mean ${close.join(" or ")}? ` : ""}Commands: ${known.join(", ")}.`), style);
    return 2;
  }
  let services: ReturnType<typeof createServices> | undefined;
  try {
    const parsed = parseCommandArgs(cmd, args);
    if (parsed.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    services = createServices({
      env,
      cwd,
      ...(typeof parsed.flags.home === "string" ? { home: parsed.flags.home } : {}),
      ...(typeof parsed.flags["state-dir"] === "string" ? { stateDir: parsed.flags["state-dir"] } : {}),
      ...(typeof parsed.flags.app === "string" ? { app: parsed.flags.app } : {}),
    });
    return await cmd.run(parsed, { io, env, cwd, services });
  } catch (e) {
    report(io, json, e, style);
    return isSstStateError(e) ? e.exitCode : 1;
  } finally {
    await services?.close().catch(() => {});
  }
}

function report(io: CliIO, json: boolean, e: unknown, style: ReturnType<typeof createStyle>): void {
  if (isSstStateError(e)) {
    if (json) io.out(JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } }));
    io.err(`${style.red("error")}: ${e.message}${e.hint ? `\n${style.dim("hint")}: ${e.hint}` : ""}`);
    return;
  }
  const err = e as Error;
  if (json) io.out(JSON.stringify({ error: { code: "internal", message: err?.message ?? String(e), hint: null } }));
  io.err(`${style.red("error")}: ${err?.message ?? String(e)}`);
  if (process.env.SST_STATE_DEBUG) io.err(String(err?.stack ?? ""));
  else io.err(`${style.dim("hint")}: this looks like a bug in sst-state; run again with SST_STATE_DEBUG=1 for details and report it.`);
}

// Run when executed (the bundle's entry), not when imported by tests.
const invoked = process.argv[1] ?? "";
if (/sst-state(\.mjs)?$/.test(invoked) || invoked.endsWith("/cli/main.ts")) {
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
