/**
 * The LockStore contract (core/lock/types.ts, protocol in core/lock/lease.ts): every
 * implementation runs this suite. Each test works on its own app name, so one table can serve
 * the whole suite. Time is passed explicitly (`now`), never read from the machine.
 */
import { describe, expect, it } from "vitest";
import type { AcquireRequest, LockStore } from "@sst-state/core/lock";

export interface LockStoreUnderTest {
  store: LockStore;
  close?: () => Promise<void>;
}

const T0 = Date.parse("2025-03-01T12:03:00.000Z");
const MIN = 60_000;
let seq = 0;

export function lockStoreContract(name: string, make: () => Promise<LockStoreUnderTest>): void {
  describe(`LockStore contract: ${name}`, () => {
    // Prepare helper: a fresh store handle and an app name no other test uses.
    async function setup() {
      const sut = await make();
      const app = `app${++seq}x${Math.random().toString(36).slice(2, 8)}`;
      const req = (holder: string, over: Partial<AcquireRequest> = {}): AcquireRequest => ({ app, stage: "prod", holder, reason: `deploy by ${holder}`, ttlMs: 30 * MIN, ...over });
      return { ...sut, app, req };
    }

    it("acquires a free stage and returns the lease with token 1", async () => {
      const { store, app, req, close } = await setup();
      const res = await store.acquire(req("U0ALICE", { reason: "hotfix", runUrl: "https://ci.example/run/1" }), T0);
      expect(res).toEqual({
        acquired: true,
        lock: { app, stage: "prod", holder: "U0ALICE", reason: "hotfix", runUrl: "https://ci.example/run/1", token: 1, acquiredAt: "2025-03-01T12:03:00.000Z", expiresAt: "2025-03-01T12:33:00.000Z" },
      });
      expect(await store.get(app, "prod", T0 + MIN)).toEqual(res.lock);
      await close?.();
    });

    it("refuses a second acquirer while the lease is live and names the holder", async () => {
      const { store, app, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE"), T0);
      const second = await store.acquire(req("U0BOB"), T0 + 17 * MIN);
      expect(second).toEqual({ acquired: false, lock: first.lock });
      expect((await store.get(app, "prod", T0 + 17 * MIN))?.holder).toBe("U0ALICE");
      await close?.();
    });

    it("still holds at exactly expiresAt and can be taken over one millisecond later", async () => {
      const { store, req, close } = await setup();
      await store.acquire(req("U0ALICE", { ttlMs: 10 * MIN }), T0);
      const atExpiry = await store.acquire(req("U0BOB"), T0 + 10 * MIN);
      const after = await store.acquire(req("U0BOB"), T0 + 10 * MIN + 1);
      expect(atExpiry.acquired).toBe(false);
      expect(after.acquired).toBe(true);
      await close?.();
    });

    it("takes over an expired lease with the next token and reports the lease it took over", async () => {
      const { store, app, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE", { ttlMs: 5 * MIN }), T0);
      const takeover = await store.acquire(req("ci-bot"), T0 + 6 * MIN);
      expect(takeover).toMatchObject({ acquired: true, lock: { holder: "ci-bot", token: 2 }, tookOver: first.lock });
      expect((await store.get(app, "prod", T0 + 6 * MIN))?.holder).toBe("ci-bot");
      await close?.();
    });

    it("does not report a takeover after a normal release", async () => {
      const { store, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE"), T0);
      await store.release(first.lock.app, "prod", first.lock.token, T0 + MIN);
      const next = await store.acquire(req("U0BOB"), T0 + 2 * MIN);
      expect(next.acquired).toBe(true);
      expect("tookOver" in next && next.tookOver).toBeFalsy();
      await close?.();
    });

    it("releases with the current token; the stage is then free", async () => {
      const { store, app, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE"), T0);
      const rel = await store.release(app, "prod", first.lock.token, T0 + 5 * MIN, "success");
      expect(rel).toEqual({ released: true, lock: first.lock });
      expect(await store.get(app, "prod", T0 + 5 * MIN)).toBeNull();
      expect((await store.acquire(req("U0BOB"), T0 + 6 * MIN)).acquired).toBe(true);
      await close?.();
    });

    it("refuses the release and heartbeat of a stale holder after a takeover, and keeps the new lease", async () => {
      const { store, app, req, close } = await setup();
      const stale = await store.acquire(req("U0ALICE", { ttlMs: 5 * MIN }), T0);
      const fresh = await store.acquire(req("ci-bot"), T0 + 6 * MIN);
      const hb = await store.heartbeat(app, "prod", stale.lock.token, 30 * MIN, T0 + 7 * MIN);
      const rel = await store.release(app, "prod", stale.lock.token, T0 + 7 * MIN);
      expect(hb).toEqual({ ok: false, lock: fresh.lock });
      expect(rel).toEqual({ released: false, lock: fresh.lock });
      expect(await store.get(app, "prod", T0 + 8 * MIN)).toEqual(fresh.lock);
      await close?.();
    });

    it("refuses a second release and a heartbeat after release", async () => {
      const { store, app, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE"), T0);
      await store.release(app, "prod", first.lock.token, T0 + MIN);
      expect(await store.release(app, "prod", first.lock.token, T0 + 2 * MIN)).toEqual({ released: false, lock: null });
      expect(await store.heartbeat(app, "prod", first.lock.token, 30 * MIN, T0 + 2 * MIN)).toEqual({ ok: false, lock: null });
      await close?.();
    });

    it("refuses release of a stage that was never locked", async () => {
      const { store, app, close } = await setup();
      expect(await store.release(app, "prod", 1, T0)).toEqual({ released: false, lock: null });
      expect(await store.heartbeat(app, "prod", 1, MIN, T0)).toEqual({ ok: false, lock: null });
      expect(await store.forceRelease(app, "prod", "U0SRE", "why", T0)).toBeNull();
      await close?.();
    });

    it("extends the lease on heartbeat so that it is not taken over at the old expiry", async () => {
      const { store, app, req, close } = await setup();
      const first = await store.acquire(req("U0ALICE", { ttlMs: 10 * MIN }), T0);
      const hb = await store.heartbeat(app, "prod", first.lock.token, 10 * MIN, T0 + 8 * MIN);
      const contender = await store.acquire(req("U0BOB"), T0 + 12 * MIN);
      expect(hb).toEqual({ ok: true, lock: { ...first.lock, expiresAt: new Date(T0 + 18 * MIN).toISOString() } });
      expect(contender).toMatchObject({ acquired: false, lock: { holder: "U0ALICE", token: first.lock.token } });
      await close?.();
    });

    it("grows the token by one on every acquisition: acquire, release, acquire, takeover, force, acquire", async () => {
      const { store, app, req, close } = await setup();
      const tokens: number[] = [];
      const a = await store.acquire(req("A"), T0);
      tokens.push(a.lock.token);
      await store.release(app, "prod", a.lock.token, T0 + MIN);
      const b = await store.acquire(req("B", { ttlMs: MIN }), T0 + 2 * MIN);
      tokens.push(b.lock.token);
      const c = await store.acquire(req("C"), T0 + 10 * MIN); // takeover of B
      tokens.push(c.lock.token);
      await store.forceRelease(app, "prod", "U0SRE", "stuck", T0 + 11 * MIN);
      const d = await store.acquire(req("D"), T0 + 12 * MIN);
      tokens.push(d.lock.token);
      expect(tokens).toEqual([1, 2, 3, 4]);
      await close?.();
    });

    it("force release breaks any holder, returns the broken lease and records who and why", async () => {
      const { store, app, req, close } = await setup();
      const held = await store.acquire(req("ci-bot", { runUrl: "https://ci.example/run/9" }), T0);
      const broken = await store.forceRelease(app, "prod", "U0SRE", "CI job hung", T0 + 20 * MIN);
      expect(broken).toEqual(held.lock);
      expect(await store.get(app, "prod", T0 + 20 * MIN)).toBeNull();
      expect(await store.forceRelease(app, "prod", "U0SRE", "again", T0 + 21 * MIN)).toBeNull();
      if (store.inspect) {
        expect(await store.inspect(app, "prod")).toMatchObject({
          ...held.lock,
          released: true,
          releasedAt: new Date(T0 + 20 * MIN).toISOString(),
          forcedBy: "U0SRE",
          forceReason: "CI job hung",
        });
      }
      // The old holder cannot release the lease that follows.
      const next = await store.acquire(req("U0BOB"), T0 + 22 * MIN);
      expect(await store.release(app, "prod", held.lock.token, T0 + 23 * MIN)).toEqual({ released: false, lock: next.lock });
      await close?.();
    });

    it("records the outcome of a release and clears it on the next acquisition", async () => {
      const { store, app, req, close } = await setup();
      if (!store.inspect) return expect(store.inspect).toBeUndefined();
      const a = await store.acquire(req("A", { runUrl: "https://ci.example/1" }), T0);
      await store.release(app, "prod", a.lock.token, T0 + MIN, "failed");
      const released = await store.inspect(app, "prod");
      await store.acquire(req("B"), T0 + 2 * MIN);
      const next = await store.inspect(app, "prod");
      expect(released).toMatchObject({ released: true, outcome: "failed", token: 1 });
      expect(next).toMatchObject({ released: false, holder: "B", token: 2 });
      expect(next?.outcome).toBeUndefined();
      expect(next?.runUrl).toBeUndefined();
      await close?.();
    });

    it("get and list return only live leases, list can filter by app", async () => {
      const { store, app, req, close } = await setup();
      const prod = await store.acquire(req("A", { stage: "prod" }), T0);
      const dev = await store.acquire(req("B", { stage: "dev" }), T0);
      const short = await store.acquire(req("C", { stage: "pr-1", ttlMs: MIN }), T0);
      await store.release(app, "dev", dev.lock.token, T0 + MIN);
      const other = `${app}other`;
      await store.acquire({ ...req("D"), app: other }, T0);
      const mine = await store.list(T0 + 2 * MIN, app);
      const all = await store.list(T0 + 2 * MIN);
      expect(mine).toEqual([prod.lock]);
      expect(all.filter((l) => l.app === app || l.app === other).map((l) => `${l.app}/${l.stage}`)).toEqual([`${app}/prod`, `${other}/prod`]);
      expect(await store.get(app, "pr-1", T0 + 2 * MIN)).toBeNull();
      expect(short.acquired).toBe(true);
      await close?.();
    });

    it("lets exactly one of many concurrent acquirers win and tells every loser that holder", async () => {
      const { store, req, close } = await setup();
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.acquire(req(`runner-${i}`), T0)));
      const winners = results.filter((r) => r.acquired);
      const losers = results.filter((r) => !r.acquired);
      expect(winners).toHaveLength(1);
      expect(new Set(losers.map((r) => JSON.stringify(r.lock)))).toEqual(new Set([JSON.stringify(winners[0]!.lock)]));
      await close?.();
    });
  });
}
