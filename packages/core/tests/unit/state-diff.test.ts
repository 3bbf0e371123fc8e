import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffCheckpoints, diffViews } from "../../state/diff.ts";
import { indexCheckpoint } from "../../state/checkpoint-index.ts";
import { loadRealCheckpoints } from "../support/real-checkpoints.ts";
import { createRng, evolveCheckpoint, generateCheckpoint } from "@sst-state/test-kit/generate";
import { fromJson, parseCheckpoint } from "../../state/parse.ts";
import { SECRET_SIG, SIG_KEY, type Checkpoint, type Resource } from "../../state/types.ts";

const fixtures = new URL("../../../../fixtures/public-state/", import.meta.url);

function generated(resources: number, seed: number): Checkpoint {
  return fromJson(generateCheckpoint({ app: "shop", stage: "prod", resources, seed }), 0);
}

/** A deep copy of `cp` whose resources went through `edit`. */
function edited(cp: Checkpoint, edit: (resources: Resource[]) => Resource[] | void): Checkpoint {
  const copy = structuredClone(cp);
  copy.resources = edit(copy.resources) ?? copy.resources;
  return copy;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const rng = createRng(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const FUNCTION = "aws:lambda/function:Function";

describe("diffCheckpoints", () => {
  it("finds nothing between a state and itself", () => {
    // Prepare
    const cp = generated(300, 1);
    // Act
    const d = diffCheckpoints(cp, cp, { from: "a", to: "b" });
    // Assess
    expect(d).toEqual({ from: "a", to: "b", added: [], removed: [], changed: [], unchanged: 300 });
  });

  it("finds what a deploy added, removed and changed", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 400, seed: 2 });
    const next = evolveCheckpoint(prev, { seed: 3, add: 10, remove: 10, change: 8 });
    const a = fromJson(prev, 0);
    const b = fromJson(next, 0);
    const urnsA = new Set(a.resources.map((r) => r.urn));
    const urnsB = new Set(b.resources.map((r) => r.urn));
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(d.added).toEqual([...urnsB].filter((u) => !urnsA.has(u)).sort());
    expect(d.removed).toEqual([...urnsA].filter((u) => !urnsB.has(u)).sort());
    expect(d.added.length).toBeGreaterThan(0);
    expect(d.removed.length).toBeGreaterThan(0);
    expect(d.changed.length).toBeGreaterThanOrEqual(8);
    expect(d.unchanged + d.changed.length + d.added.length).toBe(urnsB.size);
    for (const c of d.changed) expect(c.paths.length).toBeGreaterThan(0);
  });

  it("swaps added and removed when the arguments are swapped", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 300, seed: 4 });
    const next = evolveCheckpoint(prev, { seed: 5, add: 12, remove: 12, change: 6 });
    const a = fromJson(prev, 0);
    const b = fromJson(next, 0);
    // Act
    const forward = diffCheckpoints(a, b);
    const backward = diffCheckpoints(b, a);
    // Assess
    expect(backward.added).toEqual(forward.removed);
    expect(backward.removed).toEqual(forward.added);
    expect(backward.changed.map((c) => [c.urn, c.paths])).toEqual(forward.changed.map((c) => [c.urn, c.paths]));
    expect(backward.unchanged).toBe(forward.unchanged);
  });

  it("does not depend on the order of resources or of their keys", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 300, seed: 6 });
    const next = evolveCheckpoint(prev, { seed: 7, add: 5, remove: 5, change: 5 });
    const a = fromJson(prev, 0);
    const b = fromJson(next, 0);
    const reordered = edited(b, (rs) =>
      shuffled(rs, 8).map((r) => Object.fromEntries(shuffled(Object.entries(r), r.urn.length)) as Resource),
    );
    // Act
    const plain = diffCheckpoints(a, b);
    const shuffledDiff = diffCheckpoints(a, reordered);
    // Assess
    expect(shuffledDiff).toEqual(plain);
  });

  it("reports the dotted path of a changed environment variable, array element and top-level field", () => {
    // Prepare
    const a = generated(200, 9);
    const fnUrn = a.resources.find((r) => r.type === FUNCTION)!.urn;
    const b = edited(a, (rs) => {
      const fn = rs.find((r) => r.urn === fnUrn)!;
      (fn.inputs!.environment as { variables: Record<string, unknown> }).variables.LOG_LEVEL = "trace";
      (fn.inputs!.architectures as string[])[0] = "x86_64";
      fn.protect = true;
      fn.parent = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod";
      fn.modified = "2030-01-01T00:00:00.000Z";
    });
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(d.changed).toEqual([
      { urn: fnUrn, paths: ["inputs.architectures[0]", "inputs.environment.variables.LOG_LEVEL", "parent", "protect"] },
    ]);
  });

  it("ignores a timestamp-only change (created/modified)", () => {
    // Prepare
    const a = generated(50, 10);
    const b = edited(a, (rs) => {
      for (const r of rs) r.modified = "2031-02-03T04:05:06.000Z";
    });
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(d.changed).toEqual([]);
    expect(d.unchanged).toBe(50);
  });

  it("sees no change when only a secret's ciphertext changed", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 200, seed: 11 });
    const next = evolveCheckpoint(prev, { seed: 12 }); // re-encrypts every secret, nothing else
    const a = fromJson(prev, 0);
    const b = fromJson(next, 0);
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(JSON.stringify(next)).not.toBe(JSON.stringify(prev));
    expect(d.changed).toEqual([]);
    expect(d.unchanged).toBe(200);
  });

  it("lists a value that became a secret, and a secret that appeared, under paths and secrets", () => {
    // Prepare
    const a = generated(200, 13);
    const fnUrn = a.resources.find((r) => r.type === FUNCTION)!.urn;
    const secret = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBB" };
    const b = edited(a, (rs) => {
      const fn = rs.find((r) => r.urn === fnUrn)!;
      fn.inputs!.handler = secret;
      (fn.outputs!.environment as { variables: Record<string, unknown> }).variables.NEW_TOKEN = secret;
    });
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    const entry = d.changed.find((c) => c.urn === fnUrn)!;
    expect(entry.paths).toEqual(["inputs.handler", "outputs.environment.variables.NEW_TOKEN"]);
    expect(entry.secrets).toEqual(["inputs.handler", "outputs.environment.variables.NEW_TOKEN"]);
  });

  it("marks the fixture's values that became secrets between the plain and the secrets fixture", () => {
    // Prepare
    const plain = parseCheckpoint(readFileSync(new URL("pulumi-checkpoint-v3.json", fixtures)));
    const secret = parseCheckpoint(readFileSync(new URL("pulumi-checkpoint-secrets.json", fixtures)));
    // Act
    const d = diffCheckpoints(plain, secret);
    // Assess
    expect(d.changed.length).toBeGreaterThan(0);
    for (const c of d.changed) expect(c.secrets).toEqual(c.paths);
  });

  it("does not fail on duplicate URNs: the last resource with a URN wins", () => {
    // Prepare
    const a = generated(40, 14);
    const dupIndex = a.resources.findIndex((r) => r.type === FUNCTION);
    const b = edited(a, (rs) => {
      const dup = structuredClone(rs[dupIndex]!);
      dup.inputs!.memorySize = 4096;
      rs.push(dup);
    });
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(d.added).toEqual([]);
    expect(d.changed).toEqual([{ urn: a.resources[dupIndex]!.urn, paths: ["inputs.memorySize"] }]);
    expect(d.unchanged).toBe(39);
  });

  it("reports a whole array when its length changed, and quotes keys that are not plain words", () => {
    // Prepare
    const a = generated(60, 15);
    const fn = a.resources.find((r) => r.type === FUNCTION)!;
    const b = edited(a, (rs) => {
      const r = rs.find((x) => x.urn === fn.urn)!;
      (r.inputs!.architectures as string[]).push("x86_64");
      (r.inputs!.tags as Record<string, string>)["team.name"] = "core";
    });
    // Act
    const d = diffCheckpoints(a, b);
    // Assess
    expect(d.changed).toEqual([{ urn: fn.urn, paths: ["inputs.architectures", 'inputs.tags["team.name"]'] }]);
  });

  it("an empty inputs/outputs map and no field are the same (Pulumi's omitempty, as `sst state repair` rewrites them); key order never counts", () => {
    // Prepare: a state as SST writes it, and as Pulumi re-saves it (empty maps dropped, keys sorted)
    const cp = generateCheckpoint({ app: "shop", stage: "prod", resources: 30, seed: 7 });
    const rs = (x: typeof cp) => (x.checkpoint as { latest: { resources: Record<string, unknown>[] } }).latest.resources;
    const resaved = structuredClone(cp);
    for (const r of rs(resaved)) {
      for (const k of ["inputs", "outputs"]) {
        const v = r[k] as Record<string, unknown> | undefined;
        if (v && Object.keys(v).length === 0) delete r[k];
        else if (v) r[k] = Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).reverse());
      }
    }
    const changedOne = structuredClone(resaved);
    const fn = rs(changedOne).find((r) => !r.outputs)!;
    fn.outputs = { arn: "arn:new" };
    // Act
    const parse = (x: unknown) => parseCheckpoint(JSON.stringify(x), "test");
    const same = diffCheckpoints(parse(cp), parse(resaved));
    const real = diffCheckpoints(parse(cp), parse(changedOne));
    // Assess
    expect(rs(cp).some((r) => r.outputs && Object.keys(r.outputs as object).length === 0)).toBe(true);
    expect(same.changed).toEqual([]);
    expect(real.changed).toEqual([{ urn: fn.urn, paths: ["outputs.arn"] }]);
  });

  it("real Pulumi checkpoints: the same state with SST's empty maps added diffs as unchanged, and a real change still shows", () => {
    // Prepare: every real checkpoint Pulumi wrote (it drops empty maps: omitempty), and the same
    // bytes with `"inputs": {}` / `"outputs": {}` / `"propertyDependencies": {}` where a resource
    // lacks them, as SST writes them
    const real = loadRealCheckpoints();
    let padded = 0;
    let probed = 0;
    for (const f of real) {
      const doc = JSON.parse(f.checkpointBytes.toString("utf8")) as Record<string, unknown>;
      const inner = (doc.checkpoint ?? doc) as { latest?: { resources?: Record<string, unknown>[] } };
      const resources = inner.latest?.resources ?? [];
      for (const r of resources) {
        for (const k of ["inputs", "outputs", "propertyDependencies"]) {
          if (!(k in r)) {
            r[k] = {};
            padded++;
          }
        }
      }
      const withEmpty = Buffer.from(JSON.stringify(doc));
      const victim = resources.find((r) => r.type !== "pulumi:pulumi:Stack");
      if (victim) victim.outputs = { ...(victim.outputs as object), sstStateProbe: 1 };
      const changed = Buffer.from(JSON.stringify(doc));
      // Act
      const same = diffCheckpoints(f.checkpoint, parseCheckpoint(withEmpty, f.entry.name));
      const sameViews = diffViews(indexCheckpoint(f.checkpointBytes, f.entry.name), indexCheckpoint(withEmpty, f.entry.name));
      const one = diffViews(indexCheckpoint(f.checkpointBytes, f.entry.name), indexCheckpoint(changed, f.entry.name));
      // Assess
      expect(same.changed, f.entry.name).toEqual([]);
      expect(sameViews.changed, f.entry.name).toEqual([]);
      if (victim) {
        expect(one.changed, f.entry.name).toEqual([{ urn: victim.urn, paths: ["outputs.sstStateProbe"] }]);
        probed++;
      }
    }
    expect(padded).toBeGreaterThan(0);
    // the real change was made and seen in some checkpoints, not skipped in all of them
    expect(probed).toBeGreaterThan(0);
  });
});
