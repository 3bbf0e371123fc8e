import { describe, expect, it } from "vitest";
import { createRestoreSetup } from "@sst-state/test-kit/restore";
import { sha256Hex } from "../../restore/plan.ts";
import { stateKeys } from "../../state/versions.ts";
import type { ApprovalStore } from "../../restore/ports.ts";

describe("restore: failures around the write", () => {
  it("SST's lock is removed when creating it reported an error although the object was written", async () => {
    // Prepare
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const put = s.store.putSstLock;
    s.store.putSstLock = async (app, stage, lock) => {
      await put(app, stage, lock);
      throw new Error("connection reset after the lock was written");
    };
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("failed");
    expect(s.home.get(stateKeys.lock(s.app, "prod"))).toBeUndefined();
    expect(await s.locker.get(s.app, "prod")).toBeNull();
    expect(s.store.writes).toBe(0);
  });

  it("a lock held by someone else is never deleted, and nobody is told to `sst unlock` it", async () => {
    // Prepare
    const warnings: string[] = [];
    const s = createRestoreSetup({ onWarning: (m) => warnings.push(m) });
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const foreign = { created: new Date(s.clock.now()).toISOString(), updateID: "0".repeat(24), runID: "r", command: "deploy", ignore: true };
    // someone ran `sst unlock` during our write and a deploy took SST's lock
    s.store.beforeWrite = async () => {
      s.home.remove(stateKeys.lock(s.app, "prod"));
      s.home.put(stateKeys.lock(s.app, "prod"), JSON.stringify(foreign));
    };
    // Act
    await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(JSON.parse(new TextDecoder().decode(s.home.get(stateKeys.lock(s.app, "prod"))!))).toMatchObject({ command: "deploy" });
    expect(warnings.some((w) => /sst unlock/.test(w))).toBe(false);
  });

  it("a restore that wrote the state is audited as done even when the request's status cannot be updated", async () => {
    // Prepare
    const s = createRestoreSetup();
    const approvals = s.approvals;
    const flaky: ApprovalStore = {
      ...approvals,
      create: (r) => approvals.create(r),
      get: (id) => approvals.get(id),
      listPending: (f) => approvals.listPending(f),
      listApproved: (f) => approvals.listApproved(f),
      transition: async (id, from, to, fields, now) => {
        // the table fails when the outcome is recorded (the journal, approved → approved, was written)
        if (from === "approved" && to !== "approved") throw new Error("table unavailable");
        return approvals.transition(id, from, to, fields, now);
      },
    };
    const s2 = createRestoreSetup({ approvals: flaky, audit: s.audit });
    const { request } = await s2.service.request({ app: s2.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Act
    const r = await s2.service.approve({ id: request.id, approver: "U0BOB" }).catch((e: Error) => ({ kind: "threw", message: e.message }));
    // Assess
    expect(sha256Hex((await s2.home.readCurrent(s2.app, "prod")).bytes)).toBe(request.target.sha256);
    expect(r.kind).toBe("restored");
    expect(s.audit.all().filter((e) => e.requestId === request.id).map((e) => e.action)).toContain("restore.done");
  });
});

describe("restore: audit of refusals", () => {
  it("two people refused in the same millisecond leave two audit entries", async () => {
    // Prepare
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Act
    await Promise.all([s.service.approve({ id: request.id, approver: "U0MALLORY" }), s.service.approve({ id: request.id, approver: "U0TRUDY" })]);
    // Assess
    const refused = s.audit.all().filter((e) => e.action === "restore.refused");
    expect(refused.map((e) => e.actor).sort()).toEqual(["U0MALLORY", "U0TRUDY"]);
  });
});
