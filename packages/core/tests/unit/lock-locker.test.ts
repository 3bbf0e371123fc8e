import { describe, expect, it, vi } from "vitest";
import { createLockAnnouncer, createLocker, defaultHolder, describeHeldLock, type LockEvent } from "../../lock/index.ts";
import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import { parseConfig } from "../../config.ts";
import type { Notifier } from "../../ports.ts";
import { formatDuration } from "../../format.ts";

const MIN = 60_000;
function manualClock(iso: string) {
  let t = Date.parse(iso);
  return { now: () => t, set: (s: string) => (t = Date.parse(s)), advance: (ms: number) => (t += ms) };
}

describe("createLocker", () => {
  it("returns contention as data with a ready-to-post reason naming holder, age, why and expiry", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:03:00Z");
    const locker = createLocker({ store: createMemoryLockStore(), clock });
    await locker.acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "hotfix", ttlMs: 30 * MIN });
    clock.set("2025-03-01T12:20:00Z");
    // Act
    const res = await locker.acquire({ app: "shop", stage: "prod", holder: "U0BOB", reason: "feature" });
    // Assess
    expect(res.acquired).toBe(false);
    expect(!res.acquired && res.reason).toBe("prod is locked by U0ALICE since 12:03 (17 min ago) for 'hotfix', expires in 13 min");
    expect(res.lock.holder).toBe("U0ALICE");
  });

  it("takes over an expired lease once the clock passes its expiry, and announces the takeover", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const events: LockEvent[] = [];
    const locker = createLocker({ store: createMemoryLockStore(), clock, onEvent: (e) => events.push(e) });
    const first = await locker.acquire({ app: "shop", stage: "prod", holder: "ci-1", reason: "deploy", ttlMs: 10 * MIN });
    clock.advance(10 * MIN);
    const atExpiry = await locker.acquire({ app: "shop", stage: "prod", holder: "ci-2", reason: "deploy" });
    clock.advance(1);
    // Act
    const takeover = await locker.acquire({ app: "shop", stage: "prod", holder: "ci-2", reason: "deploy" });
    // Assess
    expect(atExpiry.acquired).toBe(false);
    expect(takeover).toMatchObject({ acquired: true, lock: { holder: "ci-2", token: first.lock.token + 1 }, tookOver: first.lock });
    expect(takeover.message).toContain("took over the expired lock of ci-1");
    expect(events.map((e) => e.type)).toEqual(["acquired", "acquired"]);
    expect(events[1]).toMatchObject({ tookOver: { holder: "ci-1" } });
  });

  it("releases with the holder's token, reports held time and outcome, and refuses the stale holder", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const events: LockEvent[] = [];
    const locker = createLocker({ store: createMemoryLockStore(), clock, onEvent: (e) => events.push(e) });
    const a = await locker.acquire({ app: "shop", stage: "prod", holder: "A", reason: "r", ttlMs: 5 * MIN });
    clock.advance(6 * MIN);
    const b = await locker.acquire({ app: "shop", stage: "prod", holder: "B", reason: "r2" });
    clock.advance(2 * MIN);
    // Act
    const stale = await locker.release(a.lock);
    const staleBeat = await locker.heartbeat(a.lock);
    const fresh = await locker.release(b.lock, { outcome: "success", diffSummary: "+2 −1 ~3" });
    // Assess
    expect(stale).toMatchObject({ released: false, lock: { holder: "B" } });
    expect(!stale.released && stale.reason).toContain(`lock token ${a.lock.token} was lost; prod is locked by B`);
    expect(staleBeat.ok).toBe(false);
    expect(fresh).toMatchObject({ released: true, heldMs: 2 * MIN, message: "prod unlocked after 2 min (success)" });
    expect(events.at(-1)).toEqual({ type: "released", lock: b.lock, heldMs: 2 * MIN, outcome: "success", diffSummary: "+2 −1 ~3" });
  });

  it("force release records who broke the lock and why", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const events: LockEvent[] = [];
    const store = createMemoryLockStore();
    const locker = createLocker({ store, clock, onEvent: (e) => events.push(e) });
    const a = await locker.acquire({ app: "shop", stage: "prod", holder: "ci-bot", reason: "nightly" });
    clock.advance(20 * MIN);
    // Act
    const res = await locker.forceRelease("shop", "prod", "U0SRE", "runner died");
    const again = await locker.forceRelease("shop", "prod", "U0SRE", "twice");
    // Assess
    expect(res).toMatchObject({ released: true, lock: a.lock });
    expect(res.released && res.message).toBe("prod: broke the lock of ci-bot (held 20 min for 'nightly'): runner died");
    expect(again).toEqual({ released: false, lock: null, reason: "prod is not locked" });
    expect(events.at(-1)).toEqual({ type: "force-released", lock: a.lock, by: "U0SRE", reason: "runner died" });
    expect(await store.inspect("shop", "prod")).toMatchObject({ released: true, forcedBy: "U0SRE", forceReason: "runner died" });
    expect(await locker.get("shop", "prod")).toBeNull();
  });

  it("keeps the lock when the announcement fails (Notifier throws)", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const store = createMemoryLockStore();
    const failing: Notifier = {
      post: async () => {
        throw new Error("slack is down");
      },
      update: async () => {},
      upload: async () => {},
    };
    const logged: unknown[] = [];
    const announcer = createLockAnnouncer({ notifier: failing, render: (e) => ({ text: e.type }), config: parseConfig(undefined), log: (m, d) => logged.push(d) });
    const broken = vi.fn();
    const lockerA = createLocker({ store, clock, onEvent: announcer.announce });
    const lockerB = createLocker({
      store,
      clock,
      onEvent: () => {
        throw new Error("handler bug");
      },
      onEventError: broken,
    });
    // Act (no channel configured → skipped; then a channel and a throwing notifier; then a throwing handler)
    const withAnnouncer = await lockerA.acquire({ app: "shop", stage: "prod", holder: "A", reason: "r" });
    const announcer2 = createLockAnnouncer({ notifier: failing, render: (e) => ({ text: e.type }), config: parseConfig('{"stages":{"*":{"channel":"C0DEPLOYS"}}}'), log: (m, d) => logged.push(d) });
    const released = await createLocker({ store, clock, onEvent: announcer2.announce }).release(withAnnouncer.lock);
    const withThrowingHandler = await lockerB.acquire({ app: "shop", stage: "dev", holder: "B", reason: "r" });
    // Assess
    expect(withAnnouncer.acquired).toBe(true);
    expect(released.released).toBe(true);
    expect(withThrowingHandler.acquired).toBe(true);
    expect(await store.get("shop", "dev", clock.now())).toMatchObject({ holder: "B" });
    expect(logged).toEqual([expect.objectContaining({ channel: "C0DEPLOYS", event: "released", error: "slack is down" })]);
    expect(broken).toHaveBeenCalledWith(expect.objectContaining({ message: "handler bug" }), expect.objectContaining({ type: "acquired" }));
  });

  it("uses the default TTL when none is given and rejects a non-positive TTL", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const locker = createLocker({ store: createMemoryLockStore(), clock, defaultTtlMs: 45 * MIN });
    // Act
    const res = await locker.acquire({ app: "shop", stage: "prod", holder: "A", reason: "r" });
    const bad = locker.acquire({ app: "shop", stage: "dev", holder: "A", reason: "r", ttlMs: 0 });
    // Assess
    expect(res.lock.expiresAt).toBe("2025-03-01T12:45:00.000Z");
    await expect(bad).rejects.toThrow(RangeError);
  });

  it("lists live leases only", async () => {
    // Prepare
    const clock = manualClock("2025-03-01T12:00:00Z");
    const locker = createLocker({ store: createMemoryLockStore(), clock });
    await locker.acquire({ app: "shop", stage: "prod", holder: "A", reason: "r", ttlMs: 60 * MIN });
    await locker.acquire({ app: "shop", stage: "dev", holder: "B", reason: "r", ttlMs: MIN });
    clock.advance(2 * MIN);
    // Act
    const live = await locker.list("shop");
    // Assess
    expect(live.map((l) => l.stage)).toEqual(["prod"]);
  });
});

describe("describeHeldLock / formatDuration", () => {
  it("formats seconds, minutes, hours and days, and an expired lease", () => {
    // Prepare
    const lease = { app: "a", stage: "prod", holder: "me@host", reason: "x", token: 3, acquiredAt: "2025-03-01T10:00:00.000Z", expiresAt: "2025-03-01T12:00:00.000Z", runUrl: "https://ci/1" };
    // Act
    const text = describeHeldLock(lease, Date.parse("2025-03-01T12:05:00Z"), { timeZone: "Europe/Berlin" });
    // Assess
    expect([formatDuration(45_000), formatDuration(17 * MIN), formatDuration(125 * MIN), formatDuration(72 * 60 * MIN)]).toEqual(["45 s", "17 min", "2 h 5 min", "3 d"]);
    expect(text).toBe("prod is locked by me@host since 11:00 (2 h 5 min ago) for 'x' (https://ci/1), expired 5 min ago");
  });
});

describe("defaultHolder", () => {
  it("uses the GitHub Actions actor and builds the run URL", () => {
    // Act
    const id = defaultHolder({ GITHUB_ACTIONS: "true", GITHUB_ACTOR: "octocat", GITHUB_RUN_ID: "123", GITHUB_REPOSITORY: "acme/shop", GITHUB_SERVER_URL: "https://github.example.com" });
    // Assess
    expect(id).toEqual({ holder: "octocat (GitHub Actions run 123)", runUrl: "https://github.example.com/acme/shop/actions/runs/123" });
  });

  it("uses the GitLab job and its URL", () => {
    // Act
    const id = defaultHolder({ GITLAB_CI: "true", GITLAB_USER_LOGIN: "dev", CI_JOB_ID: "9", CI_JOB_URL: "https://gitlab.example.com/j/9" });
    // Assess
    expect(id).toEqual({ holder: "dev (GitLab CI job 9)", runUrl: "https://gitlab.example.com/j/9" });
  });

  it("falls back to user@host, preferring the machine's own names", () => {
    // Act
    const fromMachine = defaultHolder({ USER: "envuser", HOSTNAME: "envhost" }, { user: "alice", host: "laptop" });
    const fromEnv = defaultHolder({ USER: "envuser", HOSTNAME: "envhost" });
    // Assess
    expect(fromMachine).toEqual({ holder: "alice@laptop" });
    expect(fromEnv).toEqual({ holder: "envuser@envhost" });
  });
});
