/**
 * What `locks` and `status` load (the built CLI, as a user runs it): on the embedded store they
 * talk to dynalite without the SDK's DynamoDB client (adapters/table-client.ts: it is ~75 ms of a
 * ~300 ms start-up); with SST_STATE_TABLE they load it, as they must. Node logs every ES module it
 * loads under NODE_DEBUG=esm ("Storing file:///… in ModuleLoadMap"); the test reads the chunks
 * named there. The SDK's client is the chunk that defines the class DynamoDBClient (the bundle keeps
 * names); the second case shows that this finds it when it is loaded. dynalite and its LevelDB
 * come from the CLI's one-file bundle of them (dist/dynalite.cjs), not from ~70 files of
 * node_modules: NODE_DEBUG=module logs each CommonJS file Node's loader loads (`load "<path>"`).
 * Built-in modules are read from `process.moduleLoadList`, an undocumented list Node 20 keeps: each
 * built-in is pushed as `NativeModule <id>` when it is compiled (lib/internal/bootstrap/realm.js,
 * BuiltinModule.prototype.compileForInternalLoader).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { generateHome } from "@sst-state/core/state/generate-home";
import { LAZY_BUILTINS, READ_LAZY_BUILTIN } from "@sst-state/test-kit/lazy-builtins";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { binPath, dynamoTableEnv, runBin, tempDir } from "../helpers.ts";

/**
 * The `require`s that scripts/build.mjs's banner makes (for CommonJS code in an ES module bundle),
 * and those that nothing uses: a name no other code names, or a call whose result is thrown away.
 */
function bannerRequires(text: string): { made: string[]; unused: string[] } {
  const made = [...text.matchAll(/\bconst ([\w$]+)=\/\*\s*[@#]__PURE__\s*\*\/\s*[\w$]+\(import\.meta\.url\)/g)].map((m) => m[1]!);
  const unused = made.filter((name) => text.split(new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])`)).length <= 2);
  const bare = [...text.matchAll(/(?:^|[;{}])(?:\/\*\s*[@#]__PURE__\s*\*\/\s*)?[\w$]*[cC]reateRequire[\w$]*\(import\.meta\.url\);/g)].map((m) => m[0]);
  return { made, unused: [...unused, ...bare] };
}
// esbuild writes the class as `var DynamoDBClient=class extends Client`
const SDK_CLIENT = /\bDynamoDBClient=class\b|\bclass DynamoDBClient\b/;

/** The bundle's files a run loaded, from Node's ESM debug log. */
function loadedBundleFiles(stderr: string): string[] {
  const files = new Set<string>();
  for (const m of stderr.matchAll(/Storing (file:\/\/\S+?\/packages\/cli\/dist\/\S+?\.mjs)/g)) files.add(fileURLToPath(m[1]!));
  return [...files];
}

const loadsSdkClient = (files: string[]) => files.some((f) => SDK_CLIENT.test(readFileSync(f, "utf8")));

async function project() {
  const root = tempDir("sst-state-start-up-");
  const { files } = generateHome({ app: "shop", seed: 5, stages: [{ name: "dev", resources: 40, deploys: 1 }] });
  await writeLocalHome(join(root, "home"), files);
  return { root, env: { SST_STATE_HOME: "local", SST_STATE_DIR: join(root, "home"), NO_COLOR: "1" } };
}

describe("start-up modules", () => {
  it("runs locks and status on the embedded store without loading the SDK's DynamoDB client", async () => {
    // Prepare: a lock taken, so both commands read it from the store
    const { root, env } = await project();
    const lock = await runBin(["lock", "shop/dev", "--reason", "release"], { env, cwd: root });
    expect(lock.code).toBe(0);
    const traced = { ...env, NODE_DEBUG: "esm,module" };
    // Act
    const locks = await runBin(["locks"], { env: traced, cwd: root });
    const status = await runBin(["status", "shop/dev"], { env: traced, cwd: root });
    // Assess: they worked, on the store
    expect(locks.code).toBe(0);
    expect(locks.stdout).toMatch(/shop\/dev\s+\S+\s+release/);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/deploy lock\s+held by .* for "release"/);
    // ... and the SDK's client stayed unloaded
    const [forLocks, forStatus] = [loadedBundleFiles(locks.stderr), loadedBundleFiles(status.stderr)];
    expect(loadsSdkClient(forLocks)).toBe(false);
    expect(loadsSdkClient(forStatus)).toBe(false);
    // ... from the entry and the start chunk (and rolldown's helper for namespaces), not from
    // esbuild's ~37 files: scripts/build.mjs regroups them (a new import() on their way that is not
    // in its `startChunk` list adds files here)
    for (const files of [forLocks, forStatus]) {
      expect(files.map((f) => f.replace(/.*[\\/]dist[\\/]/, "").replace(/-[\w-]{8}\.mjs$/, ".mjs")).sort()).toEqual(["chunks/rolldown-runtime.mjs", "chunks/start.mjs", "sst-state.mjs"]);
    }
    // ... and only a module that uses its `require` keeps the banner that makes one: the banner is
    // marked pure, so the regroup drops the others (a createRequire call at start each otherwise,
    // left as a bare statement when only the unused name is dropped)
    const banners = [...new Set([...forLocks, ...forStatus])].map((file) => ({ file, ...bannerRequires(readFileSync(file, "utf8")) }));
    for (const { file, unused } of banners) expect({ file, unused }).toEqual({ file, unused: [] });
    // (the start chunk keeps one, for esbuild's __require helper: the check sees the banner's form)
    expect(banners.find((b) => /[\\/]start-[^\\/]+\.mjs$/.test(b.file))?.made.length).toBeGreaterThan(0);
    // ... and their text is ASCII (non-ASCII is escaped, as esbuild's default charset does): one
    // character above 0x7F makes V8 hold the whole file as a two-byte string, and scan it as one
    for (const file of new Set([...forLocks, ...forStatus])) expect({ file, ascii: /^[\x00-\x7f]*$/.test(readFileSync(file, "latin1")) }).toEqual({ file, ascii: true });
    // ... and dynalite came from the CLI's bundle of it (run through vm.Script by adapters/code-cache.ts,
    // so Node's loader does not log it): of node_modules, only classic-level's native addon loads,
    // by the path the build found it at (not through binding.js and node-gyp-build)
    const loadedCjs = [...locks.stderr.matchAll(/ load "([^"]+)"/g)].map((m) => m[1]!);
    expect(loadedCjs.filter((f) => /[\\/]node_modules[\\/]/.test(f))).toEqual([expect.stringMatching(/[\\/]classic-level[\\/].+\.node$/)]);
    expect(loadedCjs.filter((f) => /[\\/]node_modules[\\/](dynalite|level|abstract-level|memory-level)[\\/]/.test(f))).toEqual([]);
  }, 60_000);

  it("ends locks and status on the embedded store before sharing it: no HTTP server loaded", async () => {
    // Prepare: a lock taken (the owner process of `lock` ended), and a preload that records Node's
    // built-in modules. SST_STATE_SHARE_AFTER is long here (default 250ms), so a busy test machine
    // cannot make a command outlive it; 0s shares at once and loads the server.
    const { root, env } = await project();
    expect((await runBin(["lock", "shop/dev", "--reason", "release"], { env, cwd: root })).code).toBe(0);
    const preload = join(root, "builtins.cjs");
    writeFileSync(preload, 'process.on("exit", () => require("node:fs").writeFileSync(process.env.BUILTINS_OUT, JSON.stringify(process.moduleLoadList)));');
    const run = async (args: string[], shareAfter: string) => {
      const out = join(root, `${args[0]}-${shareAfter}.json`);
      const r = await runBin(args, { env: { ...env, SST_STATE_SHARE_AFTER: shareAfter, NODE_OPTIONS: `--require ${preload}`, BUILTINS_OUT: out }, cwd: root });
      return { r, builtins: JSON.parse(readFileSync(out, "utf8")) as string[] };
    };
    // Act
    const locks = await run(["locks"], "60s");
    const status = await run(["status", "shop/dev"], "60s");
    const shared = await run(["locks"], "0s");
    const bad = await runBin(["locks"], { env: { ...env, SST_STATE_SHARE_AFTER: "soon" }, cwd: root });
    const tooLong = await runBin(["locks"], { env: { ...env, SST_STATE_SHARE_AFTER: "30d" }, cwd: root });
    // Assess: all read the lock from the store, which each process owned (dynalite in-process)
    for (const { r } of [locks, shared]) expect(r.stdout).toMatch(/shop\/dev\s+\S+\s+release/);
    expect(status.r.stdout).toMatch(/deploy lock\s+held by .* for "release"/);
    for (const { builtins } of [locks, status]) {
      expect(builtins).not.toContain("NativeModule _http_server");
      expect(builtins).not.toContain("NativeModule _http_client");
      // ... nor what a built-in's lazy getters load: the bundle and the bin import built-ins as
      // CommonJS (scripts/ingress-plugins.mjs builtinsAsCommonJs), as an ES module import runs them all
      expect(builtins.filter((m) => LAZY_BUILTINS.some((id) => m === `NativeModule ${id}`))).toEqual([]);
      // (the command parser reads util.parseArgs: the ids are still Node's)
      expect(builtins).toContain(`NativeModule ${READ_LAZY_BUILTIN}`);
    }
    expect(shared.builtins).toContain("NativeModule _http_server");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SST_STATE_SHARE_AFTER must be a duration such as 250ms or 2s, not "soon".');
    // (longer than a timer can wait: it would share at once)
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('SST_STATE_SHARE_AFTER must be a duration such as 250ms or 2s, not "30d".');
  }, 60_000);

  it("runs the top level of every chunk of the bundle: no module meets a built-in it imports unset", () => {
    // Prepare: the bundle imports built-ins through `require`, bound where each module's code starts
    // (scripts/ingress-plugins.mjs builtinsAsCommonJs), not before any module runs as ES imports are
    const chunks = fileURLToPath(new URL("../../dist/chunks/", import.meta.url));
    const script = `import { readdirSync } from "node:fs";
const failed = [];
const files = readdirSync(process.argv[1]).filter((f) => f.endsWith(".mjs"));
for (const f of files) await import(process.argv[1] + f).catch((e) => failed.push(f + ": " + e.message));
console.log(JSON.stringify({ loaded: files.length - failed.length, failed }));
process.exit(0);`;
    // Act
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, chunks], { encoding: "utf8", env: { PATH: process.env.PATH }, timeout: 30_000 });
    // Assess: every chunk ran (their top levels declare, make `require`s and set zod's locale:
    // this starts nothing). One process loads them in name order, not in the CLI's own order: a
    // chunk loaded earlier here could hide an order that fails there; `locks` and `status` above
    // and the CLI tests run the real orders
    const got = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { loaded: number; failed: string[] };
    expect(got.failed).toEqual([]);
    expect(got.loaded).toBeGreaterThan(50);
  }, 60_000);

  it("tells a missing build from the bin, and lets a broken build's own error through", async () => {
    // Prepare: the bin alone (no dist/ beside it), then with a bundle whose chunk is missing
    const root = tempDir("sst-state-bin-");
    mkdirSync(join(root, "bin"));
    copyFileSync(binPath, join(root, "bin/sst-state.mjs"));
    const run = () => runBin(["--help"], { cwd: root, bin: join(root, "bin/sst-state.mjs") });
    // Act
    const unbuilt = await run();
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "dist/sst-state.mjs"), 'import "./chunks/gone.mjs";\n');
    const broken = await run();
    // Assess
    expect(unbuilt).toMatchObject({ code: 2, stdout: "" });
    expect(unbuilt.stderr).toBe("sst-state is not built yet: run `npm install` (or `npm run build`) at the repository root.\n");
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("Cannot find module");
    expect(broken.stderr).toContain("chunks/gone.mjs");
    expect(broken.stderr).not.toContain("not built yet");
  }, 30_000);

  it("loads node:zlib for a gzip state only (state.compress), and reads both", async () => {
    // Prepare: the same stage plain and gzipped, and a preload that records Node's built-in modules
    const root = tempDir("sst-state-start-up-gzip-");
    for (const [dir, compress] of [["plain", false], ["gzip", true]] as const) {
      const { files } = generateHome({ app: "shop", seed: 5, compress, stages: [{ name: "dev", resources: 40, deploys: 1 }] });
      await writeLocalHome(join(root, dir), files);
    }
    const preload = join(root, "builtins.cjs");
    writeFileSync(preload, 'process.on("exit", () => require("node:fs").writeFileSync(process.env.BUILTINS_OUT, JSON.stringify(process.moduleLoadList)));');
    const run = async (dir: string) => {
      const out = join(root, `${dir}.json`);
      const env = { SST_STATE_HOME: "local", SST_STATE_DIR: join(root, dir), NO_COLOR: "1", NODE_OPTIONS: `--require ${preload}`, BUILTINS_OUT: out };
      const r = await runBin(["status", "shop/dev", "--json"], { env, cwd: root });
      return { r, builtins: JSON.parse(readFileSync(out, "utf8")) as string[] };
    };
    // Act
    const plain = await run("plain");
    const gzip = await run("gzip");
    // Assess: the same status, and zlib only where the bytes were gzip
    expect(plain.r.code).toBe(0);
    expect(gzip.r.code).toBe(0);
    const resources = (r: { stdout: string }) => (JSON.parse(r.stdout) as { resources: number }).resources;
    expect(resources(plain.r)).toBeGreaterThan(0);
    expect(resources(gzip.r)).toBe(resources(plain.r));
    expect(plain.builtins).not.toContain("NativeModule zlib");
    expect(gzip.builtins).toContain("NativeModule zlib");
  }, 60_000);

  it("loads it for a DynamoDB table (SST_STATE_TABLE), where it carries the calls", async () => {
    // Prepare
    const { root, env } = await project();
    const table = `start-up-${Date.now().toString(36)}`;
    const client = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials, maxAttempts: 10 });
    await ensureTable(client, table).finally(() => client.destroy());
    const onTable = { ...env, ...dynamoTableEnv(table, inject("dynamoEndpoint")) };
    const made = await runBin(["lock", "shop/dev", "--reason", "release"], { env: onTable, cwd: root, timeoutMs: 60_000 });
    expect(made.code).toBe(0);
    // Act
    const locks = await runBin(["locks"], { env: { ...onTable, NODE_DEBUG: "esm" }, cwd: root, timeoutMs: 60_000 });
    // Assess
    expect(locks.stdout).toMatch(/shop\/dev\s+\S+\s+release/);
    expect(loadsSdkClient(loadedBundleFiles(locks.stderr))).toBe(true);
  }, 90_000);
});
