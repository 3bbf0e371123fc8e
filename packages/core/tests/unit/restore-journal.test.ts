/**
 * The restore journal: a restore whose process died mid-write (simulated by a write that never
 * returns) is finished or closed by the next `recoverInterrupted` — on the Lambda path once its
 * lease expired, on the machine that ran it as soon as its process is gone — and audited.
 */
import { describe, expect, it } from "vitest";
import { createRestoreService, RESTORE_LEASE_TTL_MS, sha256Hex } from "../../restore/index.ts";
import { createRestoreSetup, type RestoreSetup } from "@sst-state/test-kit/restore";

const never = () => new Promise<never>(() => {});

/** Another process on the same table and home: the next invocation, or the next start of the CLI. */
function nextStart(s: RestoreSetup) {
  return createRestoreService({ store: s.home, approvals: s.approvals, audit: s.audit, locker: s.locker, groups: s.groups, config: s.config, clock: s.clock, notifier: s.notifier });
}

async function approvedAndStuck(s: RestoreSetup, stuck: "before-state" | "after-state") {
  if (stuck === "before-state") s.store.beforeWrite = never;
  else {
    const write = s.store.writeSnapshot;
    s.store.writeSnapshot = (app, stage, id, bytes) => (stuck === "after-state" && s.store.writes > 0 ? never() : write(app, stage, id, bytes));
  }
  const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
  void s.service.approve({ id: request.id, approver: "U0BOB" });
  for (let i = 0; i < 200 && !(await s.approvals.get(request.id))?.journal; i++) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 200 && (stuck === "after-state" ? s.store.writes === 0 : false); i++) await new Promise((r) => setTimeout(r, 5));
  return request;
}

describe("restore journal", () => {
  it("rolls forward a restore that wrote the state and was interrupted: done, snapshot, record completed, SST's lock gone, audited", async () => {
    // Prepare
    const s = createRestoreSetup();
    const request = await approvedAndStuck(s, "after-state");
    const early = await nextStart(s).recoverInterrupted();
    s.clock.advance(RESTORE_LEASE_TTL_MS + 1);
    // Act
    const closed = await nextStart(s).recoverInterrupted();
    // Assess
    const req = (await s.approvals.get(request.id))!;
    expect(early).toEqual([]); // still within its lease: it may be running
    expect(closed.map((r) => r.id)).toEqual([request.id]);
    expect(req.status).toBe("done");
    expect(sha256Hex((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(request.target.sha256);
    expect((await s.home.listVersions(s.app, "prod")).map((v) => v.updateId)).toContain(req.journal!.updateId);
    expect((await s.home.readUpdate(s.app, "prod", req.journal!.updateId))?.timeCompleted).toBeTruthy();
    expect(await s.home.readSstLock(s.app, "prod")).toBeNull();
    expect(await s.locker.get(s.app, "prod")).toBeNull();
    expect(s.audit.all().filter((e) => e.requestId === request.id && e.action === "restore.done").map((e) => e.data?.interrupted)).toEqual([true]);
  });

  it("closes a restore interrupted before the state was written as failed: nothing changed, audited", async () => {
    // Prepare
    const s = createRestoreSetup();
    const before = (await s.home.readCurrent(s.app, "prod")).token;
    const request = await approvedAndStuck(s, "before-state");
    s.clock.advance(RESTORE_LEASE_TTL_MS + 1);
    // Act
    await nextStart(s).recoverInterrupted();
    // Assess
    const req = (await s.approvals.get(request.id))!;
    expect(req.status).toBe("failed");
    expect(req.result?.error?.message).toContain("nothing changed");
    expect((await s.home.readCurrent(s.app, "prod")).token).toBe(before);
    expect(await s.home.readSstLock(s.app, "prod")).toBeNull();
    expect(s.audit.all().filter((e) => e.requestId === request.id).map((e) => e.action)).toContain("restore.failed");
  });

  it("on the machine that ran it, does not wait for the lease when the process is gone", async () => {
    // Prepare: the approval won by a process that has died since
    const s = createRestoreSetup({ runner: { host: "ci-runner-7", pid: 4242 } });
    const request = await approvedAndStuck(s, "after-state");
    // Act
    const alive = await nextStart(s).recoverInterrupted({ alive: () => "alive" });
    const dead = await nextStart(s).recoverInterrupted({ alive: (r) => (r.host === "ci-runner-7" && r.pid === 4242 ? "dead" : "unknown") });
    // Assess
    expect(alive).toEqual([]);
    expect(dead.map((r) => [r.id, r.status])).toEqual([[request.id, "done"]]);
  });

  it("closes a request approved but never started (no journal) once its lease is over", async () => {
    // Prepare: approved, then the process died before the lease was taken
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    await s.approvals.transition(request.id, "pending", "approved", { decidedBy: "U0BOB", decidedAt: new Date(s.clock.now()).toISOString() }, s.clock.now());
    s.clock.advance(RESTORE_LEASE_TTL_MS + 1);
    // Act
    const closed = await nextStart(s).recoverInterrupted();
    // Assess
    expect(closed.map((r) => [r.id, r.status])).toEqual([[request.id, "failed"]]);
    expect(s.audit.all().filter((e) => e.requestId === request.id).map((e) => e.action)).toContain("restore.failed");
  });
});
