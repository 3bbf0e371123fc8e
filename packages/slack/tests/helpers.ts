/** Shared set-up of the bot tests: a generated SST home in memory, the fake Slack API, stores. */
import { fitChatMessage } from "../render/limits.ts";
import { parseConfig } from "@sst-state/core/config";
import { createLocker, type LockEvent } from "@sst-state/core/lock";
import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import { createMemoryStateStore, type MemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import type { StateStore } from "@sst-state/core/ports";
import { generateHome, DEFAULT_HOME_NOW } from "@sst-state/core/state/generate-home";
import { generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { createMemoryIdempotencyStore } from "../idempotency.ts";
import type { BotDeps, BotLogger } from "../deps.ts";
import { createSlackNotifier, createWebClient } from "@sst-state/adapters/slack-web-api";
import { createResponder } from "@sst-state/adapters/slack-response-url";
import { createVerbs } from "../verbs/index.ts";
import { diagnoseUnavailable } from "../verbs/diagnose.ts";
import { createRestoreHandlers, restoreUnavailable } from "../verbs/restore.ts";
import { slackRestoreMessages } from "../render/restore.ts";
import { startServe, type ServeDeps, type ServeHandle } from "../receivers/serve.ts";
import type { VerbHandler } from "../deps.ts";
import type { Config } from "@sst-state/core/config";
import type { Notifier } from "@sst-state/core/ports";
import { createRestoreService, type ApprovalStore, type AuditLog, type UserGroupResolver } from "@sst-state/core/restore";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { createMemoryApprovalStore } from "@sst-state/test-kit/memory/approval-store";
import { createMemoryAuditLog } from "@sst-state/test-kit/memory/audit-log";
import { createSlackUserGroupResolver } from "@sst-state/adapters/slack-user-groups";
import { WebClient } from "@slack/web-api";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const BOT_TOKEN = "xoxb-test-token";
export const NOW = DEFAULT_HOME_NOW;

export function homeFiles() {
  return generateHome({
    app: "shop",
    stages: [
      { name: "prod", resources: 60, deploys: 3, crashedLock: false },
      { name: "staging", resources: 30, deploys: 2, interrupted: true },
      { name: "dev", resources: 24, deploys: 1 },
    ],
    seed: 7,
  });
}

/** Two snapshots of `shop/big` that differ in hundreds of resources (a diff too large for a message). */
export function addBigStage(store: MemoryStateStore): void {
  const t1 = NOW - 7_200_000;
  const t2 = NOW - 3_600_000;
  const id1 = makeUpdateId(t1, () => 0.1);
  const id2 = makeUpdateId(t2, () => 0.2);
  const cp1 = serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "big", resources: 700, seed: 1, time: t1 }));
  const cp2 = serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "big", resources: 900, seed: 2, time: t2 }));
  const rec = (id: string, t: number) => JSON.stringify({ id, version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date(t).toISOString(), timeCompleted: new Date(t + 60_000).toISOString() });
  store.put(`snapshot/shop/big/${id1}.json`, cp1);
  store.put(`update/shop/big/${id1}.json`, rec(id1, t1));
  store.put(`snapshot/shop/big/${id2}.json`, cp2);
  store.put(`update/shop/big/${id2}.json`, rec(id2, t2));
  store.put(`app/shop/big.json`, cp2);
}

/** Every ciphertext in the home's bodies (to prove none ever reaches Slack). */
export function ciphertextsOf(store: MemoryStateStore): string[] {
  const out = new Set<string>();
  const dec = new TextDecoder();
  for (const key of store.keys()) {
    if (key.startsWith("secret/")) continue;
    const text = dec.decode(store.get(key)!);
    for (const m of text.matchAll(/"ciphertext"\s*:\s*"([^"]+)"/g)) out.add(m[1]!);
  }
  return [...out];
}

export const quietLog: BotLogger & { lines: { level: string; message: string; data?: Record<string, unknown> }[] } = Object.assign(
  {
    info(message: string, data?: Record<string, unknown>) {
      quietLog.lines.push({ level: "info", message, ...(data ? { data } : {}) });
    },
    warn(message: string, data?: Record<string, unknown>) {
      quietLog.lines.push({ level: "warn", message, ...(data ? { data } : {}) });
    },
    error(message: string, data?: Record<string, unknown>) {
      quietLog.lines.push({ level: "error", message, ...(data ? { data } : {}) });
    },
  },
  { lines: [] as { level: string; message: string; data?: Record<string, unknown> }[] },
);

/** A StateStore whose reads wait for `release()` (to prove the ack goes out first). */
export function blockingStore(inner: StateStore): StateStore & { release(): void; readsStarted: number } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const wrapped = Object.create(inner) as StateStore & { release(): void; readsStarted: number };
  wrapped.readsStarted = 0;
  wrapped.release = release;
  for (const m of ["listApps", "listStages", "readCurrent", "listVersions", "readVersion", "readSstLock", "readUpdate", "listUpdates", "listObjectVersions", "readObjectVersion"] as const) {
    const original = (inner[m] as (...a: unknown[]) => Promise<unknown>).bind(inner);
    (wrapped as unknown as Record<string, unknown>)[m] = async (...args: unknown[]) => {
      wrapped.readsStarted++;
      await gate;
      return original(...args);
    };
  }
  return wrapped;
}

/** A StateStore whose every read throws `error`. */
export function failingStore(inner: StateStore, error: () => Error): StateStore {
  const wrapped = Object.create(inner) as StateStore;
  for (const m of ["listApps", "listStages", "readCurrent", "listVersions", "readVersion", "readSstLock", "readUpdate", "listUpdates", "listObjectVersions", "readObjectVersion"] as const) {
    (wrapped as unknown as Record<string, unknown>)[m] = async () => {
      throw error();
    };
  }
  return wrapped;
}

/** A locker over a memory lock store, as the composition root builds one (tests pass `onEvent`). */
export function memoryLocker(opts: { onEvent?: (event: LockEvent) => unknown } = {}): Pick<BotDeps, "locks" | "locker"> {
  const locks = createMemoryLockStore();
  return { locks, locker: createLocker({ store: locks, clock: { now: () => NOW }, ...opts }) };
}

export function botDeps(api: FakeSlackApi, over: Partial<BotDeps> = {}): BotDeps {
  const store = createMemoryStateStore(homeFiles().files);
  return {
    store,
    clock: { now: () => NOW },
    config: parseConfig(JSON.stringify({ app: "shop" }), "sst-state.json"),
    ...memoryLocker(),
    notifier: createSlackNotifier(new WebClient(BOT_TOKEN, { slackApiUrl: api.url }), fitChatMessage),
    respond: createResponder({ allowOrigins: [api.origin] }),
    idempotency: createMemoryIdempotencyStore(),
    log: quietLog,
    // as a worker deployed without a diagnosis workflow or approvals table; tests wire their own
    ...createVerbs({ diagnose: diagnoseUnavailable(), restore: restoreUnavailable() }),
    ...over,
  };
}

/**
 * A bot with the restore flow over memory stores, wired as the composition root wires it
 * (packages/services/services.ts, `botDeps`): ONE restore service with Slack's messages, over the
 * bot's own store, policy, notifier and locker, handed to the restore verbs and buttons. Slack is
 * the fake Web API at `slackApiUrl`.
 */
function restoreBotDeps(parts: {
  store: StateStore;
  config: Config;
  approvals: ApprovalStore;
  audit: AuditLog;
  groups: UserGroupResolver;
  token: string;
  slackApiUrl: string;
  log: BotLogger;
  diagnose?: VerbHandler<"diagnose">;
}): ServeDeps {
  const clock = { now: () => Date.now() };
  const locks = createMemoryLockStore();
  const locker = createLocker({ store: locks, clock, config: parts.config });
  const notifier: Notifier = createSlackNotifier(createWebClient(parts.token, parts.slackApiUrl), fitChatMessage);
  const service = createRestoreService({
    store: parts.store,
    approvals: parts.approvals,
    audit: parts.audit,
    locker,
    groups: parts.groups,
    config: parts.config,
    clock,
    notifier,
    messages: slackRestoreMessages,
    onWarning: (message, error) => parts.log.warn(message, { error: String(error) }),
  });
  return {
    store: parts.store,
    clock,
    config: parts.config,
    locks,
    locker,
    notifier,
    log: parts.log,
    ...createVerbs({ diagnose: parts.diagnose ?? diagnoseUnavailable(), restore: createRestoreHandlers(service) }),
  };
}

/** The restore bot of `startRestoreBot` and what its tests read: the fake Slack, the server, the stores. */
export interface RestoreBot {
  slack: FakeSlackApi;
  serve: ServeHandle;
  store: MemoryStateStore;
  approvals: ReturnType<typeof createMemoryApprovalStore>;
  audit: ReturnType<typeof createMemoryAuditLog>;
}

/**
 * The real Bolt app (`startServe`, HTTP receiver) with the restore flow (`restoreBotDeps`) over a
 * generated home whose stage `shop/prod` posts to #C0PROD and is approved by U0BOB or the user
 * group S0SRE (U0SREDAVE), and the fake Slack Web API. `diagnose` wires a diagnosis verb over the
 * bot's store. Close `serve` and `slack` after the test.
 */
export async function startRestoreBot(opts: {
  secret: string;
  token: string;
  prod: { resources: number; deploys: number };
  now?: number;
  diagnose?: (parts: { store: MemoryStateStore; notifier: Notifier }) => VerbHandler<"diagnose">;
}): Promise<RestoreBot> {
  const slack = await startFakeSlackApi({ token: opts.token });
  slack.setUserGroup("S0SRE", ["U0SREDAVE"]);
  const gen = generateHome({ app: "shop", seed: 5, ...(opts.now !== undefined ? { now: opts.now } : {}), stages: [{ name: "prod", ...opts.prod }] });
  const store = createMemoryStateStore(gen.files);
  const approvals = createMemoryApprovalStore();
  const audit = createMemoryAuditLog();
  const config = parseConfig(JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD", approvers: ["U0BOB", "S0SRE"] } } }));
  const web = createWebClient(opts.token, slack.url);
  const groups = createSlackUserGroupResolver(web);
  const diagnose = opts.diagnose?.({ store, notifier: createSlackNotifier(web, fitChatMessage) });
  const serve = await startServe({
    port: 0,
    signingSecret: opts.secret,
    botToken: opts.token,
    slackApiUrl: slack.url,
    print: () => {},
    deps: restoreBotDeps({ store, config, approvals, audit, groups, token: opts.token, slackApiUrl: slack.url, log: { info() {}, warn() {}, error() {} }, ...(diagnose ? { diagnose } : {}) }),
  });
  return { slack, serve, store, approvals, audit };
}

/** Everything posted to the response URL `id` (text and blocks), one line per response. */
export function responseTextOf(slack: FakeSlackApi, id: string): string {
  return slack.responses
    .filter((r) => r.id === id)
    .map((r) => `${r.body.text ?? ""} ${JSON.stringify(r.body.blocks ?? [])}`)
    .join("\n");
}
