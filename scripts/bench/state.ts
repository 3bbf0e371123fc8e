/**
 * State engine benchmark (`npm run bench -- state`).
 *
 * For generated SST states of 1k, 10k and 50k resources (generated in this run, serialized like
 * Pulumi with 4-space indentation) it prints, each figure next to its floor measured in the same
 * run:
 * - parse+summarize time vs the floor `JSON.parse(bytes.toString("utf8"))` of the same bytes;
 * - peak memory of parse+summarize vs JSON.parse's, both as a multiple of the file size. Measured in
 *   a fresh child process per figure: read the file, gc, note the RSS, run the operation (keeping
 *   its result alive), then take the process's peak RSS (`process.resourceUsage().maxRSS`); the
 *   figure is peak RSS minus the RSS before. It counts garbage not yet collected, like the OS does;
 *   for the 1k state (≈2 MB) it is mostly noise;
 * - diff time of a pair (the state and its next deploy: ~1% added, ~1% removed, ~3% changed, every
 *   secret re-encrypted) vs the floor JSON.parse of both files, next to jsondiffpatch's `diff`
 *   (default options) on the same parsed pair, run in a child process with a heap limit and a time
 *   limit so that it reports "out of memory" or "timeout" instead of taking the bench down.
 * Times are medians of several runs (fewer for 50k), the measured operations run in turns.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { diffCheckpoints } from "../../packages/core/state/diff.ts";
import { evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../packages/core/state/parse.ts";
import { summarize } from "../../packages/core/state/summary.ts";

const SELF = fileURLToPath(import.meta.url);
const CHILD_FLAG = "--state-bench-child";
const SIZES = [1_000, 10_000, 50_000];
const BASELINE_HEAP_MB = 4096;
const BASELINE_TIMEOUT_S = 120;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Medians of `fns`, run in turns (a, b, c, a, b, c, …) so that a burst of load on a shared machine
 * hits every figure alike, and the ratios stay meaningful.
 */
function timeInterleaved(runs: number, fns: (() => unknown)[]): number[] {
  const ts = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    fns.forEach((fn, j) => {
      gc();
      const t0 = performance.now();
      const keep = fn();
      ts[j]!.push(performance.now() - t0);
      if (keep === Symbol.for("never")) console.log(keep);
    });
  }
  return ts.map(median);
}

const ms = (x: number): string => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const ratio = (x: number, floor: number): string => `${(x / floor).toFixed(2)}×`;
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

type ChildResult = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

function runChild(args: string[], opts: { heapMb?: number; timeoutS: number }): Promise<ChildResult> {
  const nodeArgs = ["--expose-gc", "--import", "tsx"];
  if (opts.heapMb) nodeArgs.push(`--max-old-space-size=${opts.heapMb}`);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...nodeArgs, SELF, CHILD_FLAG, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, opts.timeoutS * 1000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ ok: false, reason: `timeout after ${opts.timeoutS} s` });
      if (/heap out of memory|Allocation failed|Invalid string length/i.test(err))
        return resolve({ ok: false, reason: `out of memory (heap ${opts.heapMb ?? "default"} MB)` });
      const line = out.trim().split("\n").pop() ?? "";
      try {
        if (code === 0) return resolve({ ok: true, value: JSON.parse(line) as Record<string, unknown> });
      } catch {
        /* fall through */
      }
      resolve({ ok: false, reason: `failed (exit ${code ?? signal}): ${err.trim().split("\n").slice(-1)[0] ?? ""}` });
    });
  });
}

/** Child process entry: `mem json|engine <file>` or `jsondiffpatch <fileA> <fileB> <runs>`. */
async function childMain(args: string[]): Promise<void> {
  const [mode, ...rest] = args;
  if (mode === "mem") {
    const [kind, file] = rest as [string, string];
    const bytes = readFileSync(file);
    gc();
    gc();
    const before = process.memoryUsage().rss;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const result = kind === "json" ? JSON.parse(bytes.toString("utf8")) : summarize(parseCheckpoint(bytes));
    const peak = process.resourceUsage().maxRSS * 1024;
    console.log(JSON.stringify({ peakDelta: Math.max(0, peak - before), startupPeakAbove: peakBefore > peak, keep: typeof result }));
    return;
  }
  if (mode === "jsondiffpatch") {
    const [fa, fb, runs] = rest as [string, string, string];
    const { diff } = await import("jsondiffpatch");
    const a: unknown = JSON.parse(readFileSync(fa, "utf8"));
    const b: unknown = JSON.parse(readFileSync(fb, "utf8"));
    const times: number[] = [];
    for (let i = 0; i < Number(runs); i++) {
      gc();
      const t0 = performance.now();
      const d = diff(a, b);
      times.push(performance.now() - t0);
      if (d === undefined && i < 0) console.log(d);
    }
    console.log(JSON.stringify({ median: median(times) }));
    return;
  }
  throw new Error(`unknown child mode ${mode}`);
}

function generatePair(n: number): [Buffer, Buffer] {
  const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: n, seed: n });
  const next = evolveCheckpoint(obj, { seed: n + 1, add: Math.round(n * 0.01), remove: Math.round(n * 0.01), change: Math.round(n * 0.03) });
  return [Buffer.from(serializeCheckpoint(obj)), Buffer.from(serializeCheckpoint(next))];
}

export async function run(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.log("(no --expose-gc: timings include more GC noise)");
  const dir = mkdtempSync(join(tmpdir(), "sst-state-bench-"));
  const rows: string[][] = [];
  try {
    for (const n of SIZES) {
      const runs = n >= 50_000 ? 3 : n >= 10_000 ? 7 : 15;
      const t0 = performance.now();
      // generated in a function so that the objects are garbage before anything is timed: a large
      // live heap makes every major GC (and so JSON.parse of 100 MB) slower
      const [bytesA, bytesB] = generatePair(n);
      const fileA = join(dir, `state-${n}-a.json`);
      const fileB = join(dir, `state-${n}-b.json`);
      writeFileSync(fileA, bytesA);
      writeFileSync(fileB, bytesB);
      console.log(`generated ${n} resources (${mb(bytesA.length)}) and its next deploy in ${ms(performance.now() - t0)}`);

      const a = parseCheckpoint(bytesA);
      const b = parseCheckpoint(bytesB);
      const d = diffCheckpoints(a, b);
      const [floor, floorB, engine, diffT] = timeInterleaved(runs, [
        () => JSON.parse(bytesA.toString("utf8")),
        () => JSON.parse(bytesB.toString("utf8")),
        () => summarize(parseCheckpoint(bytesA)),
        () => diffCheckpoints(a, b),
      ]) as [number, number, number, number];

      const memJson = await runChild(["mem", "json", fileA], { timeoutS: 120 });
      const memEngine = await runChild(["mem", "engine", fileA], { timeoutS: 120 });

      const pairFloor = floor + floorB;
      const jdp = await runChild(["jsondiffpatch", fileA, fileB, String(n >= 50_000 ? 1 : 3)], { heapMb: BASELINE_HEAP_MB, timeoutS: BASELINE_TIMEOUT_S });

      const memCell = (r: ChildResult): string =>
        r.ok ? `${mb(Number(r.value.peakDelta))} (${(Number(r.value.peakDelta) / bytesA.length).toFixed(1)}× size)` : r.reason;
      const memRatio =
        memJson.ok && memEngine.ok ? `${(Number(memEngine.value.peakDelta) / Math.max(1, Number(memJson.value.peakDelta))).toFixed(2)}× JSON.parse's` : "n/a";
      const jdpT = jdp.ok ? Number(jdp.value.median) : undefined;
      rows.push([
        `${n / 1000}k`,
        mb(bytesA.length),
        ms(floor),
        `${ms(engine)} (${ratio(engine, floor)})`,
        memCell(memJson),
        `${memCell(memEngine)}, ${memRatio}`,
        `${d.added.length}+ ${d.removed.length}- ${d.changed.length}~`,
        ms(pairFloor),
        `${ms(diffT)} (${ratio(diffT, pairFloor)})`,
        jdpT === undefined ? (jdp.ok ? "?" : jdp.reason) : `${ms(jdpT)} (${ratio(jdpT, pairFloor)})`,
        jdpT === undefined ? "n/a" : `${(jdpT / diffT).toFixed(1)}× faster`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = [
    "resources",
    "file",
    "JSON.parse (floor)",
    "parse+summarize (× floor)",
    "peak mem JSON.parse",
    "peak mem parse+summarize",
    "diff found",
    "JSON.parse both (diff floor)",
    "diffCheckpoints (× floor)",
    `jsondiffpatch diff (× floor)`,
    "diffCheckpoints vs jsondiffpatch",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    `floor: JSON.parse(bytes.toString("utf8")) of the same bytes; times are medians; peak memory is peak RSS minus RSS before, ` +
      `in a fresh child process; jsondiffpatch runs in a child with --max-old-space-size=${BASELINE_HEAP_MB} and a ${BASELINE_TIMEOUT_S} s limit.`,
  );
}

if (process.argv[2] === CHILD_FLAG) await childMain(process.argv.slice(3));
