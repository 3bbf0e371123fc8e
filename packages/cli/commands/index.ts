/**
 * Every CLI command, in the order `sst-state help` lists them. A new verb is a file in this folder
 * that default-exports a CliCommand, added here. Each is loaded only when it runs (the bundle is
 * split per command), so a command pays only for the dependencies it uses.
 */
import type { CliCommand } from "../cli-types.ts";

type Loader = () => Promise<{ default: CliCommand }>;

const loaders: Record<string, Loader> = {
  status: () => import("./status.ts"),
  history: () => import("./history.ts"),
  diff: () => import("./diff.ts"),
  diagnose: () => import("./diagnose.ts"),
  lock: () => import("./lock.ts"),
  unlock: () => import("./unlock.ts"),
  locks: () => import("./locks.ts"),
  run: () => import("./run.ts"),
  restore: () => import("./restore.ts"),
  audit: () => import("./audit.ts"),
  serve: () => import("./serve.ts"),
  demo: () => import("./demo.ts"),
};

export const commandNames: readonly string[] = Object.keys(loaders);

export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  const load = Object.hasOwn(loaders, name) ? loaders[name] : undefined;
  return load ? (await load()).default : undefined;
}

/** Every command (for the command list in `help`). */
export async function loadCommands(): Promise<CliCommand[]> {
  return Promise.all(commandNames.map(async (n) => (await loaders[n]!()).default));
}
