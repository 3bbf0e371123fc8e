/**
 * Whole-process figures (`npm run bench -- process`): the CLI as a user runs it, each next to its
 * floor measured in the same run, in turns (a, b, c, a, b, c, …) so a burst of load on a shared
 * machine hits every figure alike.
 *
 * A local home (generated in this run) holds one stage of 50k resources with two deploys (the
 * second adds ~1%, removes ~1%, changes ~3% of the resources and re-encrypts every secret, as the
 * `state` part does) and `app/…` equal to the newest snapshot, as SST leaves it.
 * - `diff shop/prod previous latest --json` vs the floor: a `node` process that reads the same two
 *   files and `JSON.parse`s each (keeping both alive, as a diff must).
 * - `status shop/prod --json` and `diagnose shop/prod --no-probes --json` vs the floor: a process
 *   that reads and parses the one state file.
 * - start-up: `locks` and `status` of a small state with the embedded store (`.sst-state/db` in the
 *   project) vs `node` running an empty script.
 * Time is the wall time from spawn to exit; memory is the process's peak RSS
 * (`process.resourceUsage().maxRSS`, written at exit by a module preloaded with `--require`).
 * Figures are medians of several runs.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { makeUpdateId } from "../../packages/core/state/update-id.ts";
import { stateKeys } from "../../packages/core/state/versions.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(root, "packages/cli/bin/sst-state.mjs");
const RESOURCES = Number(process.env.SST_STATE_BENCH_RESOURCES ?? 50_000);
const RUNS = Number(process.env.SST_STATE_BENCH_RUNS ?? 5);
const START_RUNS = 9;

// Both CommonJS: an ES module import of node:fs would run its lazy getters (loading the file
// streams) in every measured process, a cost the CLI's bundles and bin no longer pay
// (scripts/ingress-plugins.mjs builtinsAsCommonJs). A CommonJS floor also skips the set-up of
// Node's ES module loader, which the CLI pays: the floor is the cheapest such process, not a
// like-for-like one.
const PRELOAD = `const { writeFileSync } = require("node:fs");
process.on("exit", () => { if (!process.env.BENCH_RSS_OUT) return; const u = process.resourceUsage(); writeFileSync(process.env.BENCH_RSS_OUT, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 })); });
`;
const FLOOR = `const { readFileSync } = require("node:fs");
const keep = [];
for (const f of process.argv.slice(2)) keep.push(JSON.parse(readFileSync(f).toString("utf8")));
if (keep.length === 0) process.exit(3);
`;

export interface Measured {
  ms: number;
  rss: number;
  /** user + system CPU time (ms): steadier than wall time on a busy machine */
  cpu: number;
  code: number | null;
  out: string;
  err: string;
}

/** Runs `node <args>` once: wall time, peak RSS, exit code, output. */
export function measure(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; preload: string; rssFile: string }): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ["--require", opts.preload, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NODE_OPTIONS: "", ...opts.env, BENCH_RSS_OUT: opts.rssFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const ms = performance.now() - t0;
      let rss = 0;
      let cpu = 0;
      try {
        ({ rss, cpu } = JSON.parse(readFileSync(opts.rssFile, "utf8")) as { rss: number; cpu: number });
      } catch {
        /* the process died before exit handlers ran */
      }
      resolve({ ms, rss, cpu, code, out, err });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (x: number): string => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;

/** Writes the 50k home: two snapshots, their update records, `app/…` = the newest snapshot. */
export function writeHome(stateRoot: string): { prev: string; latest: string; size: number } {
  const now = Date.UTC(2026, 0, 15, 12, 0, 0);
  const a = generateCheckpoint({ app: "shop", stage: "prod", resources: RESOURCES, seed: RESOURCES, time: now - 12 * 3_600_000 });
  const textA = serializeCheckpoint(a);
  const b = evolveCheckpoint(a, {
    seed: RESOURCES + 1,
    add: Math.round(RESOURCES * 0.01),
    remove: Math.round(RESOURCES * 0.01),
    change: Math.round(RESOURCES * 0.03),
    time: now - 6 * 3_600_000,
  });
  const textB = serializeCheckpoint(b);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const idA = makeUpdateId(now - 12 * 3_600_000, rand);
  const idB = makeUpdateId(now - 6 * 3_600_000, rand);
  const put = (key: string, body: string) => {
    const f = join(stateRoot, "state", key);
    mkdirSync(join(f, ".."), { recursive: true });
    writeFileSync(f, body);
    return f;
  };
  const record = (id: string, start: number) =>
    JSON.stringify({ id, version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date(start).toISOString(), timeCompleted: new Date(start + 60_000).toISOString() });
  const prev = put(stateKeys.snapshot("shop", "prod", idA), textA);
  const latest = put(stateKeys.snapshot("shop", "prod", idB), textB);
  put(stateKeys.update("shop", "prod", idA), record(idA, now - 12 * 3_600_000));
  put(stateKeys.update("shop", "prod", idB), record(idB, now - 6 * 3_600_000));
  put(stateKeys.app("shop", "prod"), textB);
  return { prev, latest, size: Buffer.byteLength(textB) };
}

export function writeSmallHome(stateRoot: string): void {
  const cp = generateCheckpoint({ app: "shop", stage: "dev", resources: 40, seed: 3 });
  const f = join(stateRoot, "state", stateKeys.app("shop", "dev"));
  mkdirSync(join(f, ".."), { recursive: true });
  writeFileSync(f, serializeCheckpoint(cp));
}

interface Row {
  name: string;
  runs: Measured[];
  floor: Measured[];
  floorName: string;
  target?: { time?: number; label: string };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sst-state-bench-process-"));
  try {
    const preload = join(dir, "rss.cjs");
    writeFileSync(preload, PRELOAD);
    const floorJs = join(dir, "floor.cjs");
    writeFileSync(floorJs, FLOOR);
    const empty = join(dir, "empty.mjs");
    writeFileSync(empty, "");
    const rssFile = join(dir, "rss.out");
    const homeRoot = join(dir, "home");
    const t0 = performance.now();
    const { prev, latest, size } = writeHome(homeRoot);
    writeSmallHome(homeRoot);
    console.log(`generated a local home: shop/prod ${RESOURCES / 1000}k resources (${mb(size)} per version), 2 deploys, in ${ms(performance.now() - t0)}`);
    const project = join(dir, "project");
    mkdirSync(project, { recursive: true });
    const env = { SST_STATE_HOME: "local", SST_STATE_DIR: homeRoot, NO_COLOR: "1", SST_STATE_TABLE: "" };
    const opts = { cwd: project, env, preload, rssFile };
    const cli = (...args: string[]) => () => measure([BIN, ...args], opts);
    const node = (...args: string[]) => () => measure(args, opts);

    // the embedded store exists in the project (created by a first `locks`), as after `sst-state lock`
    const first = await measure([BIN, "locks"], opts);
    if (first.code !== 0) throw new Error(`sst-state locks failed (${first.code}): ${first.err}`);

    const jobs: { key: string; fn: () => Promise<Measured> }[] = [
      { key: "floor2", fn: node(floorJs, prev, latest) },
      { key: "diff", fn: cli("diff", "shop/prod", "previous", "latest", "--json") },
      { key: "floor1", fn: node(floorJs, latest) },
      { key: "status", fn: cli("status", "shop/prod", "--json") },
      { key: "diagnose", fn: cli("diagnose", "shop/prod", "--no-probes", "--json") },
    ];
    const results = new Map<string, Measured[]>(jobs.map((j) => [j.key, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const j of jobs) {
        const m = await j.fn();
        if (j.key !== "diagnose" && j.key !== "status" && m.code !== 0) throw new Error(`${j.key} failed (${m.code}): ${m.err.slice(0, 500)}`);
        if ((j.key === "status" || j.key === "diagnose") && (m.code ?? 9) > 1) throw new Error(`${j.key} failed (${m.code}): ${m.err.slice(0, 500)}`);
        results.get(j.key)!.push(m);
      }
    }
    const startJobs: { key: string; fn: () => Promise<Measured> }[] = [
      { key: "node", fn: node(empty) },
      { key: "locks", fn: cli("locks") },
      { key: "status-small", fn: cli("status", "shop/dev") },
    ];
    const start = new Map<string, Measured[]>(startJobs.map((j) => [j.key, []]));
    for (let i = 0; i < START_RUNS; i++) {
      for (const j of startJobs) {
        const m = await j.fn();
        if ((m.code ?? 9) > 1) throw new Error(`${j.key} failed (${m.code}): ${m.err.slice(0, 500)}`);
        start.get(j.key)!.push(m);
      }
    }

    const t = (k: string, from = results) => median(from.get(k)!.map((m) => m.ms));
    const r = (k: string, from = results) => median(from.get(k)!.map((m) => m.rss));
    const c = (k: string, from = results) => median(from.get(k)!.map((m) => m.cpu));
    const rows: string[][] = [];
    const row = (name: string, k: string, floorName: string, fk: string, target: number, from = results) =>
      rows.push([
        name,
        ms(t(k, from)),
        `${floorName} ${ms(t(fk, from))}`,
        `${(t(k, from) / t(fk, from)).toFixed(2)}×`,
        `${ms(c(k, from))} / ${ms(c(fk, from))} = ${(c(k, from) / c(fk, from)).toFixed(2)}×`,
        `${mb(r(k, from))} / ${mb(r(fk, from))} = ${(r(k, from) / r(fk, from)).toFixed(2)}×`,
        `≤ ${target}× ${t(k, from) / t(fk, from) <= target ? "ok" : "MISSED"}`,
      ]);
    row("diff previous latest", "diff", "read+parse both", "floor2", 1.0);
    row("status", "status", "read+parse one", "floor1", 1.0);
    row("diagnose --no-probes", "diagnose", "read+parse one", "floor1", 1.5);
    for (const [name, k] of [
      ["start-up: locks (embedded store)", "locks"],
      ["start-up: status 40 resources (embedded store)", "status-small"],
    ] as const) {
      rows.push([name, ms(t(k, start)), `empty node ${ms(t("node", start))}`, `+${ms(t(k, start) - t("node", start))}`, `${ms(c(k, start))} / ${ms(c("node", start))}`, `${mb(r(k, start))} / ${mb(r("node", start))}`, `≤ 300 ms ${t(k, start) <= 300 ? "ok" : "MISSED"}`]);
    }
    const head = ["whole process", "time (median)", "floor (same run)", "× floor", "CPU time / floor's", "peak RSS / floor's", "target (time)"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
    console.log(line(head));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const x of rows) console.log(line(x));
    console.log(
      `(${RUNS} runs each for 50k, ${START_RUNS} for start-up, in turns; wall time spawn → exit; peak RSS from process.resourceUsage() at exit; ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
