/**
 * The repair planner on the real-checkpoint corpus (every state Pulumi refuses gets a repair that
 * Pulumi's rules accept, or "no mechanical fix, because …") and on the holdout-style faults made in
 * a generated SST checkpoint: dangling references, order, duplicates, pending creates, a missing
 * parent, and what has no mechanical fix (a dangling provider, a cycle, copies with different ids).
 * "Pulumi's rules" are checkIntegrity, the mirror of Pulumi v3.215.0's loading (integrity.ts),
 * whose verdicts diagnosis-real-state.test.ts checks against the corpus's own.
 */
import { describe, expect, it } from "vitest";
import { checkIntegrity } from "../../diagnosis/integrity.ts";
import { closeAsSstUnlock, planRepair, planUnlock, REPARENT_CHOICE, stableToposort } from "../../repair/index.ts";
import { FORCE_UNLOCK_MESSAGE } from "../../diagnosis/rules/interrupted-update.ts";
import { fromJson, parseCheckpoint, type Checkpoint, type Resource } from "../../state/index.ts";
import { generateCheckpoint } from "@sst-state/test-kit/generate";
import { loadRealCheckpoints } from "../support/real-checkpoints.ts";

const td = new TextDecoder();
type Wrapped = ReturnType<typeof generateCheckpoint>;
const gen = (opts: Partial<Parameters<typeof generateCheckpoint>[0]> = {}): Wrapped => generateCheckpoint({ app: "shop", stage: "prod", resources: 60, seed: 5, ...opts });
const cp = (w: object): Checkpoint => fromJson(structuredClone(w), JSON.stringify(w).length);
const resourcesOf = (c: Checkpoint) => c.resources.map((r) => r.urn);
const STACK = "pulumi:pulumi:Stack";
/** a custom resource with a parent other than the stack, and its parent */
function childAndParent(rs: Resource[]): { child: Resource; parent: Resource } {
  for (const r of rs) {
    const parent = rs.find((p) => p.urn === r.parent);
    if (r.custom && parent && parent.type !== STACK) return { child: r, parent };
  }
  throw new Error("no nested resource in the generated state");
}

describe("real checkpoints: every state Pulumi refuses is repaired or gets a reason", () => {
  const files = loadRealCheckpoints();
  for (const f of files) {
    it(`${f.entry.name} (${f.entry.pulumi.verdict})`, () => {
      // Act
      const plan = planRepair(f.checkpoint);
      // Assess
      if (f.entry.pulumi.verdict === "accepts") {
        // nothing to repair, and nothing moves in a state that is already in order
        expect(plan.changes).toEqual([]);
        expect(plan.bytes).toBeNull();
        return;
      }
      if (plan.bytes) {
        const repaired = parseCheckpoint(plan.bytes, "repaired");
        expect(checkIntegrity(repaired).refused).toBe(false);
        expect(plan.changes.length).toBeGreaterThan(0);
        // the same resources (copies pending deletion included), each with the same content: a
        // repair by sorting only reorders
        const contents = (c: Checkpoint) => c.resources.map((r) => JSON.stringify(r)).sort();
        expect(contents(repaired)).toEqual(contents(f.checkpoint));
        expect(plan.changes.every((c) => c.action === "moved")).toBe(true);
      } else {
        expect(plan.blocked.length).toBeGreaterThan(0);
        expect(plan.blocked.map((b) => b.reason).join(" ")).toMatch(/no mechanical fix, because /);
      }
    });
  }

  it("repairs the six refused by order and explains the unsupported feature", () => {
    const refused = files.filter((f) => f.entry.pulumi.verdict === "refuses");
    const repaired = refused.filter((f) => planRepair(f.checkpoint).bytes !== null).map((f) => f.entry.name);
    const blocked = refused.filter((f) => planRepair(f.checkpoint).bytes === null);
    expect(refused).toHaveLength(7);
    expect(repaired).toHaveLength(6);
    expect(blocked.map((f) => f.entry.name)).toEqual(["pulumi--checkpoint-v4-unsupported-feature.json"]);
    expect(planRepair(blocked[0]!.checkpoint).blocked[0]!.reason).toContain("needs features of a newer Pulumi");
  });
});

describe("holdout-style faults", () => {
  it("order: a parent listed after its children moves before them; everything else keeps its order", () => {
    // Prepare
    const w = gen({
      mutate: (rs) => {
        const { parent } = childAndParent(rs);
        rs.splice(rs.indexOf(parent), 1);
        rs.push(parent);
      },
    });
    const before = cp(w);
    expect(checkIntegrity(before).problems.some((p) => p.rule === "dependency-order")).toBe(true);
    // Act
    const plan = planRepair(before);
    // Assess
    const after = parseCheckpoint(plan.bytes!, "repaired");
    expect(checkIntegrity(after).refused).toBe(false);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(plan.changes.every((c) => c.action === "moved" && c.rule === "dependency-order")).toBe(true);
    const moved = plan.changes.map((c) => c.urn);
    const kept = (c: Checkpoint) => resourcesOf(c).filter((u) => !moved.includes(u) && u !== before.resources.at(-1)!.urn);
    expect(kept(after)).toEqual(kept(before));
  });

  it("dangling dependencies, property dependencies and deletedWith are removed, each named with its reason", () => {
    // Prepare
    let target = "";
    const w = gen({
      mutate: (rs) => {
        const r = rs.find((x) => x.custom && Array.isArray(x.dependencies) && x.dependencies.length)!;
        target = r.urn;
        r.dependencies = [...r.dependencies!, "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Gone"];
        r.propertyDependencies = { ...(r.propertyDependencies ?? {}), bucket: ["urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Gone"] };
        r.deletedWith = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::AlsoGone";
      },
    });
    // Act
    const plan = planRepair(cp(w));
    // Assess
    const after = parseCheckpoint(plan.bytes!, "repaired");
    expect(checkIntegrity(after).refused).toBe(false);
    const r = after.resources.find((x) => x.urn === target)!;
    expect(r.dependencies).not.toContain("urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Gone");
    expect(r.propertyDependencies?.bucket).toBeUndefined();
    expect(r.deletedWith).toBeUndefined();
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ urn: target, rule: "dangling-dependency", action: "reference-removed" });
    expect(plan.changes[0]!.detail).toContain("dependency on `Gone` removed");
    expect(plan.changes[0]!.detail).toContain("deletedWith `AlsoGone` removed");
  });

  it("a missing parent: the child is re-parented to the stack and keeps its URN (the choice is stated)", () => {
    // Prepare
    let child = "";
    let stack = "";
    const w = gen({
      mutate: (rs) => {
        const p = childAndParent(rs);
        child = p.child.urn;
        stack = rs.find((r) => r.type === STACK)!.urn;
        p.child.parent = "urn:pulumi:prod::shop::sst:aws:Function::Deleted";
      },
    });
    // Act
    const plan = planRepair(cp(w));
    // Assess
    const after = parseCheckpoint(plan.bytes!, "repaired");
    const report = checkIntegrity(after);
    expect(report.refused).toBe(false);
    expect(after.resources.find((r) => r.urn === child)!.parent).toBe(stack);
    expect(resourcesOf(after)).toContain(child);
    expect(plan.changes).toEqual([expect.objectContaining({ urn: child, action: "reparented", reason: REPARENT_CHOICE })]);
    // Pulumi only warns that the URN does not nest under the stack
    expect(report.problems.filter((p) => p.urn === child).map((p) => p.severity)).toEqual(["warning"]);
  });

  it("duplicates: the extra live copy with the same id is removed, the last copy is kept", () => {
    // Prepare
    let urn = "";
    const w = gen({
      mutate: (rs) => {
        const r = rs.find((x) => x.custom && x.id && !x.type.startsWith("pulumi:providers:"))!;
        urn = r.urn;
        const copy = { ...structuredClone(r), modified: "2025-06-03T00:00:00Z" };
        rs.push(copy);
      },
    });
    const before = cp(w);
    // Act
    const plan = planRepair(before);
    // Assess
    const after = parseCheckpoint(plan.bytes!, "repaired");
    expect(checkIntegrity(after).refused).toBe(false);
    const copies = after.resources.filter((r) => r.urn === urn);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.modified).toBe("2025-06-03T00:00:00Z");
    expect(after.resources).toHaveLength(before.resources.length - 1);
    expect(plan.changes).toEqual([expect.objectContaining({ urn, rule: "duplicate-urn", action: "copy-removed" })]);
  });

  it("duplicates with different ids: no mechanical fix, because only a person knows which is live", () => {
    const w = gen({
      mutate: (rs) => {
        const r = rs.find((x) => x.custom && x.id && !x.type.startsWith("pulumi:providers:"))!;
        rs.push({ ...structuredClone(r), id: `${r.id}-other` });
      },
    });
    const plan = planRepair(cp(w));
    expect(plan.bytes).toBeNull();
    expect(plan.blocked).toEqual([expect.objectContaining({ rule: "duplicate-urn", reason: expect.stringContaining("only a person can say which is the live one") })]);
  });

  it("pending creates wait for a person's answer, then leave with the next step for that answer", () => {
    // Prepare
    const base = gen();
    const fn = (base.checkpoint.latest as { resources: Resource[] }).resources.find((r) => r.custom && r.type === "aws:lambda/function:Function")!;
    const pending = { type: "creating", resource: { urn: `${fn.urn}Two`, type: fn.type, custom: true, inputs: { name: "shop-prod-two" } } };
    const w = gen({ pending: [pending] });
    // Act
    const unanswered = planRepair(cp(w));
    const gone = planRepair(cp(w), { answers: { [pending.resource.urn]: "gone" } });
    const exists = planRepair(cp(w), { answers: { [pending.resource.urn]: "exists" } });
    // Assess
    expect(unanswered.bytes).toBeNull();
    expect(unanswered.questions).toEqual([{ index: 0, urn: pending.resource.urn, type: fn.type, operation: "creating" }]);
    expect(parseCheckpoint(gone.bytes!, "repaired").pendingOperations).toEqual([]);
    expect(gone.changes[0]!.reason).toContain("the next deploy creates it");
    expect(exists.changes[0]!.reason).toContain("import it");
    expect(gone.questions).toEqual([]);
  });

  it("a dangling provider has no mechanical fix and nothing is proposed", () => {
    const w = gen({
      mutate: (rs) => {
        const r = rs.find((x) => x.custom && typeof x.provider === "string" && x.provider.includes("::"))!;
        r.provider = "urn:pulumi:prod::shop::pulumi:providers:aws::gone::0f0e0d0c-0000-0000-0000-000000000000";
      },
    });
    const plan = planRepair(cp(w));
    expect(plan.bytes).toBeNull();
    expect(plan.blocked).toEqual([expect.objectContaining({ rule: "dangling-provider", reason: expect.stringMatching(/^no mechanical fix, because a custom resource must have its provider/) })]);
  });

  it("a cycle cannot be sorted: nothing is proposed and the cycle is named", () => {
    const a = { urn: "urn:pulumi:s::a::x:y:Z::a", type: "x:y:Z", custom: false, dependencies: ["urn:pulumi:s::a::x:y:Z::b"] };
    const b = { urn: "urn:pulumi:s::a::x:y:Z::b", type: "x:y:Z", custom: false, dependencies: ["urn:pulumi:s::a::x:y:Z::a"] };
    const sorted = stableToposort([a, b]);
    expect(sorted).toEqual({ cycle: [a.urn, b.urn, a.urn] });
    const plan = planRepair(cp({ version: 3, checkpoint: { stack: "s", latest: { manifest: { time: "2025-01-01T00:00:00Z", magic: "", version: "" }, resources: [a, b] } } }));
    expect(plan.bytes).toBeNull();
    expect(plan.blocked.map((x) => x.reason).join(" ")).toContain("the references form a cycle");
  });

  it("--rule: a fix not chosen leaves its problem, and the report says so instead of proposing", () => {
    const w = gen({
      mutate: (rs) => {
        const r = rs.find((x) => x.custom && Array.isArray(x.dependencies))!;
        r.dependencies = [...(r.dependencies ?? []), "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Gone"];
        const { parent } = childAndParent(rs);
        rs.splice(rs.indexOf(parent), 1);
        rs.push(parent);
      },
    });
    const plan = planRepair(cp(w), { rules: ["dangling-dependency"] });
    expect(plan.bytes).toBeNull();
    expect(plan.changes.map((c) => c.rule)).toEqual(["dangling-dependency"]);
    expect(plan.blocked.map((b) => b.reason).join(" ")).toContain("the fix `dependency-order` was not chosen");
  });

  it("secrets are copied as they are: never decrypted, and no change text holds a ciphertext", () => {
    const w = gen({
      mutate: (rs) => {
        const { parent } = childAndParent(rs);
        rs.splice(rs.indexOf(parent), 1);
        rs.push(parent);
      },
    });
    const text = JSON.stringify(w);
    const ciphertexts = [...text.matchAll(/"ciphertext":"([^"]+)"/g)].map((m) => m[1]!);
    expect(ciphertexts.length).toBeGreaterThan(0);
    const plan = planRepair(cp(w));
    const out = td.decode(plan.bytes!);
    for (const c of ciphertexts) expect(out).toContain(c);
    const said = JSON.stringify(plan.changes);
    for (const c of ciphertexts) expect(said).not.toContain(c);
  });
});

describe("Unlock SST", () => {
  const current = cp(gen());
  const lock = { created: "2026-01-01T00:00:00.000Z", updateID: "fffe0a0b0c0d0e0f10111213", runID: "r", command: "deploy", ignore: true };
  it("a lock whose update never completed and that is hours old is stale; a fresh one is a running deploy", () => {
    const stale = planUnlock({ app: "shop", stage: "prod", now: Date.parse(lock.created) + 5 * 3_600_000, current, sstLock: lock, lockUpdate: { id: lock.updateID, command: "deploy", timeStarted: lock.created } });
    const running = planUnlock({ app: "shop", stage: "prod", now: Date.parse(lock.created) + 60_000, current, sstLock: lock, lockUpdate: { id: lock.updateID, command: "deploy", timeStarted: lock.created } });
    expect(stale).toMatchObject({ updateID: lock.updateID, command: "deploy" });
    expect(running).toHaveProperty("running");
    expect(planUnlock({ app: "shop", stage: "prod", now: 0, current, sstLock: null, lockUpdate: null })).toBeNull();
  });

  it("closes the update record as SST 4.17.1's `sst unlock` does (errors replaced, start blanked, RFC 3339 seconds)", () => {
    const closed = closeAsSstUnlock({ id: lock.updateID, runID: "r", version: "4.17.1", command: "remove", errors: [{ urn: "u", message: "m" }], timeStarted: lock.created }, lock, Date.UTC(2026, 10, 30, 21, 21, 28, 512));
    expect(closed).toEqual({ id: lock.updateID, version: "4.17.1", command: "deploy", errors: [{ urn: "", message: FORCE_UNLOCK_MESSAGE }], timeStarted: "", timeCompleted: "2026-11-30T21:21:28Z" });
  });
});
