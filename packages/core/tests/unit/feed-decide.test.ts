/**
 * The deploy feed's decisions (core/feed/decide.ts) from observations of SST's home, the policy
 * that turns it on per stage (config.ts), and the Unlock SST button's rule (feed/unlock.ts).
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config.ts";
import { decideStage, type StageObservation } from "../../feed/decide.ts";
import type { FeedEntry } from "../../feed/types.ts";
import { makeUpdateId } from "../../state/update-id.ts";
import type { SstLock, UpdateRecord } from "../../state/types.ts";
import { stateKeys } from "../../state/versions.ts";
import { unlockStuckDeploy } from "../../feed/unlock.ts";
import { closeAsSstUnlock } from "../../repair/unlock.ts";
import { createMemoryStateStore } from "@sst-state/test-kit/memory/state-store";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const MIN = 60_000;
const past = makeUpdateId(T0 - 60 * MIN, () => 0.1);
const id = makeUpdateId(T0, () => 0.2);
const cursor = { updateId: past, at: new Date(T0 - MIN).toISOString() };
const lockOf = (updateID: string, at = T0): SstLock => ({ created: new Date(at).toISOString(), updateID, runID: "", command: "deploy", ignore: true });
const started = (updateID: string): UpdateRecord => ({ id: updateID, version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date(T0).toISOString().replace(".000Z", "Z") });
const completed = (updateID: string, errors: UpdateRecord["errors"] = []): UpdateRecord => ({ ...started(updateID), errors, timeCompleted: new Date(T0 + 2 * MIN).toISOString() });
const obs = (o: Partial<StageObservation>): StageObservation => ({ app: "shop", stage: "prod", lock: null, newIds: [], records: new Map(), stateSavedAt: null, ...o });
const entry = (phase: FeedEntry["phase"], updateId = id): FeedEntry => ({ app: "shop", stage: "prod", updateId, phase, channel: "C0PROD", ts: "1.1", at: new Date(T0).toISOString() });

describe("deploy feed decisions", () => {
  it("the first observation sets the cursor to the newest update and decides nothing for past updates", () => {
    // Act
    const d = decideStage({ observation: obs({ newIds: [id] }), cursor: null, open: [], stuckMs: 30 * MIN, now: T0 + 5 * MIN });
    // Assess
    expect(d).toMatchObject({ baseline: true, changes: [], cursor: { updateId: id } });
  });

  it("a deploy whose lock exists at the first observation is taken up: in progress, or stuck past the threshold", () => {
    // Prepare: the lock's update (id) started 12 min ago; its record was read with the lock
    const o = (saved: number) => obs({ lock: lockOf(id), newIds: [past], records: new Map([[id, started(id)]]), stateSavedAt: saved });
    // Act
    const running = decideStage({ observation: o(T0 + 11 * MIN), cursor: null, open: [], stuckMs: 30 * MIN, now: T0 + 12 * MIN });
    const stuck = decideStage({ observation: o(T0), cursor: null, open: [], stuckMs: 10 * MIN, now: T0 + 12 * MIN });
    // Assess
    expect(running).toMatchObject({ baseline: true, cursor: { updateId: id } });
    expect(running.changes.map((c) => [c.updateId, c.from, c.to, c.alreadyRunning])).toEqual([[id, null, "started", true]]);
    expect(stuck.changes.map((c) => [c.to, c.idleMs, c.alreadyRunning])).toEqual([["stuck", 12 * MIN, true]]);
  });

  it("a lock for a new update means started, even before its record exists", () => {
    // Act
    const d = decideStage({ observation: obs({ lock: lockOf(id) }), cursor, open: [], stuckMs: 30 * MIN, now: T0 + MIN });
    // Assess
    expect(d.changes.map((c) => [c.updateId, c.from, c.to])).toEqual([[id, null, "started"]]);
  });

  it("stuck only past the threshold, measured from the last save; a save brings it back to started", () => {
    // Prepare
    const o = (saved: number) => obs({ lock: lockOf(id), newIds: [id], records: new Map([[id, started(id)]]), stateSavedAt: saved });
    // Act
    const running = decideStage({ observation: o(T0 + 25 * MIN), cursor, open: [entry("started")], stuckMs: 30 * MIN, now: T0 + 50 * MIN });
    const stuck = decideStage({ observation: o(T0 + 5 * MIN), cursor, open: [entry("started")], stuckMs: 30 * MIN, now: T0 + 50 * MIN });
    const resumed = decideStage({ observation: o(T0 + 49 * MIN), cursor, open: [entry("stuck")], stuckMs: 30 * MIN, now: T0 + 50 * MIN });
    // Assess
    expect(running.changes).toEqual([]);
    expect(stuck.changes.map((c) => [c.to, c.idleMs])).toEqual([["stuck", 45 * MIN]]);
    expect(resumed.changes.map((c) => [c.from, c.to])).toEqual([["stuck", "started"]]);
  });

  it("a completed record under a lock that still names it waits for the unlock; then finished or failed by its errors", () => {
    // Act
    const waiting = decideStage({ observation: obs({ lock: lockOf(id), newIds: [id], records: new Map([[id, completed(id)]]) }), cursor, open: [], stuckMs: 30 * MIN, now: T0 + 2 * MIN });
    const finished = decideStage({ observation: obs({ newIds: [id], records: new Map([[id, completed(id)]]) }), cursor, open: [], stuckMs: 30 * MIN, now: T0 + 3 * MIN });
    const failed = decideStage({ observation: obs({ records: new Map([[id, completed(id, [{ urn: "", message: "boom" }])]]) }), cursor, open: [entry("started")], stuckMs: 30 * MIN, now: T0 + 3 * MIN });
    // Assess
    expect(waiting.changes).toEqual([]);
    expect(finished.changes.map((c) => [c.from, c.to])).toEqual([[null, "finished"]]);
    expect(failed.changes.map((c) => [c.from, c.to])).toEqual([["started", "failed"]]);
  });

  it("no lock and no completion: started on first sight (its lock may come after the read), failed once seen before", () => {
    // Act
    const first = decideStage({ observation: obs({ newIds: [id], records: new Map([[id, started(id)]]) }), cursor, open: [], stuckMs: 30 * MIN, now: T0 });
    const later = decideStage({ observation: obs({ records: new Map([[id, started(id)]]) }), cursor, open: [entry("started")], stuckMs: 30 * MIN, now: T0 + MIN });
    // Assess
    expect(first.changes.map((c) => c.to)).toEqual(["started"]);
    expect(later.changes.map((c) => [c.to, c.endedWithoutRecord])).toEqual([["failed", true]]);
  });

  it("updates at or before the cursor are never decided again, and the cursor moves to the newest id", () => {
    // Act
    const d = decideStage({ observation: obs({ lock: lockOf(past, T0 - 60 * MIN), newIds: [id], records: new Map([[id, completed(id)]]) }), cursor, open: [], stuckMs: MIN, now: T0 + 90 * MIN });
    // Assess
    expect(d.changes.map((c) => c.updateId)).toEqual([id]);
    expect(d.cursor.updateId).toBe(id);
  });
});

describe("deploy feed policy", () => {
  it("is off unless a stage (or \"*\") says feed: true; the stuck threshold defaults to 30 min per stage", () => {
    // Prepare
    const config = parseConfig(JSON.stringify({ stages: { prod: { feed: true, feedStuckAfter: "45m" }, dev: { feed: false }, "*": { feed: true } } }));
    const none = parseConfig(JSON.stringify({ stages: { prod: { channel: "C1" } } }));
    // Act / Assess
    expect(config.feedStages()).toEqual({ named: ["prod"], all: true });
    expect([config.policy("prod").feedStuckMs, config.policy("staging").feedStuckMs]).toEqual([45 * MIN, 30 * MIN]);
    expect([config.policy("dev").feed, config.policy("staging").feed]).toEqual([false, true]);
    expect(none.feedStages()).toEqual({ named: [], all: false });
    expect(() => parseConfig(JSON.stringify({ stages: { prod: { feedStuckAfter: "soon" } } }))).toThrow(/feedStuckAfter/);
  });
});

describe("Unlock SST (unlockStuckDeploy)", () => {
  const app = "shop";
  const stage = "prod";
  const home = (records: Record<string, unknown>[], lock: SstLock | null, savedAt: number) => {
    let now = savedAt;
    const clock = { now: () => now };
    const store = createMemoryStateStore(
      [
        { key: stateKeys.app(app, stage), body: JSON.stringify({ version: 3, checkpoint: { stack: "", latest: { resources: [] } } }) },
        ...records.map((r) => ({ key: stateKeys.update(app, stage, id), body: JSON.stringify(r) })),
        ...(lock ? [{ key: stateKeys.lock(app, stage), body: JSON.stringify(lock) }] : []),
      ],
      { clock },
    );
    return { store, clock, at: (ms: number) => (now = ms) };
  };

  it("refuses while the update still makes progress, or when the lock belongs to another update; nothing is written", async () => {
    // Prepare
    const running = home([started(id)], lockOf(id), T0 + 20 * MIN);
    running.at(T0 + 25 * MIN);
    const taken = home([started(id)], lockOf(past), T0);
    taken.at(T0 + 90 * MIN);
    // Act
    const a = await unlockStuckDeploy({ store: running.store, clock: running.clock }, { app, stage, updateId: id, stuckMs: 10 * MIN });
    const b = await unlockStuckDeploy({ store: taken.store, clock: taken.clock }, { app, stage, updateId: id, stuckMs: 10 * MIN });
    // Assess
    expect(a).toMatchObject({ unlocked: false, reason: expect.stringContaining("may still be running") });
    expect(b).toMatchObject({ unlocked: false, reason: expect.stringContaining("another update") });
    expect(await running.store.readSstLock(app, stage)).not.toBeNull();
    expect((await running.store.readUpdate(app, stage, id))?.timeCompleted).toBeUndefined();
  });

  it("past the threshold it closes the record as `sst unlock` does (also one without an id) and deletes the lock", async () => {
    // Prepare: a record that lost its id (as `sst unlock` writes them)
    const { id: _dropped, ...noId } = started(id);
    const h = home([noId], lockOf(id), T0);
    h.at(T0 + 40 * MIN);
    // Act
    const res = await unlockStuckDeploy({ store: h.store, clock: h.clock }, { app, stage, updateId: id, stuckMs: 30 * MIN });
    // Assess
    expect(res.unlocked).toBe(true);
    expect(await h.store.readSstLock(app, stage)).toBeNull();
    const record = await h.store.readUpdate(app, stage, id);
    expect(record).toMatchObject({ id, command: "deploy", timeCompleted: "2026-11-30T12:40:00Z" });
    expect(record?.errors?.map((e) => e.message)).toEqual(["Update did not complete and was force unlocked with the `sst unlock` command"]);
  });

  it("rewrites the record exactly as a repair's Unlock SST does (earlier errors and the start time go, as with `sst unlock`)", async () => {
    // Prepare: a record that already had an error and a start time
    const before = { ...started(id), errors: [{ urn: "urn:x", message: "boom" }] };
    const h = home([before], lockOf(id), T0);
    h.at(T0 + 40 * MIN);
    // Act
    await unlockStuckDeploy({ store: h.store, clock: h.clock }, { app, stage, updateId: id, stuckMs: 30 * MIN });
    // Assess
    expect(await h.store.readUpdate(app, stage, id)).toEqual(closeAsSstUnlock(before, lockOf(id), T0 + 40 * MIN));
    expect((await h.store.readUpdate(app, stage, id))?.timeStarted).toBe("");
  });
});
