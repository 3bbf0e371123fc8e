/**
 * A repair goes through the restore flow (a request of kind "repair"): proposed only when verified,
 * approved by a second person per the stage's policy, written under the stage's lock with
 * compare-and-swap on the version the approver saw, nothing deleted, audited, and undone with one
 * request. In-memory stores; the CLI and Slack tests run the same flow through the real processes.
 */
import { describe, expect, it } from "vitest";
import { checkIntegrity } from "../../diagnosis/integrity.ts";
import { FORCE_UNLOCK_MESSAGE } from "../../diagnosis/rules/interrupted-update.ts";
import { createRestoreSetup, TEST_NOW } from "@sst-state/test-kit/restore";
import { breakOrderAndDependency, type StateDoc } from "@sst-state/test-kit/state-faults";
import { sha256Hex } from "../../restore/plan.ts";
import { parseCheckpoint } from "../../state/index.ts";
import { makeUpdateId } from "../../state/update-id.ts";

const td = new TextDecoder();
const te = new TextEncoder();
type Setup = ReturnType<typeof createRestoreSetup>;

/** Breaks prod's current state: a parent listed after its child, and a dependency on a resource that is gone. */
async function breakProd(s: Setup): Promise<{ broken: Uint8Array; urns: { moved: string; dangling: string } }> {
  const cur = await s.home.readCurrent(s.app, "prod");
  const doc = JSON.parse(td.decode(cur.bytes)) as StateDoc;
  const { child, dangling: dep } = breakOrderAndDependency(doc.checkpoint.latest.resources, { app: s.app, stage: "prod" });
  const broken = te.encode(JSON.stringify(doc));
  await s.home.writeCurrent(s.app, "prod", broken, cur.token);
  return { broken, urns: { moved: child.urn, dangling: dep.urn } };
}

const kinds = (s: Setup) => s.audit.all().map((e) => e.action);

describe("repair through the restore flow", () => {
  it("proposes the verified repair with its changes, a second person approves, the state is written, audited and undone", async () => {
    // Prepare
    const s = createRestoreSetup();
    const { broken, urns } = await breakProd(s);
    expect(checkIntegrity(parseCheckpoint(broken)).refused).toBe(true);
    // Act: ask, approve, undo
    const asked = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack" });
    if (!asked.proposed) throw new Error(`not proposed: ${asked.proposal.why}`);
    const own = await s.service.approve({ id: asked.request.id, approver: "U0ALICE" });
    const writesBefore = s.store.writes;
    const approved = await s.service.approve({ id: asked.request.id, approver: "U0BOB" });
    const repaired = (await s.home.readCurrent(s.app, "prod")).bytes;
    const versions = await s.home.listVersions(s.app, "prod");
    const updates = await s.home.listUpdates(s.app, "prod", 5);
    s.clock.advance(60_000);
    const undo = await s.service.undo({ id: asked.request.id, requester: "U0BOB", source: "slack" });
    const undone = await s.service.approve({ id: undo.request.id, approver: "U0SREERIN" });
    // Assess: the request
    expect(asked.request).toMatchObject({ kind: "repair", status: "pending", target: { kind: "repair" }, channel: "C0PROD" });
    expect(asked.request.repair!.changes.map((c) => [c.urn, c.rule])).toEqual(expect.arrayContaining([[urns.moved, "dependency-order"], [urns.dangling, "dangling-dependency"]]));
    expect(asked.request.repair!.changes.every((c) => c.reason.length > 20)).toBe(true);
    expect(s.notifier.calls.find((c) => c.kind === "post")!.message.text).toContain("repair");
    // the requester cannot approve; nothing was written until the second person did
    expect(own.kind).toBe("not-allowed");
    expect(writesBefore).toBe(0);
    // Assess: written, accepted by Pulumi's rules, the broken version kept as a version
    expect(approved.kind).toBe("restored");
    expect(sha256Hex(repaired)).toBe(asked.request.target.sha256);
    expect(checkIntegrity(parseCheckpoint(repaired)).refused).toBe(false);
    expect(updates[0]).toMatchObject({ command: "sst-state repair", timeCompleted: expect.any(String) });
    const kept = versions.find((v) => v.id === (approved.kind === "restored" ? approved.request.result!.previousSelector : ""))!;
    expect(sha256Hex(await s.home.readVersion(s.app, "prod", kept))).toBe(sha256Hex(broken));
    expect(kinds(s).slice(0, 4)).toEqual(["restore.requested", "restore.refused", "restore.approved", "restore.done"]);
    expect(s.audit.all().find((e) => e.action === "restore.done")!.data).toMatchObject({ kind: "repair" });
    expect(s.notifier.calls.some((c) => c.kind === "post" && c.message.text.includes("sst refresh --stage prod"))).toBe(true);
    // Assess: one undo puts the broken state back
    expect(undone.kind).toBe("restored");
    expect(sha256Hex((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(sha256Hex(broken));
  });

  it("compare-and-swap: a deploy that wrote the state after the request makes the approval fail, nothing written", async () => {
    // Prepare
    const s = createRestoreSetup();
    await breakProd(s);
    const asked = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack" });
    if (!asked.proposed) throw new Error("not proposed");
    const cur = await s.home.readCurrent(s.app, "prod");
    const deployed = te.encode(td.decode(cur.bytes).replace(/}$/, " }"));
    await s.home.writeCurrent(s.app, "prod", deployed, cur.token);
    // Act
    const out = await s.service.approve({ id: asked.request.id, approver: "U0BOB" });
    // Assess
    expect(out.kind).toBe("failed");
    expect(out.kind === "failed" && out.error.code).toBe("state-changed");
    expect(sha256Hex((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(sha256Hex(deployed));
  });

  it("nothing is proposed when the repaired state would still be refused, and the outcome says what blocks it", async () => {
    // Prepare: a dangling provider (no mechanical fix)
    const s = createRestoreSetup();
    const cur = await s.home.readCurrent(s.app, "prod");
    const doc = JSON.parse(td.decode(cur.bytes)) as StateDoc;
    const r = doc.checkpoint.latest.resources.find((x) => x.custom && typeof x.provider === "string" && x.provider.includes("::"))!;
    r.provider = `urn:pulumi:prod::${s.app}::pulumi:providers:aws::gone::0f0e0d0c-0000-0000-0000-000000000000`;
    await s.home.writeCurrent(s.app, "prod", te.encode(JSON.stringify(doc)), cur.token);
    // Act
    const asked = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack" });
    // Assess
    expect(asked.proposed).toBe(false);
    expect(asked.proposal.why).toContain("no mechanical fix, because a custom resource must have its provider");
    expect(await s.approvals.listPending()).toEqual([]);
    expect(kinds(s)).toEqual([]);
  });

  it("Unlock SST: removes the stale lock only while it names the same update, closes its record as `sst unlock` does, writes no state", async () => {
    // Prepare: a deploy that crashed two hours ago left SST's lock and an open update record
    const s = createRestoreSetup();
    const started = TEST_NOW - 2 * 3_600_000;
    const updateID = makeUpdateId(started);
    await s.home.putSstLock(s.app, "prod", { created: new Date(started).toISOString(), updateID, runID: "run-1", command: "deploy", ignore: true });
    await s.home.writeUpdate(s.app, "prod", { id: updateID, runID: "run-1", version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date(started).toISOString() });
    const stateBefore = sha256Hex((await s.home.readCurrent(s.app, "prod")).bytes);
    // Act
    const asked = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack", rules: ["stale-lock"] });
    if (!asked.proposed) throw new Error(`not proposed: ${asked.proposal.why}`);
    const out = await s.service.approve({ id: asked.request.id, approver: "U0BOB" });
    // Assess
    expect(asked.request.repair).toMatchObject({ writesState: false, unlock: { updateID } });
    expect(out.kind).toBe("restored");
    expect(await s.home.readSstLock(s.app, "prod")).toBeNull();
    expect(await s.home.readUpdate(s.app, "prod", updateID)).toEqual({ id: updateID, version: "4.17.1", command: "deploy", errors: [{ urn: "", message: FORCE_UNLOCK_MESSAGE }], timeStarted: "", timeCompleted: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(s.store.writes).toBe(0);
    expect(sha256Hex((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(stateBefore);
    expect(s.audit.all().find((e) => e.action === "restore.done")!.data).toMatchObject({ unlocked: updateID });
    await expect(s.service.undo({ id: asked.request.id, requester: "U0BOB", source: "slack" })).rejects.toThrow(/only removed SST's stale lock/);
  });

  it("Unlock SST: a lock taken by another update since the request is never removed", async () => {
    // Prepare
    const s = createRestoreSetup();
    const started = TEST_NOW - 2 * 3_600_000;
    const stale = makeUpdateId(started);
    await s.home.putSstLock(s.app, "prod", { created: new Date(started).toISOString(), updateID: stale, command: "deploy" });
    const asked = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack", rules: ["stale-lock"] });
    if (!asked.proposed) throw new Error("not proposed");
    // someone ran `sst unlock` and a new deploy took the lock
    await s.home.deleteSstLock(s.app, "prod", stale);
    const fresh = makeUpdateId(TEST_NOW);
    await s.home.putSstLock(s.app, "prod", { created: new Date(TEST_NOW).toISOString(), updateID: fresh, command: "deploy" });
    // Act
    const out = await s.service.approve({ id: asked.request.id, approver: "U0BOB" });
    // Assess
    expect(out.kind).toBe("blocked");
    expect((await s.home.readSstLock(s.app, "prod"))?.updateID).toBe(fresh);
    expect((await s.approvals.get(asked.request.id))!.status).toBe("pending");
  });

  it("pending creates: answered per resource, the answer travels with the request and is audited", async () => {
    // Prepare
    const s = createRestoreSetup();
    const cur = await s.home.readCurrent(s.app, "prod");
    const doc = JSON.parse(td.decode(cur.bytes)) as StateDoc;
    const urn = `urn:pulumi:prod::${s.app}::aws:s3/bucket:Bucket::Uploads`;
    doc.checkpoint.latest.pending_operations = [{ type: "creating", resource: { urn, type: "aws:s3/bucket:Bucket", custom: true } }];
    await s.home.writeCurrent(s.app, "prod", te.encode(JSON.stringify(doc)), cur.token);
    // Act
    const unanswered = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack" });
    const answered = await s.service.requestRepair({ app: s.app, stage: "prod", requester: "U0ALICE", source: "slack", answers: { [urn]: "gone" } });
    if (!answered.proposed) throw new Error("not proposed");
    const out = await s.service.approve({ id: answered.request.id, approver: "U0BOB" });
    // Assess
    expect(unanswered.proposed).toBe(false);
    expect(unanswered.proposal.why).toContain("1 pending operation waits for a person");
    expect(answered.request.repair).toMatchObject({ answers: [{ urn, answer: "gone" }], answeredBy: "U0ALICE" });
    expect(out.kind).toBe("restored");
    expect(parseCheckpoint((await s.home.readCurrent(s.app, "prod")).bytes).pendingOperations).toEqual([]);
    expect(s.audit.all().find((e) => e.action === "restore.requested")!.data).toMatchObject({ answers: [{ urn, answer: "gone" }] });
  });
});
