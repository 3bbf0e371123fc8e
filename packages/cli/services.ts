/**
 * The CLI's services: the composition root (packages/services/services.ts, shared with `serve` and
 * the Lambdas) built from flags and environment (DESIGN §4), plus the CLI's project (found like git
 * finds a repository) and `target`. Lazily, once per process: nothing is opened that is not used.
 */
import { resolve } from "node:path";
import { UsageError } from "@sst-state/core/errors";
import type { Clock } from "@sst-state/core/ports";
import { createServices as createRootServices, type Services as RootServices, type TableHandle } from "@sst-state/services/services";
import type { BotLogger } from "@sst-state/slack/deps";
import type { Target } from "@sst-state/core/command";
import { checkName } from "@sst-state/core/names";
import type { VersionIndexer } from "@sst-state/core/state/checkpoint-index";
import { demoHint } from "./demo.ts";
import { escapeControls } from "@sst-state/core/text/controls";
import { findProject, sstConfigAppName, type Project } from "./project.ts";

export interface ServiceOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home?: string;
  stateDir?: string;
  app?: string;
  clock?: Clock;
  /** the bundled scan worker (dist/index-worker.mjs, named by main.ts); without it, scans run in this thread */
  indexWorker?: URL;
  /** the bundled embedded store (dynalite and LevelDB: dist/dynalite.cjs, named by main.ts); without it, dynalite's install */
  dynaliteBundle?: URL;
  /** when this process, owning the embedded store, shares it with others (main.ts: at once for `serve`) */
  embeddedPublishAfterMs?: () => number;
}

export type { TableHandle };

/** The root's services (packages/services/services.ts) plus what only the CLI has: its project and `target`. */
export interface Services extends RootServices {
  readonly env: NodeJS.ProcessEnv;
  /** where the command runs (relative paths in flags are resolved against it) */
  readonly cwd: string;
  /** the project: the folder above cwd holding sst-state.json or sst.config.ts (else cwd); keeps .sst-state/ */
  readonly project: Project;
  /** the home named by --home / SST_STATE_HOME, if any (the git home is only ever named) */
  home(): "local" | "aws" | "git" | undefined;
  /** a parsed target (or `prod` / `shop/prod`) + --app / SST_STATE_APP / config → {app, stage} */
  target(target: Target | string | undefined): Promise<{ app: string; stage: string }>;
  /** how a diagnosis reads and scans the previous version: in a worker thread when the CLI names its script (absent: in this thread) */
  indexVersion?: VersionIndexer;
}

/** The CLI logs plain lines on stderr (the Lambdas log JSON). */
const stderrLogger: BotLogger = {
  info: () => {},
  warn: (message, data) => void process.stderr.write(logLine("warning", message, data)),
  error: (message, data) => void process.stderr.write(logLine("error", message, data)),
};
/** `warning: <message> (<error>) app=shop stage=prod`, its controls escaped (core/text/controls.ts) */
function logLine(level: string, message: string, data: Record<string, unknown> | undefined): string {
  const { error, ...rest } = data ?? {};
  const detail = Object.entries(rest).map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join("");
  return escapeControls(`${level}: ${message}${error ? ` (${String(error)})` : ""}${detail}\n`);
}

export function createServices(opts: ServiceOptions): Services {
  // an empty SST_STATE_HOME is unset (as the factory reads it), not an invalid value
  const home = opts.home ?? (opts.env.SST_STATE_HOME || undefined);
  if (home !== undefined && home !== "local" && home !== "aws" && home !== "git") {
    throw new UsageError(
      opts.home !== undefined ? `--home must be "local", "aws" or "git", not "${home}".` : `SST_STATE_HOME must be "local", "aws" or "git", not "${home}".`,
    );
  }
  // The app `target()` settled on (`<app>/<stage>`, --app, SST_STATE_APP, sst-state.json): the
  // factory picks the local home only when it has that app (DESIGN §4), so it must know it.
  let appHint: string | undefined;
  let storeAsked = false;
  const project = findProject(opts.cwd);
  const stateDir = opts.stateDir ?? opts.env.SST_STATE_DIR;
  const noHomeHint = demoHint(project.root);
  const indexWorker = opts.indexWorker;
  let workerIndexer: Promise<VersionIndexer> | undefined;
  const root = createRootServices({
    env: opts.env,
    runtime: "cli",
    cwd: opts.cwd,
    root: project.root,
    ...(home ? { home: home as "local" | "aws" | "git" } : {}),
    ...(stateDir ? { stateDir: resolve(opts.cwd, stateDir) } : {}),
    app: () => appHint ?? opts.app ?? (opts.env.SST_STATE_APP || undefined),
    ...(noHomeHint ? { noHomeHint } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.dynaliteBundle ? { dynaliteBundle: opts.dynaliteBundle } : {}),
    ...(opts.embeddedPublishAfterMs !== undefined ? { embeddedPublishAfterMs: opts.embeddedPublishAfterMs } : {}),
    log: stderrLogger,
  });
  // The app when nothing names it (--app, <app>/<stage>, SST_STATE_APP, "app" in sst-state.json):
  // the project's sst.config.ts, read as text (never run), before "the only app in the home".
  let configApp: { app: string | undefined } | undefined;
  const defaultApp = () => (configApp ??= { app: root.config().app ?? sstConfigAppName(project.root) }).app;
  const services: Services = {
    ...root,
    env: opts.env,
    cwd: opts.cwd,
    project,
    home: () => home as "local" | "aws" | "git" | undefined,
    ...(indexWorker
      ? {
          indexVersion: async (read, source, handedOff) => {
            // loaded before `read` is called: the hand-off to the worker follows the read at once;
            // one indexer for the process (it remembers whether its script is there)
            const indexer = await (workerIndexer ??= import("@sst-state/adapters/index-worker").then(({ createWorkerIndexer }) => createWorkerIndexer({ script: indexWorker })));
            return indexer(read, source, handedOff);
          },
        }
      : {}),
    stateStore: () => {
      storeAsked = true;
      return root.stateStore();
    },
    async target(target) {
      if (!target) throw new UsageError("Which stage? Name one, e.g. `sst-state status prod`.");
      // core/queries (and what it imports: the state parser, diff, summary) only for a command with a target
      const { resolveApp, splitTarget } = await import("@sst-state/core/queries");
      const t = typeof target === "string" ? splitTarget(target) : target;
      // names are checked here, before any path or key is built from them (core/names.ts)
      checkName("stage", t.stage, "the stage");
      const named = t.app ?? opts.app ?? (opts.env.SST_STATE_APP || undefined);
      if (named) checkName("app", named, t.app ? "the app in <app>/<stage>" : opts.app ? "--app" : "SST_STATE_APP");
      const fallback = defaultApp();
      if (!storeAsked) appHint = named || fallback || undefined;
      const s = await services.stateStore();
      const app = await resolveApp(s, named, { app: fallback });
      return { app, stage: t.stage };
    },
  };
  return services;
}
