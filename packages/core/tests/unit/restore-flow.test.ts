import { describe, expect, it } from "vitest";
import { createRestoreSetup, TEST_NOW } from "@sst-state/test-kit/restore";
import { RestoreRefusedError } from "../../restore/errors.ts";
import { sha256Hex } from "../../restore/plan.ts";
import { makeUpdateId } from "../../state/update-id.ts";
import { stateKeys } from "../../state/versions.ts";
import type { DecisionOutcome } from "../../restore/service.ts";

const td = new TextDecoder();

async function currentSha(s: ReturnType<typeof createRestoreSetup>, stage = "prod") {
  return sha256Hex((await s.home.readCurrent(s.app, stage)).bytes);
}

function kinds(s: ReturnType<typeof createRestoreSetup>) {
  return s.audit.all().map((e) => e.action);
}

describe("restore request", () => {
  it("records target, current version, diff and expiry, audits it and posts it with buttons to the stage's channel", async () => {
    // Prepare
    const s = createRestoreSetup();
    const before = await s.home.readCurrent(s.app, "prod");
    // Act
    const { request, diff, posted } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Assess
    const stored = await s.approvals.get(request.id);
    expect(stored).toMatchObject({ status: "pending", requester: "U0ALICE", channel: "C0PROD", messageTs: posted!.ts });
    expect(stored!.target).toMatchObject({ kind: "snapshot", id: s.stages.prod!.snapshotIds[1], selector: "previous" });
    expect(stored!.current.token).toBe(before.token);
    expect(stored!.current.selector).toBe(s.stages.prod!.snapshotIds[0]);
    expect(Date.parse(stored!.expiresAt) - Date.parse(stored!.createdAt)).toBe(30 * 60_000);
    expect(stored!.diff.added + stored!.diff.removed + stored!.diff.changed).toBeGreaterThan(0);
    expect(stored!.diff.removed).toBe(diff.removed.length);
    expect(posted!.channel).toBe("C0PROD");
    expect(kinds(s)).toEqual(["restore.requested"]);
    expect(s.store.writes).toBe(0);
  });

  it("uses the stage's restoreRequestTtl", async () => {
    const s = createRestoreSetup({ policy: { stages: { prod: { restoreRequestTtl: "5m" } } } });
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "~2", requester: "U0ALICE", source: "cli" });
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(5 * 60_000);
  });

  it("refuses to restore the current version (nothing to do)", async () => {
    const s = createRestoreSetup();
    await expect(s.service.request({ app: s.app, stage: "prod", selector: "latest", requester: "U0ALICE", source: "slack" })).rejects.toBeInstanceOf(RestoreRefusedError);
    expect(await s.approvals.listPending()).toEqual([]);
  });
});

describe("who may approve", () => {
  it("a request asked from the CLI needs two distinct Slack approvers: an unverified requester never counts as a second person", async () => {
    // Prepare: alice asks from her terminal (the CLI cannot prove who typed), then approves in Slack
    const s = createRestoreSetup({ policy: { stages: { prod: { channel: "C0PROD", requireApproval: true } } } });
    const sha = await currentSha(s);
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "alice@laptop", source: "cli" });
    // Act
    const first = await s.service.approve({ id: request.id, approver: "U0ALICE" });
    const again = await s.service.approve({ id: request.id, approver: "U0ALICE" });
    const afterOne = await currentSha(s);
    const second = await s.service.approve({ id: request.id, approver: "U0CAROL" });
    // Assess
    expect(first.kind).toBe("needs-second-approver");
    expect(again.kind).toBe("needs-second-approver");
    expect(afterOne).toBe(sha);
    expect(second.kind).toBe("restored");
    expect(await currentSha(s)).toBe(request.target.sha256);
    expect(kinds(s)).toEqual(expect.arrayContaining(["restore.first-approval", "restore.approved", "restore.done"]));
    expect((await s.approvals.get(request.id))!.decidedBy).toBe("U0CAROL");
  });

  it("a request asked from Slack needs one approver who is not the requester", async () => {
    // Prepare
    const s = createRestoreSetup({ policy: { stages: { prod: { channel: "C0PROD", requireApproval: true } } } });
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Act
    const own = await s.service.approve({ id: request.id, approver: "U0ALICE" });
    const other = await s.service.approve({ id: request.id, approver: "U0CAROL" });
    // Assess
    expect(own.kind).toBe("not-allowed");
    expect(other.kind).toBe("restored");
  });

  it("the requester cannot approve their own request", async () => {
    // Prepare
    const s = createRestoreSetup();
    const sha = await currentSha(s);
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0BOB", source: "slack" });
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("not-allowed");
    expect((r as Extract<DecisionOutcome, { kind: "not-allowed" }>).message).toMatch(/someone else/);
    expect((await s.approvals.get(request.id))!.status).toBe("pending");
    expect(await currentSha(s)).toBe(sha);
    expect(s.store.writes).toBe(0);
  });

  it("a user outside the stage's approvers cannot approve", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const r = await s.service.approve({ id: request.id, approver: "U0MALLORY" });
    expect(r.kind).toBe("not-allowed");
    expect((r as Extract<DecisionOutcome, { kind: "not-allowed" }>).message).toMatch(/may not approve/);
    expect((await s.approvals.get(request.id))!.status).toBe("pending");
    expect(kinds(s)).toContain("restore.refused");
  });

  it("a member of an approver user group can approve, and the state becomes the target", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const r = await s.service.approve({ id: request.id, approver: "U0SREDAVE" });
    expect(r.kind).toBe("restored");
    expect(await currentSha(s)).toBe(request.target.sha256);
    expect(s.audit.all().find((e) => e.action === "restore.approved")!.data).toMatchObject({ via: "group", group: "S0SRE" });
  });

  it("where the stage names no approvers, anyone but the requester may approve", async () => {
    const s = createRestoreSetup({ policy: { stages: { prod: { channel: "C0PROD" } } } });
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    expect((await s.service.approve({ id: request.id, approver: "U0ALICE" })).kind).toBe("not-allowed");
    expect((await s.service.approve({ id: request.id, approver: "U0ANYONE" })).kind).toBe("restored");
  });
});

describe("expiry", () => {
  it("an expired request cannot be approved; it is marked expired, audited and announced", async () => {
    // Prepare
    const s = createRestoreSetup();
    const sha = await currentSha(s);
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    s.clock.advance(30 * 60_000);
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("expired");
    expect((await s.approvals.get(request.id))!.status).toBe("expired");
    expect(await currentSha(s)).toBe(sha);
    expect(kinds(s)).toEqual(["restore.requested", "restore.expired"]);
    expect(s.notifier.calls.some((c) => c.kind === "update" && /expired/.test(c.message.text))).toBe(true);
    expect(s.notifier.calls.some((c) => c.kind === "post" && c.channel === "U0ALICE")).toBe(true);
  });

  it("expirePending sweeps only requests past their expiry", async () => {
    const s = createRestoreSetup();
    const old = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    s.clock.advance(20 * 60_000);
    const fresh = await s.service.request({ app: s.app, stage: "prod", selector: "~2", requester: "U0ALICE", source: "slack" });
    s.clock.advance(15 * 60_000);
    const swept = await s.service.expirePending();
    expect(swept.map((r) => r.id)).toEqual([old.request.id]);
    expect((await s.approvals.get(fresh.request.id))!.status).toBe("pending");
  });
});

describe("exactly one restore", () => {
  it("approving twice restores once; the second click is told who approved", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const first = await s.service.approve({ id: request.id, approver: "U0BOB" });
    const second = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(first.kind).toBe("restored");
    expect(second).toMatchObject({ kind: "already-decided", request: { status: "done", decidedBy: "U0BOB" } });
    expect(s.store.writes).toBe(1);
    expect(kinds(s).filter((k) => k === "restore.done")).toHaveLength(1);
  });

  it("20 concurrent approvals by different approvers produce one restore", async () => {
    const s = createRestoreSetup({ policy: { stages: { prod: { channel: "C0PROD" } } } });
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.service.approve({ id: request.id, approver: `U0APPROVER${i}` })));
    const restored = results.filter((r) => r.kind === "restored");
    expect(restored).toHaveLength(1);
    const winner = restored[0]!.kind === "restored" ? restored[0]!.request.decidedBy : undefined;
    for (const r of results.filter((x) => x.kind !== "restored")) {
      expect(r.kind).toBe("already-decided");
      expect((r as Extract<DecisionOutcome, { kind: "already-decided" }>).request.decidedBy).toBe(winner);
    }
    expect(s.store.writes).toBe(1);
    expect(await currentSha(s)).toBe(request.target.sha256);
  });

  it("a rejected request cannot be approved afterwards", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const rej = await s.service.reject({ id: request.id, user: "U0BOB", reason: "prod is fine" });
    const app = await s.service.approve({ id: request.id, approver: "U0SREDAVE" });
    expect(rej).toMatchObject({ kind: "rejected", request: { status: "rejected", decidedBy: "U0BOB", reason: "prod is fine" } });
    expect(app).toMatchObject({ kind: "already-decided", request: { status: "rejected" } });
    expect(s.store.writes).toBe(0);
    expect(kinds(s)).toEqual(["restore.requested", "restore.rejected"]);
    expect(s.notifier.calls.some((c) => c.kind === "update" && /rejected by <@U0BOB>/.test(c.message.text))).toBe(true);
    expect(s.notifier.calls.some((c) => c.kind === "post" && c.channel === "U0ALICE" && /rejected/.test(c.message.text))).toBe(true);
  });

  it("a user outside the policy cannot reject either, but the requester may withdraw", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    expect((await s.service.reject({ id: request.id, user: "U0MALLORY" })).kind).toBe("not-allowed");
    expect((await s.service.reject({ id: request.id, user: "U0ALICE" })).kind).toBe("rejected");
  });
});

describe("the restore itself", () => {
  it("a deploy between request and approval makes the approval fail with who/when; the deploy's state stays", async () => {
    // Prepare
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    s.clock.advance(5 * 60_000);
    const deployId = makeUpdateId(s.clock.now());
    const deployed = td.decode((await s.home.readCurrent(s.app, "prod")).bytes) + "\n";
    s.home.put(stateKeys.update(s.app, "prod", deployId), JSON.stringify({ id: deployId, command: "deploy", timeStarted: new Date(s.clock.now()).toISOString(), timeCompleted: new Date(s.clock.now() + 1000).toISOString() }));
    s.home.put(stateKeys.app(s.app, "prod"), deployed);
    // Act
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    // Assess
    expect(r.kind).toBe("failed");
    const err = (r as Extract<DecisionOutcome, { kind: "failed" }>).error;
    expect(err.message).toMatch(new RegExp(`^prod changed since the request was made: .*update ${deployId}.*; ask again\\.$`));
    expect(td.decode((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(deployed);
    expect((await s.approvals.get(request.id))!.status).toBe("failed");
    expect(kinds(s)).toEqual(["restore.requested", "restore.approved", "restore.failed"]);
    expect(s.home.get(stateKeys.lock(s.app, "prod"))).toBeUndefined();
    expect(await s.locker.get(s.app, "prod")).toBeNull();
  });

  it("a write that the store refuses (StateChangedError at writeCurrent) fails the same way", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const sneaky = td.decode((await s.home.readCurrent(s.app, "prod")).bytes) + " ";
    s.store.beforeWrite = async () => s.home.put(stateKeys.app(s.app, "prod"), sneaky);
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(r.kind).toBe("failed");
    expect((r as Extract<DecisionOutcome, { kind: "failed" }>).error.message).toMatch(/^prod changed since the request was made: .*; ask again\.$/);
    expect(td.decode((await s.home.readCurrent(s.app, "prod")).bytes)).toBe(sneaky);
  });

  it("SST's lock present → refused with SST's fix; the request stays pending and works once the lock is gone", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const lock = { created: new Date(TEST_NOW).toISOString(), updateID: makeUpdateId(TEST_NOW), runID: "r1", command: "deploy", ignore: true };
    s.home.put(stateKeys.lock(s.app, "prod"), JSON.stringify(lock));
    const blocked = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(blocked.kind).toBe("blocked");
    const err = (blocked as Extract<DecisionOutcome, { kind: "blocked" }>).error;
    expect(err.code).toBe("sst-lock-held");
    expect(err.hint).toMatch(/sst unlock --stage prod/);
    expect((await s.approvals.get(request.id))!.status).toBe("pending");
    expect(s.store.writes).toBe(0);
    s.home.remove(stateKeys.lock(s.app, "prod"));
    expect((await s.service.approve({ id: request.id, approver: "U0BOB" })).kind).toBe("restored");
  });

  it("our own lease held by someone → refused until released", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const held = await s.locker.acquire({ app: s.app, stage: "prod", holder: "U0CAROL", reason: "migrating", ttlMs: 3_600_000 });
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(r.kind).toBe("blocked");
    expect((r as Extract<DecisionOutcome, { kind: "blocked" }>).error.message).toMatch(/locked by U0CAROL/);
    if (held.acquired) await s.locker.release(held.lock);
    expect((await s.service.approve({ id: request.id, approver: "U0BOB" })).kind).toBe("restored");
  });

  it("while writing, SST's lock is ours (SST's JSON shape) and our lease is held; both are gone afterwards", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    let leaseDuringWrite: unknown = null;
    s.store.beforeWrite = async () => void (leaseDuringWrite = await s.locker.get(s.app, "prod"));
    const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(r.kind).toBe("restored");
    const seen = s.store.locksSeenDuringWrite[0] as Record<string, unknown>;
    expect(Object.keys(seen).sort()).toEqual(["command", "created", "ignore", "runID", "updateID"]);
    expect(seen).toMatchObject({ command: "sst-state restore", ignore: true });
    expect(seen.updateID).toMatch(/^[0-9a-f]{24}$/);
    expect(leaseDuringWrite).toMatchObject({ holder: "U0BOB" });
    expect(s.home.get(stateKeys.lock(s.app, "prod"))).toBeUndefined();
    expect(await s.locker.get(s.app, "prod")).toBeNull();
    const record = await s.home.readUpdate(s.app, "prod", String(seen.updateID));
    expect(record).toMatchObject({ command: "sst-state restore", errors: [] });
    expect(record!.timeCompleted).toBeDefined();
  });

  for (const fault of ["throw-before-write", "throw-after-write"] as const) {
    it(`a store failure (${fault}) leaves the current state equal to the old or the target version, and releases both locks`, async () => {
      const s = createRestoreSetup();
      const old = await currentSha(s);
      const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "~2", requester: "U0ALICE", source: "slack" });
      s.store.fault = fault;
      const r = await s.service.approve({ id: request.id, approver: "U0BOB" });
      const now = await currentSha(s);
      expect([old, request.target.sha256]).toContain(now);
      // the reported outcome tells the truth about which one it is
      if (now === old) expect(r.kind).toBe("failed");
      else expect(r.kind).toBe("restored");
      expect(fault === "throw-before-write" ? now : request.target.sha256).toBe(now);
      expect(s.home.get(stateKeys.lock(s.app, "prod"))).toBeUndefined();
      expect(await s.locker.get(s.app, "prod")).toBeNull();
    });
  }

  it("every version that existed before the restore is still listed and readable after it", async () => {
    const s = createRestoreSetup();
    const before = await s.home.listVersions(s.app, "prod");
    const bytes = await Promise.all(before.map(async (v) => sha256Hex(await s.home.readVersion(s.app, "prod", v))));
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "~3", requester: "U0ALICE", source: "slack" });
    expect((await s.service.approve({ id: request.id, approver: "U0BOB" })).kind).toBe("restored");
    const after = await s.home.listVersions(s.app, "prod");
    for (const [i, v] of before.entries()) {
      if (v.kind === "current") continue;
      const again = after.find((x) => x.id === v.id);
      expect(again, v.id).toBeDefined();
      expect(sha256Hex(await s.home.readVersion(s.app, "prod", again!))).toBe(bytes[i]);
    }
    // the replaced current version is still readable as an object version
    const replaced = await s.home.readObjectVersion(s.app, "prod", request.current.versionId!);
    expect(sha256Hex(replaced)).toBe(request.current.sha256);
  });

  it("confirms in the channel with the next step, and the undo button's request restores the old version", async () => {
    const s = createRestoreSetup();
    const old = await currentSha(s);
    const { request } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    const done = await s.service.approve({ id: request.id, approver: "U0BOB" });
    expect(done.kind).toBe("restored");
    const confirmation = s.notifier.calls.find((c) => c.kind === "post" && c.channel === "C0PROD" && /sst refresh --stage prod/.test(c.message.text));
    expect(confirmation).toBeDefined();
    const undo = await s.service.undo({ id: request.id, requester: "U0BOB", source: "slack" });
    expect(undo.request).toMatchObject({ undoOf: request.id, target: { sha256: old } });
    expect((await s.service.approve({ id: undo.request.id, approver: "U0SREERIN" })).kind).toBe("restored");
    expect(await currentSha(s)).toBe(old);
  });
});

describe("stages that do not require approval", () => {
  it("restoreNow restores at once where requireApproval is false, and audits it", async () => {
    const s = createRestoreSetup();
    const r = await s.service.restoreNow({ app: s.app, stage: "dev", selector: "previous", requester: "alice@laptop", source: "cli" });
    expect(r.kind).toBe("restored");
    expect(kinds(s)).toEqual(["restore.requested", "restore.approved", "restore.done"]);
    expect(s.audit.all().find((e) => e.action === "restore.approved")!.actor).toBe("alice@laptop");
  });

  it("restoreNow refuses where approval is required, and nothing is created", async () => {
    const s = createRestoreSetup();
    await expect(s.service.restoreNow({ app: s.app, stage: "prod", selector: "previous", requester: "alice@laptop", source: "cli" })).rejects.toThrow(/requires a second person/);
    expect(await s.approvals.listPending()).toEqual([]);
    expect(s.store.writes).toBe(0);
  });

  it("in Slack, the requester may approve their own request there", async () => {
    const s = createRestoreSetup();
    const { request } = await s.service.request({ app: s.app, stage: "dev", selector: "previous", requester: "U0ALICE", source: "slack" });
    expect((await s.service.approve({ id: request.id, approver: "U0ALICE" })).kind).toBe("restored");
  });
});

describe("restore status for `status`", () => {
  it("lists pending requests (flagging expired ones) and the newest audit entries", async () => {
    const { getRestoreStatus } = await import("../../restore/status.ts");
    const s = createRestoreSetup();
    const a = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    s.clock.advance(1000);
    await s.service.reject({ id: a.request.id, user: "U0BOB" });
    s.clock.advance(1000);
    const b = await s.service.request({ app: s.app, stage: "prod", selector: "~2", requester: "U0ALICE", source: "slack" });
    const st = await getRestoreStatus(s, s.app, "prod", s.clock.now() + 31 * 60_000);
    expect(st.pending).toEqual([expect.objectContaining({ id: b.request.id, requester: "U0ALICE", expired: true })]);
    expect(st.recent.map((e) => e.action)).toEqual(["restore.requested", "restore.rejected", "restore.requested"]);
  });
});

describe("large diffs", () => {
  it("stores only the top changes with the request and uploads the full diff into the request's thread", async () => {
    // Prepare: the current state is a much bigger one than any snapshot
    const { generateCheckpoint, serializeCheckpoint } = await import("@sst-state/test-kit/generate");
    const s = createRestoreSetup();
    s.home.put(stateKeys.app(s.app, "prod"), serializeCheckpoint(generateCheckpoint({ app: s.app, stage: "prod", resources: 80, seed: 99 })));
    // Act
    const { request, diff, posted } = await s.service.request({ app: s.app, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Assess
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    expect(total).toBeGreaterThan(20);
    expect(request.diff.top).toHaveLength(20);
    expect(request.current.label).toMatch(/current state/);
    const upload = s.notifier.calls.find((c) => c.kind === "upload");
    expect(upload).toMatchObject({ kind: "upload", channel: "C0PROD", file: { threadTs: posted!.ts } });
    const content = upload!.kind === "upload" ? upload!.file.content : "";
    for (const urn of [...diff.removed, ...diff.added]) expect(content).toContain(urn);
  });
});
