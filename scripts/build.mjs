// Bundles the entry points with esbuild (and regroups the CLI's chunks with rolldown, `regroup`).
// Run by `npm install` (postinstall), `npm test` (pretest) and `npm run bench`: about 5 s here (the
// CLI's split and regroup with their source maps ~3 s, the code cache of its dynalite bundle ~1 s).
import { spawnSync } from "node:child_process";
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, sep } from "node:path";
import ingressPlugins, { builtinsAsCommonJs } from "./ingress-plugins.mjs";

const root = new URL("..", import.meta.url).pathname;
// CommonJS dependencies (Bolt, express) call require(); give the ESM bundle one. esbuild puts the
// banner on every output file, but only a file whose code names `require` uses it (7 of the CLI's
// ~140 chunks). `/* @__PURE__ */` lets the CLI's regroup (rolldown, which honours the annotation)
// drop each createRequire call whose `require` is unused (~0.1 ms each at start). rolldown keeps
// the unused import of node:module itself: Node makes that module's namespace once per process,
// and the entry's banner imports it anyway. The functions' builds keep every banner, as
// SST's do.
const banner = {
  js: "import { createRequire as __sstStateCreateRequire } from 'node:module'; const require = /* @__PURE__ */ __sstStateCreateRequire(import.meta.url);",
};

/**
 * `import text from "./file?raw"` (as Vite reads it in tests): the file's text, bundled. The local
 * Slack page's HTML, CSS and JS reach the CLI bundle this way.
 */
const rawFiles = {
  name: "raw-files",
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: join(args.resolveDir, args.path.slice(0, -"?raw".length)), namespace: "raw-file" }));
    b.onLoad({ filter: /.*/, namespace: "raw-file" }, (args) => ({ contents: readFileSync(args.path, "utf8"), loader: "text", watchFiles: [args.path] }));
  },
};

/**
 * `@aws-sdk/credential-provider-node` → packages/adapters/lazy-aws-credentials.ts, which imports
 * the real one when a client first needs credentials (see there). The shim's own import of it
 * resolves normally, into a chunk of its own.
 */
const lazyAwsCredentials = {
  name: "lazy-aws-credentials",
  setup(b) {
    const shim = join(root, "packages/adapters/lazy-aws-credentials.ts");
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

/**
 * dynalite (the embedded store) and its LevelDB as one CommonJS file beside the CLI:
 * loading them from ~70 files of node_modules was ~12 ms more of every `locks` and `status`
 * (paired runs). dynalite picks its handlers by name (`require('./actions/' + action)`, index.js
 * L185–187 in dynalite 4.0.0); esbuild bundles such a require as a glob of the folder keyed by file
 * name (esbuild's API docs, "Glob-style imports"), so the extension is added for the keys to match. It requires all 17 handlers and their
 * validations at load, and `https` (L2) for its `ssl` option: here each handler loads when a
 * request first names it (a getter on the same maps, L390 and L403 read them), and `https` only
 * for `ssl`, which the embedded store never sets (~5 ms of every `locks` and `status`). Its one `url.parse` (L291, the request's
 * query, read only for its keys) becomes WHATWG URL's: from outside node_modules, Node 24 and later
 * warn about `url.parse` on stderr (DEP0169, an application-code-only runtime deprecation: nodejs/node#55017). `level` is dynalite's own (resolved from its folder).
 * Only classic-level's native addon stays outside, required by its path under node_modules as
 * node-gyp-build picks it at build time (below), with classic-level's `binding.js` as the fallback;
 * the build checks that both are those of the classic-level bundled. The files
 * keep their sloppy mode (`tsconfigRaw: {}`: the repository's `strict` would add "use strict").
 */
const dynaliteBundle = {
  name: "dynalite-bundle",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]dynalite[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const named = source
        .replace("require('./actions/' + action)", "require('./actions/' + action + '.js')")
        .replace("require('./validations/' + action)", "require('./validations/' + action + '.js')")
        .replace("url.parse(req.url, true).query", "Object.fromEntries(new URL(req.url, 'http://localhost').searchParams)")
        .replace("  https = require('https'),\n", "")
        .replace("server = https.createServer(", "server = require('https').createServer(")
        .replace(
          "  actions[action] = require('./actions/' + action + '.js')\n\n  actionValidations[action] = require('./validations/' + action + '.js')",
          "  Object.defineProperty(actions, action, { enumerable: true, get: () => require('./actions/' + action + '.js') })\n  Object.defineProperty(actionValidations, action, { enumerable: true, get: () => require('./validations/' + action + '.js') })",
        );
      if (named.includes("+ action)") || named.includes("url.parse(") || /\bhttps = require|\bhttps\.createServer|actions\[action\] = /.test(named)) {
        throw new Error("dynalite's index.js no longer reads as scripts/build.mjs expects: look at dynaliteBundle");
      }
      return { contents: named, loader: "js", resolveDir: args.path.replace(/[\\/][^\\/]*$/, "") };
    });
    b.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]classic-level[\\/]/.test(args.importer)) return undefined;
      const atRunTime = createRequire(b.initialOptions.outfile).resolve("classic-level/binding.js");
      if (dirname(atRunTime) !== dirname(args.importer)) {
        throw new Error(`dist/dynalite.cjs would load the native binding of ${dirname(atRunTime)} but bundles the classic-level of ${dirname(args.importer)}: look at dynaliteBundle`);
      }
      return { path: atRunTime, namespace: "classic-level-binding" };
    });
    b.onResolve({ filter: /^classic-level\//, namespace: "classic-level-binding" }, (args) => ({ path: args.path, external: true }));
    // classic-level's binding.js is `require('node-gyp-build')(__dirname)`, which reads the addon's
    // folders at every start to pick the prebuilt addon for this platform, Node and libc (~2 ms;
    // node-gyp-build 4.x node-gyp-build.js `load.path` L25–75: build/Release, then readdirSync of
    // prebuilds/ and of prebuilds/<platform>-<arch>/, L64 and L70). The bundle is built on the
    // machine that runs it (npm install), so it names the addon node-gyp-build picks here, and falls
    // back to binding.js if that one does not load. node-gyp-build's run-time overrides
    // (PREBUILDS_ONLY L9, LIBC L15, <NAME>_PREBUILD L30) therefore apply when the bundle is built.
    b.onLoad({ filter: /.*/, namespace: "classic-level-binding" }, (args) => {
      const nodeGypBuild = createRequire(args.path)("node-gyp-build");
      const addon = nodeGypBuild.path(dirname(args.path));
      const spec = `classic-level/${relative(dirname(args.path), addon).split(sep).join("/")}`;
      if (createRequire(b.initialOptions.outfile).resolve(spec) !== addon) {
        throw new Error(`dist/dynalite.cjs would not find classic-level's addon ${addon} as ${spec}: look at dynaliteBundle`);
      }
      return {
        contents: `try { module.exports = require(${JSON.stringify(spec)}); } catch { module.exports = require("classic-level/binding.js"); }`,
        loader: "js",
      };
    });
    b.onResolve({ filter: /^level$/ }, async (args) => {
      if (args.pluginData === "dynalite-level") return undefined;
      const dynaliteDir = (await b.resolve("dynalite/package.json", { resolveDir: root + "packages/adapters", kind: "require-call" })).path.replace(/[\\/][^\\/]*$/, "");
      return b.resolve("level", { resolveDir: dynaliteDir, kind: args.kind, pluginData: "dynalite-level" });
    });
  },
};

export const entries = [
  // The CLI is split: each command (and what only it needs: Bolt for serve, the workflow runner
  // for diagnose, …) is a chunk loaded when that command runs, so `status` does not parse the
  // whole bot first.
  // Start-up is parse time of what a command loads: whitespace and syntax are minified (names are
  // kept, so error names and stack traces read as in the source), and the AWS credential chain is
  // loaded on first use.
  // What `status` and `locks` load on the local home and the embedded store is regrouped into
  // one chunk (startChunk below).
  {
    in: "packages/cli/main.ts",
    out: "packages/cli/dist/sst-state.mjs",
    split: true,
    startChunk: [
      "packages/cli/commands/status.ts",
      "packages/cli/commands/locks.ts",
      "packages/adapters/state-store-factory.ts",
      "packages/adapters/embedded-dynamo.ts",
      "packages/adapters/dynamodb-lock-store.ts",
      "packages/adapters/dynamodb-approval-store.ts",
      "packages/adapters/dynamodb-audit-log.ts",
      "packages/core/queries.ts",
    ],
    options: { minifyWhitespace: true, minifySyntax: true, mainFields: ["module", "main"], plugins: [lazyAwsCredentials] },
  },
  // The embedded store: dynalite and LevelDB (packages/adapters/embedded-dynamo.ts); main.ts names it next to the CLI's entry.
  {
    in: "packages/adapters/dynalite-bundle-entry.cjs",
    out: "packages/cli/dist/dynalite.cjs",
    options: { format: "cjs", banner: { js: "" }, tsconfigRaw: {}, minifyWhitespace: true, minifySyntax: true, plugins: [dynaliteBundle] },
  },
  // The worker thread that scans the previous version while a diagnosis parses the current one
  // (packages/adapters/index-worker.ts); main.ts names it next to the CLI's entry.
  { in: "packages/adapters/index-worker-entry.ts", out: "packages/cli/dist/index-worker.mjs", options: { minifyWhitespace: true, minifySyntax: true } },
  // The Slack bot's Lambdas: minified and tree-shaken; the ingress stays under 1 MB (cold start
  // is on the ack's path), so it imports Bolt and a small signed async-invoke call only
  // (packages/adapters/lambda-async-invoke.ts, signed by sigv4.ts).
  { in: "packages/functions/ingress.ts", out: "packages/functions/dist/ingress.mjs", options: { minify: true, treeShaking: true, plugins: ingressPlugins } },
  // The others are split as SST bundles them (`nodejs.splitting`, infra/defaults.ts): what the
  // composition root loads by `import()` (the state store, the restore service, the verb map) is a
  // chunk of its own, so a function parses only what it calls. Each function's chunks sit in
  // dist/<name>-chunks/.
  { in: "packages/functions/worker.ts", out: "packages/functions/dist/worker.mjs", split: true, options: { minify: true, treeShaking: true } },
  // The lock announcer on the table's stream: WebClient, the table and the pure lock code at start.
  { in: "packages/functions/lock-announcer.ts", out: "packages/functions/dist/lock-announcer.mjs", split: true, options: { minify: true, treeShaking: true } },
  // The deploy feed's scheduled function: S3 listing, the table, WebClient and core/feed.
  { in: "packages/functions/deploy-feed.ts", out: "packages/functions/dist/deploy-feed.mjs", split: true, options: { minify: true, treeShaking: true } },
];

export async function build(list = entries, extra = {}) {
  await Promise.all(
    list.map(async (e) => {
      const dir = root + e.out.replace(/\/[^/]+$/, "");
      mkdirSync(dir, { recursive: true });
      // the CLI's chunks in dist/chunks (its only split entry), a function's in dist/<name>-chunks
      const chunks = e.out.startsWith("packages/cli/") ? "chunks" : `${basename(e.out, ".mjs")}-chunks`;
      // an entry with a start chunk is split into a staging folder first (regroup, below)
      const splitDir = e.startChunk ? `${dir}/.split` : dir;
      const output = e.split
        ? (rmSync(`${dir}/${chunks}`, { recursive: true, force: true }),
          e.startChunk && rmSync(splitDir, { recursive: true, force: true }),
          { outdir: splitDir, splitting: true, entryNames: basename(e.out, ".mjs"), chunkNames: `${chunks}/[name]-[hash]`, outExtension: { ".js": ".mjs" } })
        : { outfile: root + e.out };
      const esm = (e.options?.format ?? "esm") === "esm";
      const result = await esbuild.build({
        entryPoints: [root + e.in],
        absWorkingDir: root, // the metafile's output paths are relative to it
        metafile: true,
        ...output,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "esm",
        banner,
        sourcemap: "linked",
        logLevel: "warning",
        legalComments: "none",
        ...extra,
        ...(e.options ?? {}),
        // the CLI's bundles import built-ins as CommonJS (ingress-plugins.mjs); the ingress brings
        // its own plugins, as SST's bundling of it does (its bundle test checks them); SST bundles the
        // other functions without our plugins, so their dist/ builds do as it does
        plugins: [rawFiles, ...(esm && e.out.startsWith("packages/cli/") ? [builtinsAsCommonJs()] : []), ...(extra.plugins ?? []), ...(e.options?.plugins ?? [])],
      });
      if (e.startChunk) await regroup(e, result.metafile, splitDir, dir);
    }),
  );
}

/**
 * esbuild splits by sets of entry points (each `import()` is one; a chunk holds the code that the
 * same set reaches: esbuild's docs/architecture.md, "Code splitting"), so `status` loaded 37 files
 * of ~100 bytes to 35 KB, and Node's ES module loader spends ~0.6 ms on each here (resolve, read,
 * compile, link). Regrouped, `status` takes 0.93× and `locks` 0.96× as long (paired runs, 3 files
 * each instead of 37 and 25; `--help` 1.04×, as it now parses the start chunk too). esbuild has no
 * way to group chunks (evanw/esbuild#207 and #1128, open), so rolldown regroups its output: the
 * files `e.in` loads at start and those of the `import()`s named in `e.startChunk` (with what they
 * import) become ONE chunk, and every other file keeps esbuild's split. rolldown places each module
 * in exactly one chunk, so nothing is loaded twice. A module of the start chunk that was loaded by
 * `import()` now runs at start, in the chunk's order (not strictExecutionOrder): so only a module
 * whose top level merely declares may be named here (those named build constants, create
 * `require`s, and set zod's locale, which `status` did anyway; nothing checks this but review). Only the entry's own code finds
 * files beside it by `import.meta.url` (dynalite.cjs, index-worker.mjs): it stays the entry file,
 * and every chunk stays in chunks/. The source maps go through to the TypeScript sources (esbuild's
 * maps are handed to rolldown with the code).
 */
async function regroup(e, metafile, splitDir, dir) {
  const { rolldown } = await import("rolldown");
  const outputs = metafile.outputs;
  const entryOutput = new Map(Object.entries(outputs).flatMap(([file, o]) => (o.entryPoint ? [[o.entryPoint, file]] : [])));
  const named = e.startChunk.map((source) => {
    const file = entryOutput.get(source);
    if (!file) throw new Error(`${source} (startChunk of ${e.in} in scripts/build.mjs) is no longer loaded with import(): update the list`);
    return file;
  });
  const main = entryOutput.get(e.in);
  const start = new Set();
  const visit = (file) => {
    if (start.has(file)) return;
    start.add(file);
    for (const i of outputs[file].imports) {
      if (!i.external && (i.kind === "import-statement" || (i.kind === "dynamic-import" && named.includes(i.path)))) visit(i.path);
    }
  };
  visit(main);
  for (const [i, file] of named.entries()) {
    if (!start.has(file)) throw new Error(`${e.startChunk[i]} (startChunk of ${e.in} in scripts/build.mjs) is not imported from the start chunk any more: update the list`);
  }
  start.delete(main); // the entry file stays the entry's code
  const inStart = new Set([...start].map((f) => join(root, f)));
  const inputMaps = {
    name: "esbuild-source-maps",
    load(id) {
      if (!id.startsWith(splitDir + "/")) return null;
      const code = readFileSync(id, "utf8");
      return existsSync(`${id}.map`) ? { code, map: readFileSync(`${id}.map`, "utf8") } : { code };
    },
  };
  let bundle;
  try {
    bundle = await rolldown({
      input: { [basename(e.out, ".mjs")]: join(root, main) },
      platform: "node",
      // esbuild's output imports nothing but Node's built-ins
      external: (id) => !id.startsWith(".") && !id.startsWith("/"),
      plugins: [inputMaps],
      // a warning means the regrouped output may differ from esbuild's (its timing notes are off)
      checks: { bundlerTimings: false },
      onLog(level, log) {
        if (level === "warn") throw new Error(`rolldown warned while regrouping ${e.out}: ${log.message}`);
      },
    });
    await bundle.write({
      dir,
      format: "esm",
      entryFileNames: "[name].mjs",
      chunkFileNames: "chunks/[name]-[hash].mjs",
      sourcemap: true,
      // esbuild's output is minified in whitespace and syntax already, with names kept: so it stays;
      // non-ASCII is escaped as esbuild's default charset does (else V8 holds the file as UTF-16)
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: true, asciiOnly: true } },
      // (rolldown's helper for the namespaces of those import()s is a file of its own, ~300 bytes:
      // an SDK chunk uses it too, and groups are not offered rolldown's runtime module)
      codeSplitting: { groups: [{ name: "start", test: (id) => inStart.has(id) }] },
    });
  } finally {
    await bundle?.close();
    rmSync(splitDir, { recursive: true, force: true });
  }
}

/**
 * The code cache of the CLI's bundle of dynalite (packages/adapters/code-cache.ts), made by loading
 * and using it as `locks` and `status` do (scripts/warm-code-cache.ts). Without it the CLI works,
 * ~10 ms slower to start, so a failure here is a warning.
 */
export function warmCodeCache() {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/warm-code-cache.ts", "packages/cli/dist/dynalite.cjs"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const why = r.signal ? `stopped by ${r.signal}` : (r.stderr || r.error?.message || "").trim().slice(0, 500);
    process.stderr.write(`warning: no code cache for packages/cli/dist/dynalite.cjs (the CLI starts ~10 ms slower): ${why}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build();
  warmCodeCache();
}
