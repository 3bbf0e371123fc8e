/**
 * The composition root: the ONE place the services are built from the environment, used by the
 * CLI (packages/cli/services.ts adds the project and `target`), `serve` and every Lambda handler
 * (packages/functions/*, which fold SST's links into the environment first: functions/env.ts).
 * Everything is built lazily and once per process (a Lambda container, a CLI run):
 * - `config()` — sst-state.json, read once by adapters/config-file.ts (SST_STATE_CONFIG_JSON, the
 *   Lambda form; else SST_STATE_CONFIG; else the project's sst-state.json);
 * - `stateStore()` — the SST home (adapters/state-store-factory.ts);
 * - `table()` — SST_STATE_TABLE (DynamoDB), else the embedded store under .sst-state/db (CLI and
 *   `serve`; a Lambda has no embedded store: it says the table is not configured);
 * - the table's stores (`lockStore`, `approvals`, `audit`, `idempotency`), the `locker`, the Slack
 *   `notifier` and user groups, the `restoreService`, the `lockAnnouncer`;
 * - `botDeps()` — what the Slack worker and `serve` run verbs with, the verb and action maps
 *   included (packages/slack/verbs/index.ts), the restore verbs and buttons over ONE restore
 *   service built here (never per request).
 *
 * Small at load, heavy on demand: this module imports statically only config and the lock logic.
 * The table (the DynamoDB client and each store), the state store (S3, SSM, git), Slack's Web API
 * client, the restore service and the bot's verbs are loaded by `import()` inside the functions
 * that build them. The CLI and the Lambdas are bundled with code splitting (infra/defaults.ts and
 * scripts/build.mjs), so those parts are chunks a process loads only when it calls them: `locks`
 * never parses the Slack client, the announcer's cold start never parses the S3 client or the
 * verb map.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableClientLike } from "@sst-state/adapters/table-client-of";
import type { WebClient } from "@slack/web-api";
import type { S3Client } from "@aws-sdk/client-s3";
import { loadConfig } from "@sst-state/adapters/config-file";
import type { Git as GitLockStoreGit } from "@sst-state/adapters/git";
import type { Config } from "@sst-state/core/config";
import type { Workflow } from "@sst-state/core/diagnosis/ports";
import { SstStateError } from "@sst-state/core/errors";
import type { FeedStore } from "@sst-state/core/feed";
import { createLockAnnouncer, createLocker, type LockAnnouncer, type LockEvent, type Locker, type LockStore } from "@sst-state/core/lock";
import { systemClock, type ApprovalStore, type AuditLog, type Clock, type IdempotencyStore, type Notifier, type StateStore } from "@sst-state/core/ports";
import type { DecisionOutcome, RestoreMessages, RestoreService, UserGroupResolver } from "@sst-state/core/restore";
import { consoleLogger, type BotDeps, type BotLogger } from "@sst-state/slack/deps";

type Env = Record<string, string | undefined>;
type Home = "local" | "aws" | "git";

export interface ServicesOptions {
  env: Env;
  /** `lambda`: the home is AWS unless SST_STATE_HOME=local, and there is no embedded table */
  runtime: "cli" | "lambda";
  /** where relative paths (SST_STATE_CONFIG) resolve (default process.cwd()) */
  cwd?: string;
  /** the folder whose sst-state.json is read (the CLI's project root; default `cwd`) */
  root?: string;
  home?: Home;
  /** the local or git home's folder */
  stateDir?: string;
  /** the app the home must have (asked when the store is built: the CLI settles it first) */
  app?: () => string | undefined;
  /** added to the error when no home has the state (the CLI names its demo here) */
  noHomeHint?: string;
  clock?: Clock;
  log?: BotLogger;
  /** Slack Web API retries (short-lived functions retry a few times only; default the client's) */
  slackRetries?: number;
  /** the CLI's bundle of the embedded store, dynalite and LevelDB (dist/dynalite.cjs, named by the CLI's main.ts) */
  dynaliteBundle?: URL;
  /** when the embedded store's owner shares it with other processes (embedded-dynamo.ts `publishAfterMs`; default at once), asked when it opens */
  embeddedPublishAfterMs?: () => number;
  /** parts given instead of built (tests; the restore worker's own handles) */
  parts?: { store?: StateStore; table?: { client: DynamoDBClient; tableName: string }; config?: Config; s3?: S3Client };
}

export interface TableHandle {
  /** the SDK's client for SST_STATE_TABLE (and parts), the embedded store's JSON client otherwise */
  client: TableClientLike;
  tableName: string;
  /** true for the embedded store (dynalite: no streams, so announcements are fed in-process) */
  embedded: boolean;
  where: string;
}

/** What only some bots have: the diagnosis workflow, and where approvals run (the restore worker). */
export interface BotWiring {
  workflow?: Workflow | undefined;
  /** run an approval elsewhere (the restore worker Lambda); default: here */
  approve?: ((input: { id: string; approver: string }) => Promise<DecisionOutcome>) | undefined;
  /**
   * the bot's restore service when the caller built it with `restoreService` (serve: the one that
   * also closes interrupted restores, recording this process with the approvals it wins); default:
   * built here, once, from the bot's own store, policy, notifier and locker
   */
  restoreService?: RestoreService | undefined;
  /** told about every lock change made from Slack (stores without a stream: the embedded one) */
  onLockEvent?: ((event: LockEvent) => unknown) | undefined;
}

export interface Services {
  readonly clock: Clock;
  readonly env: Env;
  readonly log: BotLogger;
  config(): Config;
  stateStore(): Promise<StateStore>;
  /** true when a table is configured (SST_STATE_TABLE) or can be embedded (CLI, serve) */
  hasTable(): boolean;
  table(): Promise<TableHandle>;
  lockStore(): Promise<LockStore>;
  approvals(): Promise<ApprovalStore>;
  audit(): Promise<AuditLog>;
  idempotency(): Promise<IdempotencyStore>;
  /** the locker: leases with the stage's lockTtl from sst-state.json, over the table's lock store (or `store`: run --git's refs) */
  locker(opts?: { store?: LockStore; onEvent?: (event: LockEvent) => unknown }): Promise<Locker>;
  /** Slack's Web API (SLACK_BOT_TOKEN; SLACK_API_URL points it elsewhere), when there is a token */
  slack(): Promise<{ web: WebClient; notifier: Notifier } | undefined>;
  /** `serve`: Slack is the local Slack or the workspace, decided before anything posts */
  useSlack(where: { token: string | undefined; apiUrl: string | undefined }): void;
  /** the deploy feed's cursor and claimed events, in the table */
  feedStore(): Promise<FeedStore>;
  /** approver groups: Slack's usergroups with a token, else none (nobody gets in through a group) */
  groups(): Promise<UserGroupResolver>;
  /** the restore service, assembled the one way (requests and outcomes posted as Slack messages) */
  restoreService(over?: {
    store?: StateStore;
    config?: Config;
    notifier?: Notifier | undefined;
    /** default: `locker()` (the bot passes its own, which may announce lock changes) */
    locker?: Locker;
    groups?: UserGroupResolver;
    messages?: RestoreMessages;
    warn?: (message: string, error: unknown) => void;
    /** this process, recorded with the approvals it wins (the restore journal: CLI and serve) */
    runner?: { host: string; pid: number };
  }): Promise<RestoreService>;
  /** the Slack notifier; without a bot token, one whose every post fails with Slack's not_authed */
  notifier(): Promise<Notifier>;
  /** posts lock events to the stages' channels (the stream Lambda, serve's change feed); none without a bot token */
  lockAnnouncer(over?: { notifier?: Notifier; config?: Config }): Promise<LockAnnouncer | undefined>;
  /** what the Slack worker and `serve` run with; `over` replaces any part (tests) */
  botDeps(wiring?: BotWiring, over?: Partial<BotDeps>): Promise<BotDeps>;
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export class TableNotConfiguredError extends SstStateError {
  constructor() {
    super("table-not-configured", "No table for locks, approvals and audit is configured for this function.", {
      hint: "Set SST_STATE_TABLE (the deployed functions link StateTable).",
      exitCode: 2,
    });
  }
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

export function createServices(opts: ServicesOptions): Services {
  const { env } = opts;
  const cwd = opts.cwd ?? process.cwd();
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? consoleLogger;
  const closers: (() => Promise<void> | void)[] = [];
  const once = <T>(make: () => T): (() => T) => {
    let made: { value: T } | undefined;
    return () => (made ??= { value: make() }).value;
  };

  const config = once(() => opts.parts?.config ?? loadConfig(env, cwd, opts.root ?? cwd));
  // The local home's comparison cache lives in the project's `.sst-state/` (never SST's home), and
  // only once that folder exists: a read-only command does not create it (it marks the project).
  const tieCacheDir = once(() => {
    if (opts.runtime === "lambda" || !opts.root) return undefined;
    const data = join(opts.root, ".sst-state");
    return existsSync(data) ? join(data, "cache") : undefined;
  });
  const stateStore = once(async () => {
    if (opts.parts?.store) return opts.parts.store;
    const home: Home | undefined = opts.home ?? (opts.runtime === "lambda" ? (env.SST_STATE_HOME === "local" ? "local" : "aws") : undefined);
    const app = opts.app?.();
    const { createStateStore } = await import("@sst-state/adapters/state-store-factory");
    const created = await createStateStore({
      env,
      ...(home ? { home } : {}),
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
      ...(app ? { app } : {}),
      ...(opts.noHomeHint ? { noHomeHint: opts.noHomeHint } : {}),
      ...(opts.parts?.s3 ? { s3: opts.parts.s3 } : {}),
      ...(tieCacheDir() ? { tieCacheDir: tieCacheDir() } : {}),
    });
    return created.store;
  });
  const tableName = opts.parts?.table?.tableName ?? nonEmpty(env.SST_STATE_TABLE);
  // set once the table starts opening: close() waits for it (see there)
  let tableOpening: Promise<unknown> | undefined;
  const table = once((): Promise<TableHandle> => (tableOpening = openTable()));
  const openTable = async (): Promise<TableHandle> => {
    if (opts.parts?.table) return { ...opts.parts.table, embedded: false, where: `DynamoDB table ${opts.parts.table.tableName}` };
    // The DynamoDB client and the embedded store are loaded only by what uses the table.
    if (tableName) {
      const { createDynamoClient } = await import("@sst-state/adapters/dynamodb-client");
      const client = createDynamoClient({ env });
      closers.push(() => client.destroy());
      return { client, tableName, embedded: false, where: `DynamoDB table ${tableName}` };
    }
    if (opts.runtime === "lambda") throw new TableNotConfiguredError();
    const { startEmbeddedDynamo } = await import("@sst-state/adapters/embedded-dynamo");
    const db = await startEmbeddedDynamo({
      cwd: opts.root ?? cwd,
      ...(opts.dynaliteBundle ? { serverBundle: opts.dynaliteBundle } : {}),
      ...(opts.embeddedPublishAfterMs ? { publishAfterMs: opts.embeddedPublishAfterMs() } : {}),
      onShareError: (e) =>
        log.warn("could not share the embedded store with other sst-state processes in this folder; they wait for it up to 15 s, then fail", { error: e.message }),
    });
    closers.push(() => db.close());
    return { client: db.client, tableName: db.tableName, embedded: true, where: `the embedded store in ${db.dir}` };
  };
  // Each store's module is loaded when the store is first asked for, while the table opens (the
  // embedded store spends part of its start waiting on LevelDB's disk work).
  const onTable = <M, T>(load: () => Promise<M>, make: (m: M, t: { client: TableClientLike; tableName: string }) => T) =>
    once(async () => {
      const [m, t] = await Promise.all([load(), table()]);
      return make(m, { client: t.client, tableName: t.tableName });
    });
  // The deploy lock (one rule for every command, serve and run --git): SST_STATE_TABLE → the
  // table; else on a git home (named: --home git / SST_STATE_HOME=git) → the lock ref on its git
  // remote (git-lock-store.ts), which laptops and CI reach alike; else the embedded table.
  const tableLocks = onTable(() => import("@sst-state/adapters/dynamodb-lock-store"), (m, t) => m.createDynamoLockStore(t));
  const lockStore = once(async (): Promise<LockStore> => {
    if (!tableName && opts.home === "git") {
      const { gitLockStoreOf } = await import("@sst-state/adapters/git-lock-store");
      const git = gitLockStoreOf(env, (await stateStore()) as StateStore & { git?: GitLockStoreGit });
      if (git) return git;
    }
    return tableLocks();
  });
  const approvals = onTable(() => import("@sst-state/adapters/dynamodb-approval-store"), (m, t) => m.createDynamoApprovalStore(t));
  const audit = onTable(() => import("@sst-state/adapters/dynamodb-audit-log"), (m, t) => m.createDynamoAuditLog(t));
  const feedStore = onTable(() => import("@sst-state/adapters/dynamodb-feed-store"), (m, t) => m.createDynamoFeedStore(t));
  const announcements = onTable(() => import("@sst-state/adapters/dynamodb-announcement-store"), (m, t) => m.createDynamoAnnouncementStore(t));
  const idempotencyTable = onTable(() => import("@sst-state/adapters/dynamodb-idempotency-store"), (m, t) => m.createDynamoIdempotencyStore(t));
  const hasTable = () => !!tableName || opts.runtime === "cli";

  let slackAt = { token: nonEmpty(env.SLACK_BOT_TOKEN), apiUrl: nonEmpty(env.SLACK_API_URL) };
  let slackBuilt = false;
  // Slack's Web API client (and its types) is loaded by what posts, not by `locks` or `status`.
  const slackApi = once(async () => {
    const [{ createSlackNotifier, createWebClient }, { fitChatMessage }] = await Promise.all([
      import("@sst-state/adapters/slack-web-api"),
      import("@sst-state/slack/render/limits"),
    ]);
    return { createWebClient, notifierOf: (web: WebClient) => createSlackNotifier(web, fitChatMessage) };
  });
  const slack = once(async () => {
    slackBuilt = true;
    if (!slackAt.token) return undefined;
    const { createWebClient, notifierOf } = await slackApi();
    const web = createWebClient(slackAt.token, slackAt.apiUrl, opts.slackRetries !== undefined ? { retryConfig: { retries: opts.slackRetries } } : {});
    return { web, notifier: notifierOf(web) };
  });
  const groups = once(async (): Promise<UserGroupResolver> => {
    const s = await slack();
    if (!s) return (await import("@sst-state/core/restore/policy")).createStaticUserGroupResolver();
    const { createSlackUserGroupResolver } = await import("@sst-state/adapters/slack-user-groups");
    return createSlackUserGroupResolver(s.web, { onError: (group, e) => log.warn("usergroups.users.list failed", { group, error: String(e) }) });
  });
  const warn = (message: string, error: unknown) => log.warn(message, { error: String(error) });

  const services: Services = {
    clock,
    env,
    log,
    config,
    stateStore,
    hasTable,
    table,
    lockStore,
    approvals,
    audit,
    // Slack's ids are claimed in the table (DynamoDB in AWS, the embedded store behind `serve`), so
    // a replay after a restart is still recognised; a function without a table keeps them in memory.
    idempotency: once(async (): Promise<IdempotencyStore> =>
      hasTable() ? await idempotencyTable() : (await import("@sst-state/slack/idempotency")).createMemoryIdempotencyStore(),
    ),
    async locker(lockerOpts = {}) {
      return createLocker({
        store: lockerOpts.store ?? (await lockStore()),
        clock,
        config: config(),
        ...(lockerOpts.onEvent ? { onEvent: lockerOpts.onEvent, onEventError: (e: unknown) => warn("lock announcement failed", e) } : {}),
      });
    },
    slack,
    useSlack(where) {
      if (slackBuilt) throw new Error("useSlack must be called before Slack is first used");
      slackAt = { token: nonEmpty(where.token), apiUrl: nonEmpty(where.apiUrl) };
    },
    feedStore,
    groups,
    async restoreService(over = {}) {
      const notifier = "notifier" in over ? over.notifier : (await slack())?.notifier;
      const [{ createRestoreService }, { slackRestoreMessages }] = await Promise.all([import("@sst-state/core/restore"), import("@sst-state/slack/render/restore")]);
      return createRestoreService({
        store: over.store ?? (await stateStore()),
        approvals: await approvals(),
        audit: await audit(),
        locker: over.locker ?? (await services.locker()),
        groups: over.groups ?? (await groups()),
        config: over.config ?? config(),
        clock,
        ...(notifier ? { notifier } : {}),
        messages: over.messages ?? slackRestoreMessages,
        ...(over.runner ? { runner: over.runner } : {}),
        onWarning: over.warn ?? warn,
      });
    },
    notifier: once(async () => {
      const s = await slack();
      if (s) return s.notifier;
      const { createWebClient, notifierOf } = await slackApi();
      return notifierOf(createWebClient(undefined, slackAt.apiUrl));
    }),
    async lockAnnouncer(over = {}) {
      const notifier = over.notifier ?? (await slack())?.notifier;
      if (!notifier) return undefined;
      const { renderLockEnded, renderLockEvent } = await import("@sst-state/slack/render/lock-event");
      return createLockAnnouncer({
        notifier,
        config: over.config ?? config(),
        render: renderLockEvent,
        renderEnded: renderLockEnded,
        // with a table, a lease's end rewrites its announcement in place (the ts kept there)
        ...(hasTable() ? { messages: await announcements() } : {}),
        log: (message, detail) => log.warn(message, detail),
      });
    },
    async botDeps(wiring = {}, over = {}) {
      const withTable = hasTable();
      const [{ createVerbs }, { createDiagnoseVerb, diagnoseUnavailable }, { createRestoreHandlers, restoreUnavailable }, { createResponder }] = await Promise.all([
        import("@sst-state/slack/verbs"),
        import("@sst-state/slack/verbs/diagnose"),
        import("@sst-state/slack/verbs/restore"),
        import("@sst-state/adapters/slack-response-url"),
      ]);
      const parts: Omit<BotDeps, "verbs" | "actions"> = {
        store: over.store ?? (await stateStore()),
        clock,
        config: over.config ?? config(),
        ...(withTable ? { locks: await lockStore(), locker: await services.locker(wiring.onLockEvent ? { onEvent: wiring.onLockEvent } : {}) } : {}),
        notifier: await services.notifier(),
        respond: createResponder({ slackApiUrl: slackAt.apiUrl }),
        idempotency: await services.idempotency(),
        log,
      };
      const bot = { ...parts, ...over };
      // The bot's restore service, built once: over the same store, policy, notifier and locker
      // its verbs use (a stage's restore takes the deploy lock through that locker).
      const restore =
        withTable && bot.locker
          ? createRestoreHandlers(
              wiring.restoreService ??
                (await services.restoreService({
                  store: bot.store,
                  config: bot.config,
                  notifier: bot.notifier,
                  locker: bot.locker,
                  warn: (message, error) => bot.log?.warn(message, { error: String(error) }),
                })),
              { approve: wiring.approve },
            )
          : restoreUnavailable();
      return {
        ...parts,
        ...createVerbs({ diagnose: wiring.workflow ? createDiagnoseVerb(wiring.workflow) : diagnoseUnavailable(), restore }),
        ...over,
      };
    },
    onClose: (fn) => void closers.push(fn),
    async close() {
      // A table still opening (`status` opens it while it reads the state, and may fail first)
      // registers its closer when open: wait for that, or its server would outlive the command.
      await tableOpening?.catch(() => {});
      for (const fn of closers.splice(0).reverse()) await fn();
    },
  };
  return services;
}
