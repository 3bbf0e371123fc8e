/**
 * The CLI's composition root: builds the adapters from flags and environment (DESIGN §4), lazily,
 * once per process. Commands ask for what they need; nothing is opened that is not used.
 */
import { resolve } from "node:path";
import type { Config } from "@sst-state/core/config";
import { loadConfig } from "@sst-state/adapters/config-file";
import { UsageError } from "@sst-state/core/errors";
import type { Target } from "@sst-state/core/command";
import type { Clock, StateStore } from "@sst-state/core/ports";
import { systemClock } from "@sst-state/core/ports";
import { resolveApp, splitTarget } from "@sst-state/core/queries";
import { checkName } from "@sst-state/core/names";
import { createStateStore } from "@sst-state/adapters/state-store-factory";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { demoHint } from "./demo.ts";
import { findProject, sstConfigAppName, type Project } from "./project.ts";

export interface ServiceOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home?: string;
  stateDir?: string;
  app?: string;
  clock?: Clock;
}

export interface TableHandle {
  client: DynamoDBClient;
  tableName: string;
  /** true for the embedded store (dynalite: no streams, so announcements are fed in-process) */
  embedded: boolean;
  where: string;
}

export interface Services {
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
  /** where the command runs (relative paths in flags are resolved against it) */
  readonly cwd: string;
  /** the project: the folder above cwd holding sst-state.json or sst.config.ts (else cwd); keeps .sst-state/ */
  readonly project: Project;
  config(): Config;
  stateStore(): Promise<StateStore>;
  /** a parsed target (or `prod` / `shop/prod`) + --app / SST_STATE_APP / config → {app, stage} */
  target(target: Target | string | undefined): Promise<{ app: string; stage: string }>;
  /**
   * The DynamoDB table for locks, approvals and audit: SST_STATE_TABLE (endpoint from
   * AWS_ENDPOINT_URL_DYNAMODB), else the embedded store under .sst-state/db (DESIGN §4).
   */
  table(): Promise<TableHandle>;
  /** release what was opened (the embedded table, clients) */
  close(): Promise<void>;
  /** hook for other areas (locks, approvals) to register what they opened */
  onClose(fn: () => Promise<void> | void): void;
}

export function createServices(opts: ServiceOptions): Services {
  let config: Config | undefined;
  let store: Promise<StateStore> | undefined;
  let table: Promise<TableHandle> | undefined;
  const closers: (() => Promise<void> | void)[] = [];
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
  const project = findProject(opts.cwd);
  // The app when nothing names it (--app, <app>/<stage>, SST_STATE_APP, "app" in sst-state.json):
  // the project's sst.config.ts, read as text (never run), before "the only app in the home".
  let configApp: { app: string | undefined } | undefined;
  const defaultApp = () => (configApp ??= { app: services.config().app ?? sstConfigAppName(project.root) }).app;
  const services: Services = {
    clock: opts.clock ?? systemClock,
    env: opts.env,
    cwd: opts.cwd,
    project,
    config: () => (config ??= loadConfig(opts.env, opts.cwd, project.root)),
    stateStore: () =>
      (store ??= createStateStore({
        env: opts.env,
        ...(home ? { home: home as "local" | "aws" | "git" } : {}),
        ...(opts.stateDir ?? opts.env.SST_STATE_DIR ? { stateDir: resolve(opts.cwd, (opts.stateDir ?? opts.env.SST_STATE_DIR)!) } : {}),
        ...(appHint ?? opts.app ?? opts.env.SST_STATE_APP ? { app: (appHint ?? opts.app ?? opts.env.SST_STATE_APP)! } : {}),
        ...(demoHint(project.root) ? { noHomeHint: demoHint(project.root)! } : {}),
      }).then((r) => r.store)),
    async target(target) {
      if (!target) throw new UsageError("Which stage? Name one, e.g. `sst-state status prod`.");
      const t = typeof target === "string" ? splitTarget(target) : target;
      // names are checked here, before any path or key is built from them (core/names.ts)
      checkName("stage", t.stage, "the stage");
      const named = t.app ?? opts.app ?? (opts.env.SST_STATE_APP || undefined);
      if (named) checkName("app", named, t.app ? "the app in <app>/<stage>" : opts.app ? "--app" : "SST_STATE_APP");
      const fallback = defaultApp();
      if (!store) appHint = named || fallback || undefined;
      const s = await services.stateStore();
      const app = await resolveApp(s, named, { app: fallback });
      return { app, stage: t.stage };
    },
    table: () =>
      (table ??= (async (): Promise<TableHandle> => {
        const tableName = opts.env.SST_STATE_TABLE;
        // The DynamoDB client is loaded only by the commands that use the table.
        if (tableName) {
          const { createDynamoClient } = await import("@sst-state/adapters/dynamodb-client");
          const client = createDynamoClient({ env: opts.env });
          closers.push(() => client.destroy());
          return { client, tableName, embedded: false, where: `DynamoDB table ${tableName}` };
        }
        const { startEmbeddedDynamo } = await import("@sst-state/adapters/embedded-dynamo");
        const db = await startEmbeddedDynamo({ cwd: project.root });
        closers.push(() => db.close());
        return { client: db.client, tableName: db.tableName, embedded: true, where: `the embedded store in ${db.dir}` };
      })()),
    onClose: (fn) => void closers.push(fn),
    async close() {
      for (const fn of closers.splice(0).reverse()) await fn();
    },
  };
  return services;
}
