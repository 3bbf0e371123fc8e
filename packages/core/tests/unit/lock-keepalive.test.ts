import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLocker, keepAlive, type Locker } from "../../lock/index.ts";
import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import type { LockStore } from "../../lock/types.ts";

const MIN = 60_000;
const clock = { now: () => Date.now() };

describe("keepAlive", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2025-03-01T12:00:00Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("heartbeats on its interval so the lease outlives its first expiry, until stopped", async () => {
    // Prepare
    const store = createMemoryLockStore();
    const locker = createLocker({ store, clock });
    const { lock } = await locker.acquire({ app: "shop", stage: "prod", holder: "ci", reason: "deploy", ttlMs: 2 * MIN });
    const ka = keepAlive(locker, lock, { intervalMs: 30_000 });
    // Act
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const contender = await locker.acquire({ app: "shop", stage: "prod", holder: "other", reason: "x" });
    await ka.stop();
    // Assess
    expect(contender.acquired).toBe(false);
    expect(Date.parse(ka.current().expiresAt)).toBeGreaterThan(Date.parse(lock.expiresAt));
    expect(await ka.done).toEqual({ lost: false });
  });

  it("reports the loss when someone broke the lock, and stops heartbeating", async () => {
    // Prepare
    const store = createMemoryLockStore();
    const locker = createLocker({ store, clock });
    const { lock } = await locker.acquire({ app: "shop", stage: "prod", holder: "ci", reason: "deploy", ttlMs: 2 * MIN });
    const onLost = vi.fn();
    const ka = keepAlive(locker, lock, { intervalMs: 30_000, onLost });
    await locker.forceRelease("shop", "prod", "U0SRE", "hung");
    const next = await locker.acquire({ app: "shop", stage: "prod", holder: "U0SRE", reason: "fix" });
    // Act
    await vi.advanceTimersByTimeAsync(30_000);
    const end = await ka.done;
    // Assess
    expect(end).toMatchObject({ lost: true, lock: { holder: "U0SRE", token: next.lock.token } });
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(await store.get("shop", "prod", Date.now())).toEqual(next.lock);
  });

  it("keeps trying through store errors and reports the loss once the lease has expired", async () => {
    // Prepare
    const inner = createMemoryLockStore();
    const flaky: LockStore = { ...inner, heartbeat: async () => Promise.reject(new Error("network down")) };
    const locker: Locker = createLocker({ store: flaky, clock });
    const { lock } = await locker.acquire({ app: "shop", stage: "prod", holder: "ci", reason: "deploy", ttlMs: 2 * MIN });
    const errors: unknown[] = [];
    const ka = keepAlive(locker, lock, { intervalMs: 30_000, clock, onError: (e) => errors.push(e) });
    // Act
    await vi.advanceTimersByTimeAsync(90_000);
    const before = await Promise.race([ka.done, Promise.resolve("still running")]);
    await vi.advanceTimersByTimeAsync(60_000);
    const end = await ka.done;
    // Assess
    expect(before).toBe("still running");
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(end).toMatchObject({ lost: true, lock: null });
    expect(end.lost && end.reason).toContain("expired while the lock store could not be reached (network down)");
  });
});
