/**
 * Test helpers for the restore flow (used by the core, Slack and adapter tests): a settable clock,
 * a Notifier that records what it was asked to post, a StateStore wrapper that counts and can
 * break `writeCurrent`, and a whole in-memory setup from a generated SST home.
 */
import { parseConfig, type Config } from "@sst-state/core/config";
import { createLocker, type Locker } from "@sst-state/core/lock/lease";
import type { LockStore } from "@sst-state/core/lock/types";
import { createMemoryApprovalStore } from "./memory/approval-store.ts";
import { createMemoryAuditLog } from "./memory/audit-log.ts";
import { createMemoryLockStore } from "./memory/lock-store.ts";
import { createMemoryStateStore, type MemoryStateStore } from "./memory/state-store.ts";
import type { ChatMessage, Clock, Notifier, StateStore } from "@sst-state/core/ports";
import { generateHome, type GeneratedStage } from "@sst-state/core/state/generate-home";
import { createStaticUserGroupResolver } from "@sst-state/core/restore/policy";
import type { ApprovalStore, AuditEntry, AuditLog, UserGroupResolver } from "@sst-state/core/restore/ports";
import { createRestoreService, type RestoreService, type RestoreServiceDeps } from "@sst-state/core/restore/service";

export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function createTestClock(start: number): TestClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

export type RecordedChat =
  | { kind: "post"; channel: string; ts: string; message: ChatMessage & { threadTs?: string } }
  | { kind: "update"; channel: string; ts: string; message: ChatMessage }
  | { kind: "upload"; channel: string; file: { filename: string; content: string; title?: string; threadTs?: string } };

export function createRecordingNotifier(): Notifier & { readonly calls: RecordedChat[] } {
  const calls: RecordedChat[] = [];
  let n = 0;
  return {
    calls,
    async post(channel, message) {
      const ts = `1700000000.${String(++n).padStart(6, "0")}`;
      calls.push({ kind: "post", channel, ts, message });
      return { channel, ts };
    },
    async update(channel, ts, message) {
      calls.push({ kind: "update", channel, ts, message });
    },
    async upload(channel, file) {
      calls.push({ kind: "upload", channel, file });
    },
  };
}

export type WriteFault = "none" | "throw-before-write" | "throw-after-write";

/**
 * Wraps a StateStore: counts `writeCurrent` calls, records what SST's lock looked like while
 * writing, and can fail the write before or after it reaches the store.
 */
export function wrapStateStore(inner: StateStore): StateStore & {
  writes: number;
  fault: WriteFault;
  /** SST's lock object as seen at the moment of each writeCurrent */
  locksSeenDuringWrite: unknown[];
  beforeWrite?: () => Promise<void>;
} {
  const w = Object.create(inner) as StateStore & { writes: number; fault: WriteFault; locksSeenDuringWrite: unknown[]; beforeWrite?: () => Promise<void> };
  w.writes = 0;
  w.fault = "none";
  w.locksSeenDuringWrite = [];
  for (const k of ["listApps", "listStages", "readCurrent", "listVersions", "readVersion", "listObjectVersions", "readObjectVersion", "readSstLock", "readUpdate", "listUpdates", "putSstLock", "deleteSstLock", "writeSnapshot", "writeUpdate"] as const) {
    (w as unknown as Record<string, unknown>)[k] = (inner[k] as (...a: unknown[]) => unknown).bind(inner);
  }
  w.writeCurrent = async (app, stage, bytes, token) => {
    w.writes++;
    w.locksSeenDuringWrite.push(await inner.readSstLock(app, stage));
    if (w.beforeWrite) await w.beforeWrite();
    if (w.fault === "throw-before-write") throw new Error("connection reset before the write");
    const r = await inner.writeCurrent(app, stage, bytes, token);
    if (w.fault === "throw-after-write") throw new Error("connection reset after the write");
    return r;
  };
  return w;
}

export const TEST_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export const TEST_POLICY = {
  app: "shop",
  stages: {
    prod: { channel: "C0PROD", approvers: ["U0BOB", "S0SRE"], requireApproval: true },
    dev: { channel: "C0DEV", requireApproval: false },
    "*": { channel: "C0DEPLOYS" },
  },
};

export interface RestoreSetup {
  app: string;
  clock: TestClock;
  home: MemoryStateStore;
  store: ReturnType<typeof wrapStateStore>;
  approvals: ApprovalStore;
  audit: AuditLog & { all(): AuditEntry[] };
  lockStore: LockStore;
  locker: Locker;
  groups: UserGroupResolver;
  config: Config;
  notifier: ReturnType<typeof createRecordingNotifier>;
  service: RestoreService;
  stages: Record<string, GeneratedStage>;
}

/** A generated home (`shop`: prod, staging, dev; 4 deploys each), memory stores, the service. */
export function createRestoreSetup(over: Partial<RestoreServiceDeps> & { policy?: unknown; groups?: Record<string, string[]> } = {}): RestoreSetup {
  const { policy, groups: groupMap, ...deps } = over;
  const app = "shop";
  const clock = createTestClock(TEST_NOW);
  const gen = generateHome({
    app,
    seed: 11,
    now: TEST_NOW - 3_600_000,
    stages: ["prod", "staging", "dev"].map((name) => ({ name, resources: 24, deploys: 4 })),
  });
  const home = createMemoryStateStore(gen.files, { clock });
  const store = wrapStateStore(home);
  const approvals = createMemoryApprovalStore();
  const audit = createMemoryAuditLog();
  const lockStore = createMemoryLockStore();
  const locker = createLocker({ store: lockStore, clock });
  const groups = createStaticUserGroupResolver(groupMap ?? { S0SRE: ["U0SREDAVE", "U0SREERIN"] });
  const config = parseConfig(JSON.stringify(policy ?? TEST_POLICY), "sst-state.json");
  const notifier = createRecordingNotifier();
  const service = createRestoreService({ store, approvals, audit, locker, groups, config, clock, notifier, ...deps });
  return {
    app,
    clock,
    home,
    store,
    approvals,
    audit,
    lockStore,
    locker,
    groups,
    config,
    notifier,
    service,
    stages: Object.fromEntries(gen.stages.map((s) => [s.name, s])),
  };
}
