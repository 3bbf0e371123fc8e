/**
 * A CommonJS file loaded through V8's code cache kept beside it, for the embedded store's bundle of
 * dynalite and LevelDB (packages/cli/dist/dynalite.cjs, ~390 KB), which every `locks` and `status`
 * loads: compiling it, and then compiling lazily the functions its first requests run (dynalite's
 * expression parsers), is ~10 ms of each run that a cache made after those requests saves
 * (measured with paired runs). The build writes the cache (scripts/warm-code-cache.ts); nothing
 * writes one at run time.
 *
 *   <file>.cache   {"size":<bytes of file>,"mtimeMs":<its mtime>}\n then V8's cached data
 *
 * The header ties the cache to the file it was made from. V8 checks its data against the source's
 * length, its own version and its flags only (V8's src/snapshot/code-serializer.cc, as in Node 20's
 * deps/v8: `SerializedCodeData::SourceHash` is `source_length | is_module`, `SanityCheckWithoutSource`
 * compares the version and flag hashes; it rejects data made by another Node, or with other flags:
 * the file then compiles as usual), so a rebuilt file of the same length must not meet the old
 * cache (code-cache.test.ts shows V8 running the old code then): the size and mtime of the file
 * must be the ones written in the header, else the cache is not used; nor is it when the file changes while it is read. The file runs once per process
 * (as `require` would; not in `require.cache`: nothing else requires it) in the wrapper Node's
 * loader gives CommonJS files (`Module.wrap`'s `wrapper`, lib/internal/modules/cjs/loader.js), with `exports`, a `require` made for its path, `module.exports`,
 * `__filename` and `__dirname`: enough for the bundle, which uses no dynamic `import()`, hashbang or
 * other field of `module`. Its first line is read with the wrapper before it (stack columns there
 * are off by the wrapper's length).
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Script } from "node:vm";
import { replaceFileSync } from "./replace-file-sync.ts";

const requireHere = createRequire(import.meta.url);

/** What loaded a file here: its script (to make a cache from after it ran) and whether V8 took the cache. */
export interface CachedLoad {
  exports: unknown;
  /** true: the cache was used; false: V8 or the header refused it; undefined: there was none */
  cacheUsed: boolean | undefined;
  script: Script;
  /** the file's size and mtime as it was read; undefined if it changed while it was read */
  read: Header | undefined;
}

interface Header {
  size: number;
  mtimeMs: number;
}

export const cacheFileOf = (file: string) => `${file}.cache`;

const stamp = (file: string): Header => {
  const s = statSync(file);
  return { size: s.size, mtimeMs: s.mtimeMs };
};

/** The cache's data, if its header names the file as it was read (`read`). */
function readCache(file: string, read: Header | undefined): Buffer | undefined | false {
  let raw: Buffer;
  try {
    raw = readFileSync(cacheFileOf(file));
  } catch {
    return undefined;
  }
  const nl = raw.indexOf(10);
  try {
    const header = JSON.parse(raw.subarray(0, nl).toString("utf8")) as Header;
    if (nl > 0 && read && header.size === read.size && header.mtimeMs === read.mtimeMs) return raw.subarray(nl + 1);
  } catch {
    /* unreadable: not used */
  }
  return false;
}

const loaded = new Map<string, CachedLoad>();

/** Runs `file` as Node runs a CommonJS file (once), compiled from its code cache when that is current. */
export function requireWithCodeCache(file: string): CachedLoad {
  const done = loaded.get(file);
  if (done) return done;
  const vm = requireHere("node:vm") as typeof import("node:vm");
  // the text and the size and mtime it had: the same before and after it was read, or none
  const before = stamp(file);
  const source = readFileSync(file, "utf8");
  const after = stamp(file);
  const read = before.size === after.size && before.mtimeMs === after.mtimeMs ? after : undefined;
  const cached = readCache(file, read);
  // the wrapper of Node's CommonJS loader (Module.wrap), so the cache is the one this text makes
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: file,
    ...(cached ? { cachedData: cached } : {}),
  });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const load = { exports: module.exports, cacheUsed: cached === undefined ? undefined : cached !== false && !script.cachedDataRejected, script, read };
  loaded.set(file, load);
  return load;
}

/** Writes the cache of a file this process loaded with requireWithCodeCache, after it ran (so it holds what it compiled lazily); its size. */
export function writeCodeCache(file: string): number {
  const load = loaded.get(file);
  if (!load) throw new Error(`${file} was not loaded with requireWithCodeCache in this process`);
  // the header names the text the cache was made from: a file that changed since is not written for
  const now = stamp(file);
  if (!load.read || load.read.size !== now.size || load.read.mtimeMs !== now.mtimeMs) throw new Error(`${file} changed since it was loaded: its code cache is not written`);
  const data = load.script.createCachedData();
  const header = Buffer.from(JSON.stringify(load.read) + "\n");
  replaceFileSync(cacheFileOf(file), Buffer.concat([header, data]));
  return data.length;
}
