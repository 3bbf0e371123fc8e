/**
 * Contract of FeedStore (core/feed/types.ts), run against every implementation. The property the
 * deploy feed's "never twice" rests on: of any number of pollers racing for the same move of an
 * update's message, exactly one wins; a message not yet posted cannot be moved on until its claim
 * is abandoned; a released claim can be taken again.
 */
import { describe, expect, it } from "vitest";
import { CLAIM_TIMEOUT_MS, type FeedEntry, type FeedStore } from "@sst-state/core/feed";

let seq = 0;
const T0 = Date.parse("2026-11-30T12:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString();

function entry(over: Partial<FeedEntry> = {}): FeedEntry {
  return { app: "shop", stage: `s${++seq}${Math.random().toString(36).slice(2, 6)}`, updateId: "fe5dd31c51a48974a894e600", phase: "started", channel: "C0PROD", at: at(T0), ...over };
}

export function feedStoreContract(name: string, make: () => Promise<FeedStore> | FeedStore) {
  describe(`FeedStore contract: ${name}`, () => {
    it("keeps a cursor per stage", async () => {
      // Prepare
      const store = await make();
      const e = entry();
      // Act
      const none = await store.getCursor(e.app, e.stage);
      await store.putCursor(e.app, e.stage, { updateId: e.updateId, at: at(T0) });
      await store.putCursor(e.app, `${e.stage}x`, { updateId: null, at: at(T0) });
      // Assess
      expect(none).toBeNull();
      expect(await store.getCursor(e.app, e.stage)).toEqual({ updateId: e.updateId, at: at(T0) });
      expect(await store.getCursor(e.app, `${e.stage}x`)).toEqual({ updateId: null, at: at(T0) });
    });

    it("of 20 pollers claiming the same first post, exactly one wins; the others see its entry", async () => {
      // Prepare
      const store = await make();
      const e = entry();
      // Act
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim(e, null)));
      // Assess
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      for (const r of results.filter((x) => !x.claimed)) expect(r).toEqual({ claimed: false, current: e });
    });

    it("moves a posted message one phase at a time, once; final phases leave the open list", async () => {
      // Prepare
      const store = await make();
      const e = entry();
      await store.claim(e, null);
      await store.setTs(e.app, e.stage, e.updateId, "1700000000.000100", e.channel);
      const stuck = { ...e, phase: "stuck" as const, ts: "1700000000.000100", at: at(T0 + 1_000) };
      // Act
      const moves = await Promise.all(Array.from({ length: 10 }, () => store.claim(stuck, "started")));
      const openWhileStuck = await store.listOpen(e.app, e.stage);
      const wrongFrom = await store.claim({ ...stuck, phase: "finished" }, "started");
      const failed = await store.claim({ ...stuck, phase: "failed" }, "stuck");
      // Assess
      expect(moves.filter((m) => m.claimed)).toHaveLength(1);
      expect(openWhileStuck).toEqual([stuck]);
      expect(wrongFrom.claimed).toBe(false);
      expect(failed.claimed).toBe(true);
      expect(await store.listOpen(e.app, e.stage)).toEqual([]);
      expect(await store.get(e.app, e.stage, e.updateId)).toMatchObject({ phase: "failed", ts: "1700000000.000100" });
    });

    it("an unposted claim blocks the next move until it is abandoned; a released claim can be taken again", async () => {
      // Prepare
      const store = await make();
      const e = entry();
      await store.claim(e, null);
      // Act
      const early = await store.claim({ ...e, phase: "finished", at: at(T0 + CLAIM_TIMEOUT_MS - 1_000) }, "started");
      const late = await store.claim({ ...e, phase: "finished", at: at(T0 + CLAIM_TIMEOUT_MS + 1_000) }, "started");
      const other = entry();
      await store.claim(other, null);
      await store.release(other, null);
      const again = await store.claim(other, null);
      // Assess
      expect(early.claimed).toBe(false);
      expect(late.claimed).toBe(true);
      expect(again.claimed).toBe(true);
    });
  });
}
