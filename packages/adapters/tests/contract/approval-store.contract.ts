/**
 * Contract of ApprovalStore (core/restore/ports.ts), run against every implementation.
 * The important property: however many callers race to move a request out of `pending`, exactly
 * one succeeds, and every loser gets the winner's record back.
 */
import { describe, expect, it } from "vitest";
import type { ApprovalStore, RestoreRequest } from "@sst-state/core/restore/ports";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
let seq = 0;

export function sampleRequest(over: Partial<RestoreRequest> = {}): RestoreRequest {
  seq++;
  return {
    id: `rq${Date.now().toString(36)}${seq}${Math.random().toString(36).slice(2, 8)}`,
    app: "shop",
    stage: "prod",
    requester: "U0ALICE",
    source: "slack",
    target: {
      selector: "previous",
      id: "ffff0f0e0d0c0b0a09080706",
      label: "update ffff0f0e0d0c…",
      kind: "snapshot",
      updateId: "ffff0f0e0d0c0b0a09080706",
      time: "2025-02-28T09:00:00.000Z",
      command: "deploy",
      resources: 12,
      sha256: "ab".repeat(32),
    },
    current: { token: '"etag-1"', label: "update fffe…", time: "2025-03-01T09:00:00.000Z", selector: "fffe0f0e0d0c0b0a09080706", resources: 14 },
    diff: { added: 0, removed: 2, changed: 1, unchanged: 11, top: [{ kind: "removed", urn: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Media" }] },
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 30 * 60_000).toISOString(),
    status: "pending",
    ...over,
  };
}

export function approvalStoreContract(name: string, make: () => Promise<ApprovalStore> | ApprovalStore, opts: { concurrency?: number } = {}) {
  const during = T0 + 60_000;
  const after = T0 + 31 * 60_000;

  describe(`ApprovalStore contract: ${name}`, () => {
    it("returns a created request as it was stored, and null for an unknown id", async () => {
      // Prepare
      const store = await make();
      const req = sampleRequest({ channel: "C0PROD", undoOf: "rq-older" });
      // Act
      await store.create(req);
      const got = await store.get(req.id);
      const none = await store.get("rq-does-not-exist");
      // Assess
      expect(got).toEqual(req);
      expect(none).toBeNull();
    });

    it("refuses to create a request whose id exists", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      await expect(store.create({ ...req, requester: "U0MALLORY" })).rejects.toThrow(/already exists/);
      expect((await store.get(req.id))?.requester).toBe("U0ALICE");
    });

    it("moves pending → approved once, setting the fields, and returns the new record", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      const r = await store.transition(req.id, "pending", "approved", { decidedBy: "U0BOB", decidedAt: new Date(during).toISOString() }, during);
      expect(r.ok).toBe(true);
      expect(r.request).toMatchObject({ id: req.id, status: "approved", decidedBy: "U0BOB", target: req.target });
      expect(await store.get(req.id)).toMatchObject({ status: "approved", decidedBy: "U0BOB" });
    });

    it("a second approval fails and returns the record with the first approver", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      await store.transition(req.id, "pending", "approved", { decidedBy: "U0BOB" }, during);
      const second = await store.transition(req.id, "pending", "approved", { decidedBy: "U0CAROL" }, during);
      expect(second.ok).toBe(false);
      expect(second.request).toMatchObject({ status: "approved", decidedBy: "U0BOB" });
    });

    it("cannot approve or reject an expired request, but can expire it (and only then)", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      const tooEarly = await store.transition(req.id, "pending", "expired", {}, during);
      const approve = await store.transition(req.id, "pending", "approved", { decidedBy: "U0BOB" }, after);
      const reject = await store.transition(req.id, "pending", "rejected", { decidedBy: "U0BOB" }, after);
      const expire = await store.transition(req.id, "pending", "expired", {}, after);
      expect(tooEarly.ok).toBe(false);
      expect(approve).toMatchObject({ ok: false, request: { status: "pending" } });
      expect(reject.ok).toBe(false);
      expect(expire).toMatchObject({ ok: true, request: { status: "expired" } });
      expect((await store.get(req.id))?.decidedBy).toBeUndefined();
    });

    it("the expiry instant itself is already too late to approve", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      const r = await store.transition(req.id, "pending", "approved", { decidedBy: "U0BOB" }, Date.parse(req.expiresAt));
      expect(r.ok).toBe(false);
    });

    it("moves approved → done with a result, after the request's expiry too", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      await store.transition(req.id, "pending", "approved", { decidedBy: "U0BOB" }, during);
      const done = await store.transition(
        req.id,
        "approved",
        "done",
        { result: { token: '"etag-2"', finishedAt: new Date(after).toISOString(), previousSelector: "fffe0f0e0d0c0b0a09080706" } },
        after,
      );
      const again = await store.transition(req.id, "approved", "failed", {}, after);
      expect(done).toMatchObject({ ok: true, request: { status: "done", decidedBy: "U0BOB", result: { token: '"etag-2"' } } });
      expect(again).toMatchObject({ ok: false, request: { status: "done" } });
    });

    it("updates fields without changing status when from = to", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      const r = await store.transition(req.id, "pending", "pending", { channel: "C0PROD", messageTs: "1700000000.000100" }, during);
      expect(r).toMatchObject({ ok: true, request: { status: "pending", channel: "C0PROD", messageTs: "1700000000.000100" } });
      expect(await store.get(req.id)).toMatchObject({ status: "pending", messageTs: "1700000000.000100" });
    });

    it("a transition of an unknown request fails with null", async () => {
      const store = await make();
      const r = await store.transition("rq-missing", "pending", "approved", { decidedBy: "U0BOB" }, during);
      expect(r).toEqual({ ok: false, request: null });
    });

    it("concurrent approvals: exactly one wins, every loser sees the winner", async () => {
      const store = await make();
      const req = sampleRequest();
      await store.create(req);
      const n = opts.concurrency ?? 20;
      const approvers = Array.from({ length: n }, (_, i) => `U0APPROVER${i}`);
      const results = await Promise.all(approvers.map((a) => store.transition(req.id, "pending", "approved", { decidedBy: a }, during)));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.request!.decidedBy;
      expect(approvers).toContain(winner);
      for (const r of results.filter((x) => !x.ok)) expect(r.request?.decidedBy).toBe(winner);
      expect((await store.get(req.id))?.decidedBy).toBe(winner);
    });

    it("lists pending requests of a stage, oldest first, and not decided ones", async () => {
      const store = await make();
      const app = `app${Math.random().toString(36).slice(2, 8)}`;
      const a = sampleRequest({ app, createdAt: "2025-03-01T10:00:01.000Z" });
      const b = sampleRequest({ app, createdAt: "2025-03-01T10:00:00.000Z" });
      const c = sampleRequest({ app });
      const other = sampleRequest({ app, stage: "dev" });
      for (const r of [a, b, c, other]) await store.create(r);
      await store.transition(c.id, "pending", "rejected", { decidedBy: "U0BOB" }, during);
      const list = await store.listPending({ app, stage: "prod" });
      expect(list.map((r) => r.id)).toEqual([b.id, a.id]);
      expect((await store.listPending({ app })).map((r) => r.id).sort()).toEqual([a.id, b.id, other.id].sort());
    });
  });
}
