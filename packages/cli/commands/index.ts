/**
 * What each CLI verb does: `commands/<verb>.ts`, loaded only when it runs (the bundle is split per
 * command), so a command pays only for the dependencies it uses. Its grammar and help are in the
 * verb table (packages/core/command/verbs.ts).
 */
import type { Verb } from "@sst-state/core/command";
import type { CliCommand } from "../cli-types.ts";

type Loader = () => Promise<{ default: { verb: Verb } }>;

const loaders: Record<Exclude<Verb, "help">, Loader> = {
  status: () => import("./status.ts"),
  history: () => import("./history.ts"),
  diff: () => import("./diff.ts"),
  diagnose: () => import("./diagnose.ts"),
  lock: () => import("./lock.ts"),
  unlock: () => import("./unlock.ts"),
  locks: () => import("./locks.ts"),
  run: () => import("./run.ts"),
  restore: () => import("./restore.ts"),
  repair: () => import("./repair.ts"),
  audit: () => import("./audit.ts"),
  serve: () => import("./serve.ts"),
  demo: () => import("./demo.ts"),
};

export async function loadCommand(verb: Exclude<Verb, "help">): Promise<CliCommand> {
  return (await loaders[verb]()).default as unknown as CliCommand;
}
