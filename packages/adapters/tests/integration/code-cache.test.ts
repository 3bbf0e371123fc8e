/**
 * A CommonJS file run from V8's code cache beside it (code-cache.ts): the cache is used only while
 * it belongs to the file as it is, and the build's cache of the CLI's dynalite bundle is one a
 * process uses. Each load is a new process, as a command is (a process loads a file once).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cacheFileOf } from "../../code-cache.ts";

const MODULE = fileURLToPath(new URL("../../code-cache.ts", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** In a new process: load `file` (and write its cache when asked); what it exported and whether the cache was used. */
function load(file: string, opts: { write?: boolean; call?: string } = {}): { value: unknown; cacheUsed: boolean | null } {
  const script = `
const { requireWithCodeCache, writeCodeCache } = await import(${JSON.stringify(MODULE)});
const got = requireWithCodeCache(process.env.FILE);
const value = ${opts.call ? `got.exports[${JSON.stringify(opts.call)}]` : "got.exports.value"};
if (process.env.WRITE) writeCodeCache(process.env.FILE);
console.log(JSON.stringify({ value: typeof value === "function" ? typeof value : value, cacheUsed: got.cacheUsed ?? null }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, NODE_OPTIONS: "", FILE: file, ...(opts.write ? { WRITE: "1" } : {}) },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`load failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { value: unknown; cacheUsed: boolean | null };
}

function cjsFile(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sst-state-code-cache-"));
  dirs.push(dir);
  const file = join(dir, "lib.cjs");
  writeFileSync(file, source);
  return file;
}

describe("code cache", () => {
  it("runs the file without a cache, then from the cache written after it ran", () => {
    // Prepare
    const file = cjsFile(`const path = require("node:path"); exports.value = [path.basename(__filename), typeof module, (() => 40 + 2)()];`);
    // Act
    const first = load(file, { write: true });
    const second = load(file);
    // Assess
    expect(first).toEqual({ value: ["lib.cjs", "object", 42], cacheUsed: null });
    expect(existsSync(cacheFileOf(file))).toBe(true);
    expect(second).toEqual({ value: ["lib.cjs", "object", 42], cacheUsed: true });
  });

  it("does not use a cache made from other text of the same length: the file's new code runs", () => {
    // Prepare: a cache of `1`, then the file rewritten to `2` (same length, V8 alone would take the cache)
    const file = cjsFile("exports.value = 1;");
    load(file, { write: true });
    const before = statSync(file);
    writeFileSync(file, "exports.value = 2;");
    utimesSync(file, before.atime, new Date(before.mtimeMs + 5_000));
    // Act
    const after = load(file);
    // Assess
    expect(after).toEqual({ value: 2, cacheUsed: false });
  });

  it("runs the file when the cache is damaged", () => {
    // Prepare
    const file = cjsFile("exports.value = 'ok';");
    load(file, { write: true });
    const raw = readFileSync(cacheFileOf(file));
    const nl = raw.indexOf(10);
    writeFileSync(cacheFileOf(file), Buffer.concat([raw.subarray(0, nl + 1), Buffer.alloc(raw.length - nl - 1, 7)]));
    // Act
    const damaged = load(file);
    writeFileSync(cacheFileOf(file), "not a header\n");
    const garbage = load(file);
    // Assess
    expect(damaged).toEqual({ value: "ok", cacheUsed: false });
    expect(garbage).toEqual({ value: "ok", cacheUsed: false });
  });

  it("has a cache of the CLI's dynalite bundle, from the build, that a process uses", () => {
    // Prepare: dist/dynalite.cjs and its cache as `npm install` / pretest build them (scripts/build.mjs)
    const bundle = fileURLToPath(new URL("../../../cli/dist/dynalite.cjs", import.meta.url));
    expect(existsSync(cacheFileOf(bundle))).toBe(true);
    // Act
    const got = load(bundle, { call: "direct" });
    // Assess
    expect(got).toEqual({ value: "function", cacheUsed: true });
  });
});
