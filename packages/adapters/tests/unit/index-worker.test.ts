/**
 * The worker-thread indexer (adapters/index-worker.ts) must answer exactly what indexCheckpoint
 * answers in this thread: the same view on real checkpoints, gzip and a byte order mark, the same
 * error on bytes it cannot scan, and a second read (never a lost version) when the worker fails.
 * The worker runs the entry as scripts/build.mjs bundles it, built here into a temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexCheckpoint, packIndex, unpackIndex, wholeCheckpoint, type CheckpointView } from "@sst-state/core/state/checkpoint-index";
import { generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { entries } from "../../../../scripts/build.mjs";
import { loadRealCheckpoints } from "../../../core/tests/support/real-checkpoints.ts";
import { Worker } from "node:worker_threads";
import { generateHome } from "@sst-state/core/state/generate-home";
import { writeLocalHome } from "../../home-writer.ts";
import { createLocalHomeStore, SHARED_READ_BYTES } from "../../local-home.ts";
import { createWorkerIndexer } from "../../index-worker.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
let dir: string;
let script: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sst-state-index-worker-"));
  const entry = entries.find((e) => e.in === "packages/adapters/index-worker-entry.ts")!;
  const out = join(dir, "index-worker.mjs");
  await esbuild.build({ entryPoints: [root + entry.in], outfile: out, bundle: true, platform: "node", target: "node20", format: "esm", logLevel: "silent", ...entry.options });
  script = pathToFileURL(out);
});
afterAll(async () => {
  await esbuild.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A view without its raw JSON (compared as the checkpoint it stands for). */
function checkpointOf(view: CheckpointView): unknown {
  const { raw: _raw, ...rest } = wholeCheckpoint(view);
  return rest;
}

/** `read` for the indexer: a fresh copy of `bytes` each call (the worker takes what it is given), counted. */
function reader(bytes: Uint8Array): { read: () => Promise<Uint8Array>; calls: () => number } {
  let n = 0;
  return {
    read: async () => {
      n++;
      return new Uint8Array(bytes);
    },
    calls: () => n,
  };
}

async function outcome(run: () => Promise<CheckpointView> | CheckpointView): Promise<{ value: unknown } | { error: string }> {
  try {
    return { value: checkpointOf(await run()) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("worker indexer", () => {
  it("answers what indexCheckpoint answers on every real checkpoint (view or error), reading each once", async () => {
    // Prepare: each file as copied and, for a `pulumi stack export` deployment, as SST stores it
    const corpus = loadRealCheckpoints();
    const inputs = corpus.flatMap((c) => (c.checkpointBytes === c.bytes ? [[c.entry.name, c.bytes]] : [[c.entry.name, c.bytes], [`${c.entry.name} (stored)`, c.checkpointBytes]])) as [string, Buffer][];
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    expect(corpus.length).toBeGreaterThan(20);
    let indexed = 0;
    for (const [f, bytes] of inputs) {
      const r = reader(bytes);
      // Act
      const got = await outcome(() => indexer(r.read, f));
      // Assess
      expect(got).toEqual(await outcome(() => indexCheckpoint(bytes, f)));
      expect(r.calls()).toBe(1);
      if ("value" in got) {
        const view = await indexer(reader(bytes).read, f);
        const here = indexCheckpoint(bytes, f);
        expect(view.kind).toBe(here.kind);
        if (view.kind === "indexed" && here.kind === "indexed") {
          expect(view.resources).toEqual(here.resources);
          indexed++;
        }
      }
    }
    // most are scanned, not parsed whole (that the worker itself scans: "the bundled worker scans itself")
    expect(indexed).toBeGreaterThan(10);
  });

  it("scans gzip and a byte order mark as indexCheckpoint does", async () => {
    // Prepare
    const text = serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 300, seed: 5 }));
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    for (const bytes of [gzipSync(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])]) {
      // Act
      const view = await indexer(reader(bytes).read, "shop/prod");
      // Assess
      expect(view.kind).toBe("indexed");
      expect(checkpointOf(view)).toEqual(checkpointOf(indexCheckpoint(bytes, "shop/prod")));
    }
  });

  it("says it has handed off once on every path, before its answer (Load parses only then)", async () => {
    // Prepare: a worker that scans, one that steps aside, one that dies, none, and a small version
    const broken = join(dir, "dies-at-start.mjs");
    writeFileSync(broken, 'throw new Error("the worker could not start");\n');
    const good = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 40, seed: 3 })));
    const bad = Buffer.from('{"version":3,"checkpoint":{"latest":{"resources":[{"urn":"x",}]}}}');
    const cases: [string, ReturnType<typeof createWorkerIndexer>, Buffer][] = [
      ["worker scans", createWorkerIndexer({ script, minBytes: 0 }), good],
      ["worker steps aside", createWorkerIndexer({ script, minBytes: 0 }), bad],
      ["worker dies", createWorkerIndexer({ script: pathToFileURL(broken), minBytes: 0 }), good],
      ["no worker script", createWorkerIndexer({ script: pathToFileURL(join(dir, "none.mjs")), minBytes: 0 }), good],
      ["small version", createWorkerIndexer({ script }), good],
    ];
    for (const [name, indexer, bytes] of cases) {
      const events: string[] = [];
      // Act
      await indexer(reader(bytes).read, "shop/prod", () => events.push("handed off")).then(
        () => events.push("answered"),
        () => events.push("failed"),
      );
      // Assess
      expect({ name, events }).toEqual({ name, events: ["handed off", bytes === bad ? "failed" : "answered"] });
    }
  });

  it("leaves bytes it cannot scan to this thread, which fails with indexCheckpoint's error", async () => {
    // Prepare
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    const bad = Buffer.from('{"version":3,"checkpoint":{"latest":{"resources":[{"urn":"x",}]}}}');
    const r = reader(bad);
    // Act
    const got = await outcome(() => indexer(r.read, "shop/prod (bad)"));
    // Assess
    const here = await outcome(() => indexCheckpoint(bad, "shop/prod (bad)"));
    expect("error" in here).toBe(true);
    expect(got).toEqual(here);
    expect(r.calls()).toBe(1); // the bytes came back from the worker: no second read
  });

  it("scans here, as indexCheckpoint does, when the worker dies (reading again), its script is missing or the version is small", async () => {
    // Prepare: a worker script that fails as it starts; with the default minimum a small version
    // must not reach it (if it did, the failure would cost a second read)
    const broken = pathToFileURL(join(dir, "broken-worker.mjs"));
    writeFileSync(broken, 'throw new Error("the worker could not start");\n');
    const bytes = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 40, seed: 9 })));
    const cases: [string, ReturnType<typeof createWorkerIndexer>, number][] = [
      ["the worker dies", createWorkerIndexer({ script: broken, minBytes: 0 }), 2],
      ["no worker script", createWorkerIndexer({ script: pathToFileURL(join(dir, "missing.mjs")), minBytes: 0 }), 1],
      ["a small version", createWorkerIndexer({ script: broken }), 1],
    ];
    for (const [name, indexer, reads] of cases) {
      const r = reader(bytes);
      // Act
      const view = await indexer(r.read, "shop/prod");
      // Assess
      expect(checkpointOf(view)).toEqual(checkpointOf(indexCheckpoint(bytes, "shop/prod")));
      expect({ name, reads: r.calls() }).toEqual({ name, reads });
    }
  });

  it("leaves the rest of a buffer whose view it is given to its owner", async () => {
    // Prepare: the version's bytes are the middle of a bigger buffer
    const text = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 40, seed: 4 })));
    const big = Buffer.concat([Buffer.from("head"), text, Buffer.from("tail")]);
    const slice = big.subarray(4, 4 + text.length);
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    // Act
    const view = await indexer(async () => slice, "shop/prod");
    // Assess
    expect(checkpointOf(view)).toEqual(checkpointOf(indexCheckpoint(text, "shop/prod")));
    expect(big.subarray(0, 4).toString()).toBe("head"); // the owner's buffer is still there
    expect(big.length).toBe(text.length + 8);
  });
});

describe("worker indexer and the bytes' other holders", () => {
  it("leaves the bytes it is given intact: a store's cache may hand them out again (plain and shared memory)", async () => {
    // Prepare: the same object on every read, as the local home's `recent` cache returns it
    const text = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 60, seed: 6 })));
    const shared = Buffer.from(new SharedArrayBuffer(text.length));
    text.copy(shared);
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    for (const bytes of [Buffer.from(text), shared]) {
      // Act
      const view = await indexer(async () => bytes, "shop/prod");
      // Assess
      expect(bytes.length).toBe(text.length);
      expect(Buffer.compare(bytes, text)).toBe(0);
      expect(checkpointOf(view)).toEqual(checkpointOf(indexCheckpoint(text, "shop/prod")));
    }
  });

  it("on a local home, the version reads whole again right after its scan", async () => {
    // Prepare: a home whose snapshot is bigger than the shared-read threshold
    const root = join(dir, "home");
    const { files } = generateHome({ app: "shop", seed: 8, stages: [{ name: "prod", resources: 700, deploys: 2 }] });
    await writeLocalHome(root, files);
    const store = createLocalHomeStore({ root });
    const previous = (await store.listVersions("shop", "prod")).find((v) => !v.isCurrent)!;
    const before = await store.readVersion("shop", "prod", previous);
    expect(before.length).toBeGreaterThan(SHARED_READ_BYTES);
    // what the bytes were before the scan (the store hands out this same buffer again: comparing
    // with it after the scan could not tell an emptied buffer from an intact one)
    const copy = Buffer.from(before);
    const indexer = createWorkerIndexer({ script, minBytes: 0 });
    // Act
    const view = await indexer(() => store.readVersion("shop", "prod", previous), "shop/prod");
    const after = await store.readVersion("shop", "prod", previous);
    // Assess
    expect(view.kind).toBe("indexed");
    expect(after.length).toBe(copy.length);
    expect(Buffer.compare(Buffer.from(after.buffer, after.byteOffset, after.byteLength), copy)).toBe(0);
  });

  it("the bundled worker scans itself: a valid checkpoint comes back packed, not as bytes", async () => {
    // Prepare
    const bytes = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 30, seed: 12 })));
    const worker = new Worker(script);
    // Act
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.postMessage({ bytes, source: "shop/prod" });
    });
    await worker.terminate();
    // Assess
    expect(Object.keys(reply)).toEqual(["packed"]);
  });
});

describe("packed index", () => {
  it("unpacks to the view it was packed from", () => {
    // Prepare
    const bytes = Buffer.from(serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 120, seed: 11 })));
    const view = indexCheckpoint(bytes, "shop/prod");
    if (view.kind !== "indexed") throw new Error("expected an indexed view");
    // Act
    const back = unpackIndex(packIndex(view));
    // Assess
    expect(back.resources).toEqual(view.resources);
    expect(back.envelope).toEqual(view.envelope);
    expect(Buffer.compare(back.text, view.text)).toBe(0);
  });
});
