/**
 * `sst-state` entry point: argv → command → exit code. All output goes through CliIO so the
 * commands are testable in-process; errors become a message + hint on stderr (or JSON with
 * --json), never a stack trace (set SST_STATE_DEBUG=1 for one).
 */
import { helpOf, parseArgv, verbHelp, type Command, type CommandError, type Verb } from "@sst-state/core/command";
import { isSstStateError, UsageError } from "@sst-state/core/errors";
import { timerEnvMs } from "@sst-state/core/format";
import type { CliArgs, CliCommand, CliIO } from "./cli-types.ts";
import { createServices } from "./services.ts";
import { createStyle, forTerminal, table } from "./output.ts";

const HELP_FLAG = ["-h, --help", "show help for this command"] as const;

/** `sst-state <verb> --help`, generated from the verb table. */
export function commandHelp(verb: Verb): string {
  const h = verbHelp(verb, "cli");
  const flags = h.flags.map(([name, f]) => [`${f.short ? `-${f.short}, ` : ""}--${name}${f.kind === "boolean" ? "" : ` ${f.value ?? "VALUE"}`}`, f.description]);
  return [
    `Usage: sst-state ${h.usage}`,
    "",
    h.summary,
    ...(h.details ? ["", h.details.trimEnd()] : []),
    "",
    "Examples:",
    ...h.examples.map((e) => `  ${["sst-state", verb, e].filter(Boolean).join(" ")}`),
    "",
    "Options:",
    table([...flags, [...HELP_FLAG]], { indent: "  " }),
  ].join("\n");
}

/** `sst-state help`: every verb, generated from the verb table. */
export function globalHelp(): string {
  return [
    "sst-state: status, history, diffs, diagnoses, locks and approved restores for SST deployment state.",
    "",
    "Usage: sst-state <command> [options]",
    "",
    "Commands:",
    table(helpOf("cli").map((h) => [h.usage, h.summary]), { indent: "  " }),
    "",
    "Versions (diff, restore): latest, previous, ~N (N deploys back), an updateID, an S3 version id, a commit sha (git home).",
    "Exit codes: 0 ok, 1 the command ran and found a problem, 2 bad usage or input.",
    "Run `sst-state <command> --help` for a command's options and examples.",
  ].join("\n");
}

/**
 * What a verb does: `commands/<verb>.ts` (its default export), loaded only when it runs. The file
 * is named by the verb, so the verb table is the one list of verbs (a verb the parser accepted
 * names its file). esbuild turns this import into one lazy chunk per command file (the bundle is
 * split), so a command pays only for the dependencies it uses. `help` has no file: it is printed here.
 */
export async function loadCommand(verb: Exclude<Verb, "help">): Promise<CliCommand> {
  const module = (await import(`./commands/${verb}.ts`)) as { default: CliCommand };
  return module.default;
}

function usageError(e: CommandError): UsageError {
  return new UsageError(e.message, e.hint);
}

/** argv after the verb → the command module's arguments (by the verb table, as Slack parses). */
export function parseCommandArgs<V extends Verb>(cmd: CliCommand<V>, argv: string[]): CliArgs<Extract<Command, { verb: V }>> & { help: boolean } {
  const parsed = parseArgv([cmd.verb, ...argv], { surface: "cli" });
  if (!parsed.ok) throw usageError(parsed.error);
  const command = parsed.command as Extract<Command, { verb: V }>;
  return { command, flags: parsed.cliFlags, rest: parsed.rest, help: parsed.command.verb === "help" };
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  io?: CliIO;
}

/** stdout and stderr, through forTerminal (output.ts): no text from a lock or a state acts on the terminal. */
export function processIO(): CliIO {
  const isTTY = !!process.stdout.isTTY;
  const color = isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  const line = (t: string) => forTerminal(t.endsWith("\n") ? t : t + "\n", color);
  return {
    out: (t) => void process.stdout.write(line(t)),
    err: (t) => void process.stderr.write(line(t)),
    isTTY,
    color,
  };
}

/** How long a command other than `serve` keeps the embedded store to itself (packages/adapters/embedded-dynamo.ts); `0s` shares at once. */
const SHARE_AFTER = "250ms";

/** SST_STATE_SHARE_AFTER, else SHARE_AFTER; read when the embedded store opens. */
const shareAfterMs = (env: NodeJS.ProcessEnv) => timerEnvMs(env, "SST_STATE_SHARE_AFTER", { fallback: SHARE_AFTER, minMs: 0, shape: "such as 250ms or 2s" });

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const io = opts.io ?? processIO();
  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out("sst-state 0.1.0");
    return 0;
  }
  const dash = argv.indexOf("--");
  const json = (dash < 0 ? argv : argv.slice(0, dash)).includes("--json");
  const style = createStyle(io.color);
  const parsed = parseArgv(argv, { surface: "cli" });
  if (!parsed.ok) {
    report(io, json, usageError(parsed.error), style);
    return 2;
  }
  const { command } = parsed;
  if (command.verb === "help") {
    io.out(command.topic ? commandHelp(command.topic) : globalHelp());
    return 0;
  }
  let services: ReturnType<typeof createServices> | undefined;
  try {
    const cmd = await loadCommand(command.verb);
    const app = "target" in command ? command.target.app : command.verb === "locks" ? command.app : undefined;
    const flags = parsed.cliFlags;
    services = createServices({
      env,
      cwd,
      ...(typeof flags.home === "string" ? { home: flags.home } : {}),
      ...(typeof flags["state-dir"] === "string" ? { stateDir: flags["state-dir"] } : {}),
      ...(app ? { app } : {}),
      // next to the bundled entry (dist/); absent in a source checkout, where scans stay in this
      // thread and dynalite loads from its install
      indexWorker: new URL("./index-worker.mjs", import.meta.url),
      dynaliteBundle: new URL("./dynalite.cjs", import.meta.url),
      // Owning the embedded store, `serve` shares it at once (other terminals lock through it); any
      // other command only if still running after SST_STATE_SHARE_AFTER: `status` or `locks` ends
      // before, without starting an HTTP server, and a process that wants the store meanwhile waits for it.
      embeddedPublishAfterMs: command.verb === "serve" ? () => 0 : () => shareAfterMs(env),
    });
    return await cmd.run({ command, flags, rest: parsed.rest }, { io, env, cwd, services });
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
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Exit once the output is out rather than when the event loop runs dry: runCli has closed
    // every service, and a natural exit first waits for V8's background compile and GC work
    // (~20 ms after `locks`, ~0.2 s after a 100 MB `status`, measured). The empty writes' callbacks
    // come after everything written before them (pipes are asynchronous on some platforms).
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  });
}
