/**
 * The byte-range reading of a checkpoint (state/checkpoint-index.ts) must answer exactly what a whole
 * parse answers: the same resources, the same errors, the same diff, the same summary. Every case
 * compares the two routes on the same bytes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { indexCheckpoint, lazyCheckpoint, readCheckpoint, readCheckpointInWindows, tryIndexCheckpoint, wholeCheckpoint, type CheckpointView } from "../../state/checkpoint-index.ts";
import { checkIntegrity } from "../../diagnosis/integrity.ts";
import { runDiagnosis } from "../../diagnosis/index.ts";
import { diffCheckpoints, diffViews } from "../../state/diff.ts";
import { createRng, evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../state/parse.ts";
import { summarize, summarizeView } from "../../state/summary.ts";
import { SECRET_SIG, SIG_KEY, type Resource } from "../../state/types.ts";

const realDir = new URL("../../../../fixtures/real-checkpoints/", import.meta.url);
const publicDir = new URL("../../../../fixtures/public-state/", import.meta.url);

type Wrapped = { version: number; checkpoint: { latest: { resources: Resource[] } & Record<string, unknown> } & Record<string, unknown> };

function bytes(obj: unknown, compact = false): Buffer {
  return Buffer.from(serializeCheckpoint(obj, { compact }));
}

function resourcesOf(obj: Wrapped): Resource[] {
  return obj.checkpoint.latest.resources;
}

/** Outcome of one route: the error message, or the checkpoint with its raw JSON left out. */
function outcome(read: () => unknown): { error: string; problem: unknown } | { value: unknown } {
  try {
    const v = read();
    const cp = (v as CheckpointView).kind ? wholeCheckpoint(v as CheckpointView) : (v as ReturnType<typeof parseCheckpoint>);
    const { raw: _raw, ...rest } = cp;
    return { value: rest };
  } catch (e) {
    return { error: (e as Error).message, problem: (e as { problem?: unknown }).problem };
  }
}

/** Both routes on the same bytes give the same checkpoint (or the same error). */
function expectSameAsParse(input: Uint8Array, source = "test"): void {
  expect(outcome(() => indexCheckpoint(input, source))).toEqual(outcome(() => parseCheckpoint(input, source)));
}

function expectSameDiff(a: Uint8Array, b: Uint8Array): ReturnType<typeof diffViews> {
  const labels = { from: "a", to: "b" };
  const fast = diffViews(indexCheckpoint(a), indexCheckpoint(b), labels);
  const full = diffCheckpoints(parseCheckpoint(a), parseCheckpoint(b), labels);
  expect(fast).toEqual(full);
  return fast;
}

function generatedPair(n: number, seed: number): [Wrapped, Wrapped] {
  const a = generateCheckpoint({ app: "shop", stage: "prod", resources: n, seed }) as unknown as Wrapped;
  const b = evolveCheckpoint(a, { seed: seed + 1, add: 6, remove: 3, change: 12 }) as unknown as Wrapped;
  return [a, b];
}

describe("indexCheckpoint", () => {
  it("reads every real and public checkpoint fixture as parseCheckpoint does (resources, envelope, errors)", () => {
    // Prepare
    const files = [
      ...readdirSync(realDir).filter((f) => f.endsWith(".json")).map((f) => new URL(f, realDir)),
      ...readdirSync(publicDir).filter((f) => f.endsWith(".json")).map((f) => new URL(f, publicDir)),
    ];
    let indexed = 0;
    for (const f of files) {
      const input = readFileSync(f);
      // Act + Assess
      expectSameAsParse(input, f.pathname);
      try {
        if (indexCheckpoint(input).kind === "indexed") indexed++;
      } catch {
        /* a file both routes refuse */
      }
    }
    // most fixtures take the range route (the others are no checkpoints, or have no resources)
    expect(indexed).toBeGreaterThan(15);
  });

  it("returns each resource's exact bytes and its urn, type and parent", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 200, seed: 4 }) as unknown as Wrapped;
    const input = bytes(obj);
    // Act
    const view = indexCheckpoint(input);
    // Assess
    expect(view.kind).toBe("indexed");
    if (view.kind !== "indexed") return;
    const resources = resourcesOf(obj);
    expect(view.resources.map((r) => r.urn)).toEqual(resources.map((r) => r.urn));
    const second = view.resources[1]!;
    expect(JSON.parse(input.toString("utf8", second.start, second.end))).toEqual(resources[1]);
    expect(JSON.parse(input.toString("utf8", second.typeStart, second.typeEnd))).toBe(resources[1]!.type);
  });

  it("reads gzip, a byte order mark and compact JSON like parseCheckpoint", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 60, seed: 9 });
    const inputs = [Buffer.from(gzipSync(bytes(obj))), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(obj)]), bytes(obj, true)];
    for (const input of inputs) {
      // Act + Assess
      expectSameAsParse(input);
      expect(indexCheckpoint(input).kind).toBe("indexed");
    }
  });

  it("refuses every broken file with parseCheckpoint's error, or reads it as parseCheckpoint does", () => {
    // Prepare: a small valid state, then one defect at a time (inside a resource, in the envelope)
    const good = serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 12, seed: 2 }));
    const at = good.indexOf('"type": "aws:');
    const urnAt = good.indexOf('"urn": "urn:pulumi:', good.indexOf('"resources"'));
    const checkpointEnd = good.lastIndexOf("}", good.lastIndexOf("}") - 1);
    const variants: Record<string, string> = {
      "a later latest without resources": `${good.slice(0, checkpointEnd)}, "latest": {"manifest": {}}${good.slice(checkpointEnd)}`,
      "dependencies a string": good.replace(/"dependencies": \[/, '"dependencies": "x", "d2": ['),
      truncated: good.slice(0, Math.floor(good.length * 0.7)),
      "truncated in a string": good.slice(0, at + 12),
      "raw control character in a string": good.slice(0, at + 9) + "\u0001" + good.slice(at + 9),
      "raw tab in a string": good.slice(0, at + 9) + "\t" + good.slice(at + 9),
      "invalid escape": good.slice(0, at + 9) + "\\q" + good.slice(at + 9),
      "short unicode escape": good.slice(0, at + 9) + "\\u12" + good.slice(at + 9),
      "valid unicode escape": good.slice(0, at + 9) + "\\u00e9\\ud83d\\ude00\\\"" + good.slice(at + 9),
      "type a number": good.slice(0, at) + '"type": 5, "x": ' + good.slice(at + 8),
      "urn a number": good.slice(0, urnAt) + '"urn": 7, "old": ' + good.slice(urnAt + 7),
      "no urn": good.replace(/"urn": "urn:pulumi:prod::shop::sst:aws:Function::Api"/, '"urx": "x"'),
      "dependencies not URNs": good.replace(/"dependencies": \[\s*"/, '"dependencies": [ 1, "'),
      "inputs an array": good.replace(/"inputs": \{/, '"inputs": [], "was": {'),
      "escaped key names urn": good.slice(0, urnAt) + '"\\u0075rn"' + good.slice(urnAt + 5),
      "escaped long key": good.replace(/"dependencies": \[\s*"/, '"\\u0064ependencies": [ 1, "'),
      "duplicate urn key": good.slice(0, urnAt) + '"urn": "urn:pulumi:prod::shop::x:y:Z::dup", ' + good.slice(urnAt),
      "duplicate latest": good.replace(/"latest": \{/, '"latest": {"resources": []}, "latest": {'),
      "duplicate checkpoint": good.replace(/^\{/, '{"checkpoint": {"latest": {"resources": []}},'),
      "bare and wrapped": good.replace(/^\{/, '{"latest": {"resources": [{"urn": "u"}]},'),
      "resources null": good.replace(/"resources": \[/, '"resources": null, "x": ['),
      "resource not an object": good.replace(/"resources": \[/, '"resources": [ 3,'),
      "leading zero": good.replace(/"version": 3/, '"version": 03'),
      "bad fraction": good.replace(/"version": 3/, '"version": 3.'),
      "exponent number": good.replace(/"resources": \[/, '"n": -1.5e+3, "resources": ['),
      "bad literal": good.replace(/"custom": true/, '"custom": tru'),
      "trailing comma": good.replace(/("custom": true)/, "$1,"),
      "missing comma": good.replace(/("custom": true),/, "$1"),
      "trailing garbage": good + " x",
      "only whitespace": "   ",
      "a bare form": JSON.stringify({ stack: "organization/shop/prod", latest: JSON.parse(good).checkpoint.latest }),
      "too deep": good.replace(/"inputs": \{/, `"deep": ${"[".repeat(300)}${"]".repeat(300)}, "inputs": {`),
      "unicode urn": good.replace(/::Api"/g, '::Api-é漢字😀"'),
    };
    for (const [name, text] of Object.entries(variants)) {
      // Act + Assess
      expect({ name, ...outcome(() => indexCheckpoint(Buffer.from(text), "s")) }).toEqual({ name, ...outcome(() => parseCheckpoint(Buffer.from(text), "s")) });
    }
  });
});

describe("diffViews (only the resources whose bytes differ are parsed)", () => {
  it("equals the whole-parse diff on a generated deploy (adds, removes, changes, every secret re-encrypted)", () => {
    // Prepare
    const [a, b] = generatedPair(400, 11);
    // Act
    const d = expectSameDiff(bytes(a), bytes(b));
    // Assess: the pair really differs in every way
    expect(d.added.length).toBeGreaterThan(0);
    expect(d.removed.length).toBeGreaterThan(0);
    expect(d.changed.length).toBeGreaterThan(0);
    expect(d.unchanged).toBeGreaterThan(100);
  });

  it("equals the whole-parse diff for edits inside a resource, reordering, secrets, duplicates and unicode", () => {
    // Prepare
    const [a] = generatedPair(150, 21);
    const base = resourcesOf(a);
    const fn = base.findIndex((r) => r.type === "aws:lambda/function:Function");
    const edits: Record<string, (rs: Resource[]) => void> = {
      "edit deep inside inputs": (rs) => {
        (rs[fn]!.inputs as Record<string, unknown>).memorySize = 2048;
      },
      "only modified moved": (rs) => {
        rs[fn]!.modified = "2030-01-01T00:00:00Z";
      },
      "reordered": (rs) => {
        const rng = createRng(5);
        for (let i = rs.length - 1; i > 0; i--) {
          const j = Math.floor(rng() * (i + 1));
          [rs[i], rs[j]] = [rs[j]!, rs[i]!];
        }
      },
      "a secret appears": (rs) => {
        (rs[fn]!.inputs as Record<string, unknown>).token = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:bm9uY2U=:c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3Qtc2hvdw==" };
      },
      "a value becomes a secret": (rs) => {
        const inputs = rs[fn]!.inputs as Record<string, unknown>;
        inputs.handler = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:bm9uY2U=:aGFuZGxlcg==" };
      },
      "duplicate urn (the last one wins)": (rs) => {
        rs.push({ ...structuredClone(rs[fn]!), id: "dup-id" });
      },
      "unicode and escapes": (rs) => {
        const inputs = rs[fn]!.inputs as Record<string, unknown>;
        inputs.description = 'é漢字😀 "quoted" \\ back\nslash \u0001';
        rs.push({ urn: "urn:pulumi:prod::shop::sst:aws:Bucket::Fotos-é😀", type: "sst:aws:Bucket", custom: false, parent: base[0]!.urn });
      },
      "removed and added": (rs) => {
        rs.splice(fn, 1);
        rs.push({ urn: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::New", type: "aws:s3/bucket:Bucket", custom: true, id: "new" });
      },
    };
    for (const [name, edit] of Object.entries(edits)) {
      const b = structuredClone(a);
      edit(resourcesOf(b));
      // Act + Assess
      expect(name && expectSameDiff(bytes(a), bytes(b))).toBeTruthy();
    }
  });

  it("never prints a secret's ciphertext", () => {
    // Prepare
    const [a, b] = generatedPair(100, 31);
    const fn = resourcesOf(b).find((r) => r.type === "aws:lambda/function:Function")!;
    const secret = "v1:bm9uY2U=:dG9wLXNlY3JldC1jaXBoZXJ0ZXh0";
    (fn.inputs as Record<string, unknown>).apiKey = { [SIG_KEY]: SECRET_SIG, ciphertext: secret };
    // Act
    const d = expectSameDiff(bytes(a), bytes(b));
    // Assess
    expect(d.changed.find((c) => c.urn === fn.urn)?.secrets).toContain("inputs.apiKey");
    expect(JSON.stringify(d)).not.toContain("dG9wLXNlY3JldC1jaXBoZXJ0ZXh0");
  });

  it("equals the whole-parse diff between differently formatted and compressed versions", () => {
    // Prepare
    const [a, b] = generatedPair(120, 41);
    // Act + Assess
    expectSameDiff(bytes(a), bytes(b, true));
    expectSameDiff(Buffer.from(gzipSync(bytes(a))), bytes(b));
    expectSameDiff(bytes(a, true), bytes(a));
  });

  it("equals the whole-parse diff between consecutive real checkpoints", () => {
    // Prepare: a stack's history as Pulumi wrote it, deploy after deploy
    const history = readdirSync(realDir)
      .filter((f) => f.startsWith("private-rmq--history-dev-"))
      .sort()
      .map((f) => readFileSync(new URL(f, realDir)));
    expect(history.length).toBeGreaterThan(3);
    for (let i = 1; i < history.length; i++) {
      // Act + Assess
      expectSameDiff(history[i - 1]!, history[i]!);
    }
  });
});

describe("summarizeView", () => {
  it("equals summarize on generated, real and edited states", () => {
    // Prepare
    const [a, b] = generatedPair(300, 51);
    const late = structuredClone(b);
    resourcesOf(late).reverse(); // children before their parents: the summary's second pass
    const inputs = [
      bytes(a),
      bytes(late),
      ...readdirSync(realDir)
        .filter((f) => f.startsWith("private-rmq") || f.startsWith("pulumi--"))
        .map((f) => readFileSync(new URL(f, realDir))),
    ];
    let summarized = 0;
    for (const input of inputs) {
      let whole;
      try {
        whole = summarize(parseCheckpoint(input));
      } catch {
        continue; // not a checkpoint: covered above
      }
      // Act + Assess
      expect(summarizeView(indexCheckpoint(input))).toEqual(whole);
      summarized++;
    }
    // the two generated states and at least one real one were compared, not all skipped
    expect(summarized).toBeGreaterThan(2);
  });
});

describe("lazyCheckpoint (a diagnosis's previous version: scanned, parsed where looked into)", () => {
  const fixtures = () => [
    ...generatedPair(300, 41).map((w) => bytes(w)),
    ...readdirSync(realDir)
      .filter((f) => f.startsWith("private-rmq") || f.startsWith("pulumi--"))
      .map((f) => readFileSync(new URL(f, realDir))),
  ];

  it("answers every question about every resource as the parsed checkpoint does", () => {
    let compared = 0;
    for (const input of fixtures()) {
      let whole;
      try {
        whole = parseCheckpoint(input);
      } catch {
        continue; // not a checkpoint: indexCheckpoint refuses it the same way (above)
      }
      // Act
      const lazy = lazyCheckpoint(indexCheckpoint(input));
      // Assess: the same URNs and types in order, then each resource whole (keys, values, spread)
      expect(lazy.resources.map((r) => [r.urn, r.type])).toEqual(whole.resources.map((r) => [r.urn, r.type]));
      lazy.resources.forEach((r, i) => {
        expect({ ...r }).toEqual(whole.resources[i]);
        expect(Object.keys(r)).toEqual(Object.keys(whole.resources[i]!));
        expect("outputs" in r).toBe("outputs" in whole.resources[i]!);
        expect(JSON.stringify(r)).toBe(JSON.stringify(whole.resources[i]));
      });
      const { resources: _a, raw: _r1, ...envelope } = lazy;
      const { resources: _b, raw: _r2, ...wholeEnvelope } = whole;
      expect(envelope).toEqual(wholeEnvelope);
      compared++;
    }
    expect(compared).toBeGreaterThan(3);
  });

  it("parses no resource for URNs and types", () => {
    // Prepare
    const input = bytes(generatedPair(200, 5)[0]);
    const lazy = lazyCheckpoint(indexCheckpoint(input));
    const parse = vi.spyOn(JSON, "parse");
    try {
      // Act
      const seen = lazy.resources.map((r) => `${r.urn} ${String(r.type)}`);
      // Assess
      expect(seen).toHaveLength(lazy.resources.length);
      expect(parse).not.toHaveBeenCalled();
      // ...and parses one resource, once, when something else is asked of it
      void lazy.resources[7]!.outputs;
      void lazy.resources[7]!.inputs;
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it("gives the history rules the same findings as the parsed previous version", () => {
    // Prepare: deploys that remove retained resources, rename fixed-name ones, change routes
    const [a, b] = generatedPair(400, 77);
    const pairs: [Uint8Array, Uint8Array][] = [
      [bytes(a), bytes(b)],
      [bytes(b), bytes(a)],
    ];
    const history = readdirSync(realDir)
      .filter((f) => f.startsWith("private-rmq--history-dev-"))
      .sort()
      .map((f) => readFileSync(new URL(f, realDir)));
    for (let i = 1; i < history.length; i++) pairs.push([history[i - 1]!, history[i]!], [history[i]!, history[i - 1]!]);
    let findings = 0;
    for (const [prev, cur] of pairs) {
      const base = { app: "shop", stage: "prod", now: Date.UTC(2026, 0, 1), current: parseCheckpoint(cur), sstLock: null, lockUpdate: null, updates: [], objectVersionCount: null, snapshotCount: null };
      // Act
      const lazy = runDiagnosis({ ...base, previous: lazyCheckpoint(indexCheckpoint(prev)) }, { groups: ["history"] });
      const whole = runDiagnosis({ ...base, previous: parseCheckpoint(prev) }, { groups: ["history"] });
      // Assess
      expect(lazy).toEqual(whole);
      findings += whole.findings.length;
    }
    expect(findings).toBeGreaterThan(0);
  });
});

describe("readCheckpoint (a diagnosis's current version: resources parsed one by one from the scan)", () => {
  it("gives every rule and the integrity check what parseCheckpoint gives them, and throws what it throws", () => {
    // Prepare: real and public fixtures, generated states, states Pulumi refuses (dangling and
    // out-of-order references, duplicates, a bad provider, a manifest time that is none), a key
    // Go's decoder matches case-insensitively (`URN`), and files that are no checkpoint
    const inputs: Uint8Array[] = [
      ...readdirSync(realDir).filter((f) => f.endsWith(".json")).map((f) => readFileSync(new URL(f, realDir))),
      ...readdirSync(publicDir).filter((f) => f.endsWith(".json")).map((f) => readFileSync(new URL(f, publicDir))),
    ];
    const [a, b] = generatedPair(300, 31);
    inputs.push(bytes(a), bytes(b, true), Buffer.from(gzipSync(bytes(a))));
    const edited = structuredClone(b);
    const er = resourcesOf(edited);
    er.push(structuredClone(er[5]!));
    er[9]!.parent = er[40]!.urn;
    er[11]!.dependencies = ["urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Gone"];
    er[12]!.provider = "urn:pulumi:prod::shop::pulumi:providers:aws::default::nope";
    const upper = er[13] as unknown as Record<string, unknown>;
    upper.URN = upper.urn;
    (edited.checkpoint as Record<string, unknown>).latest = { ...edited.checkpoint.latest, manifest: { time: "not a time", magic: "x", version: "v3.1.0" } };
    inputs.push(bytes(edited), Buffer.from(serializeCheckpoint(b).slice(0, 5000)), Buffer.from("{}"));
    let refused = 0;
    let compared = 0;
    for (const input of inputs) {
      let whole;
      try {
        whole = parseCheckpoint(input, "s");
      } catch {
        // Act + Assess: the same error (message and problem)
        expect(outcome(() => readCheckpoint(input, "s"))).toEqual(outcome(() => parseCheckpoint(input, "s")));
        continue;
      }
      // Act
      const read = readCheckpoint(input, "s");
      // Assess
      const base = { app: "shop", stage: "prod", now: Date.UTC(2026, 0, 1), previous: null, sstLock: null, lockUpdate: null, updates: [], objectVersionCount: null, snapshotCount: null };
      expect(runDiagnosis({ ...base, current: read }, { groups: ["structure", "history", "lock"] })).toEqual(runDiagnosis({ ...base, current: whole }, { groups: ["structure", "history", "lock"] }));
      const integrity = checkIntegrity(whole);
      expect(checkIntegrity(read)).toEqual(integrity);
      if (integrity.refused) refused++;
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(2);
  });
});

describe("readCheckpointInWindows (a diagnosis's current version read piece by piece)", () => {
  /** A reader over `input` that hands out at most `most` bytes per call (a short read, as files may give). */
  function readerOf(input: Uint8Array, most: number): (into: Buffer, offset: number, length: number) => Promise<number> {
    let at = 0;
    return async (into, offset, length) => {
      const n = Math.min(length, most, input.length - at);
      into.set(input.subarray(at, at + n), offset);
      at += n;
      return n;
    };
  }

  it("builds readCheckpoint's checkpoint through any window, and steps aside exactly where the whole scan does", async () => {
    // Prepare: the inputs of the readCheckpoint case (real, public, generated, refused, broken),
    // plus a byte order mark, a resource far bigger than the window, a second resources array
    // after the first, and a file cut inside a resource and after the array
    const inputs: Uint8Array[] = [
      ...readdirSync(realDir).filter((f) => f.endsWith(".json")).map((f) => readFileSync(new URL(f, realDir))),
      ...readdirSync(publicDir).filter((f) => f.endsWith(".json")).map((f) => readFileSync(new URL(f, publicDir))),
    ];
    const [a, b] = generatedPair(120, 47);
    const text = serializeCheckpoint(a);
    inputs.push(bytes(a), bytes(b, true), Buffer.from(gzipSync(bytes(a))), Buffer.from("\ufeff" + text));
    const big = structuredClone(b);
    resourcesOf(big)[3]!.outputs = { blob: "x".repeat(20_000), nested: { list: Array.from({ length: 300 }, (_, k) => ({ k, s: `é${k}` })) } };
    inputs.push(bytes(big));
    const twice = structuredClone(a) as unknown as { checkpoint: { latest: Record<string, unknown> } };
    inputs.push(Buffer.from(serializeCheckpoint(twice).replace(/\n}\s*$/, `,\n "latest": {"resources": []}\n}`)));
    const edited = structuredClone(b);
    resourcesOf(edited)[7]!.parent = 12 as unknown as string; // a field of the wrong kind: the whole parse says why
    inputs.push(bytes(edited), Buffer.from(text.slice(0, Math.floor(text.length / 2))), Buffer.from(text.slice(0, text.length - 40)), Buffer.from("{}"), Buffer.alloc(0));
    let built = 0;
    let aside = 0;
    for (const input of inputs) {
      const gzip = input[0] === 0x1f && input[1] === 0x8b;
      const indexed = tryIndexCheckpoint(input, "s") !== undefined && !gzip;
      for (const [window, most] of [
        [64, 64],
        [257, 13],
        [4096, 1000],
        [1 << 20, 1 << 20],
      ] as const) {
        // Act
        const read = await readCheckpointInWindows(readerOf(input, most), "s", window);
        // Assess: the same checkpoint (raw included) and size, or a step aside where the whole scan
        // steps aside (gzip: to be read whole; refused: to be parsed whole)
        if (!indexed) {
          expect(read).toEqual({ stepAside: gzip ? "gzip" : "refused" });
          aside++;
          continue;
        }
        expect(read).toEqual({ checkpoint: readCheckpoint(input, "s"), size: input.length });
        built++;
      }
    }
    expect(built).toBeGreaterThan(60);
    expect(aside).toBeGreaterThan(20);
  });

  it("never reads past a window's end: a byte order mark before compact JSON, through every window size", async () => {
    // Prepare: dropping the mark leaves the first window 3 bytes short of its buffer, whose last
    // bytes are then stale; windows that end right after `},{` once made the scan read a stale `}`
    const [a] = generatedPair(6, 53);
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(a, true)]);
    const expected = readCheckpoint(input, "s");
    expect(input.length).toBeGreaterThan(1000); // (the premise: many windows end after a `},{`)
    for (let window = 16; window <= input.length + 8; window++) {
      // Act
      const read = await readCheckpointInWindows(readerOf(input, window), "s", window);
      // Assess
      expect(read).toEqual({ checkpoint: expected, size: input.length });
    }
  });
});
