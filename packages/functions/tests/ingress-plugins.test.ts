/**
 * The ingress's esbuild plugin (scripts/ingress-plugins.mjs) as SST's bundler runs it for the
 * deployed function (infra/bot.ts `nodejs.plugins`). SST sends every resolve and load to a node
 * process as `{id, command, value}` (sst/sst pkg/runtime/node/plugin.go at 08fa0a6, `message`),
 * and that process picks callbacks with `new RegExp(options.filter).test(msg.path)`, first reply
 * wins, namespace ignored (platform/functions/nodejs-runtime/plugin.mjs L58, L67): `msg.path` is
 * undefined there, so a filter only matches if it matches "undefined". The host below does exactly
 * that. Under it the plugin must stub what the measured bundle stubs (dist/ingress.mjs, built by
 * scripts/build.mjs with esbuild's own rules, checked by ingress-bundle.test.ts) and leave every
 * other file to esbuild.
 */
import { describe, expect, it } from "vitest";
import plugins from "../../../scripts/ingress-plugins.mjs";

type Callback = (args: Record<string, unknown>) => unknown;
interface Registered {
  options: { filter: RegExp };
  callback: Callback;
}

/** SST's plugin host, as plugin.go and plugin.mjs implement it (see the header). */
function sstHost() {
  const onResolve: Registered[] = [];
  const onLoad: Registered[] = [];
  const api = {
    onResolve: (options: { filter: RegExp }, callback: Callback) => void onResolve.push({ options, callback }),
    onLoad: (options: { filter: RegExp }, callback: Callback) => void onLoad.push({ options, callback }),
    onEnd: () => {},
  };
  for (const plugin of plugins as unknown as { setup(b: typeof api): void }[]) plugin.setup(api);
  let id = 0;
  const first = async (list: Registered[], command: string, value: Record<string, unknown>) => {
    const msg = { id: id++, command, value } as { id: number; command: string; value: Record<string, unknown>; path?: string };
    for (const { options, callback } of list) {
      if (new RegExp(options.filter).test(msg.path as string)) {
        const reply = await callback(msg.value);
        if (reply) return reply;
      }
    }
    return {};
  };
  return {
    resolve: (path: string, importer: string, kind = "require-call") => first(onResolve, "resolve", { path, importer, namespace: "file", resolveDir: "/x", kind }),
    load: (path: string, namespace: string) => first(onLoad, "load", { path, namespace, suffix: "" }),
  };
}

const BOLT = "/repo/node_modules/@slack/bolt/dist/index.js";

describe("ingress plugin under SST's plugin host", () => {
  it.each(["@slack/socket-mode", "express", "express/lib/router", "raw-body", "@slack/oauth", "path-to-regexp"])("stubs %s to an empty module", async (pkg) => {
    // Act
    const resolved = (await sstHost().resolve(pkg, BOLT)) as { path?: string; namespace?: string };
    const loaded = await sstHost().load(resolved.path ?? "", resolved.namespace ?? "");
    // Assess
    expect(resolved).toEqual({ path: pkg, namespace: "stub" });
    expect(loaded).toEqual({ contents: "module.exports = {};", loader: "js" });
  });

  it("stubs Bolt's other receivers when Bolt's index asks for them, not a module of the same name elsewhere", async () => {
    // Act
    const fromBolt = await sstHost().resolve("./receivers/HTTPReceiver", BOLT);
    const elsewhere = await sstHost().resolve("./receivers/HTTPReceiver", "/repo/packages/slack/receivers/index.ts");
    const lambdaReceiver = await sstHost().resolve("./receivers/AwsLambdaReceiver", BOLT);
    // Assess
    expect(fromBolt).toEqual({ path: "./receivers/HTTPReceiver", namespace: "stub" });
    expect(elsewhere).toEqual({});
    expect(lambdaReceiver).toEqual({});
  });

  it("sends @slack/web-api to the ingress's client that refuses every call", async () => {
    // Act
    const resolved = (await sstHost().resolve("@slack/web-api", BOLT)) as { path?: string };
    // Assess
    expect(resolved.path).toMatch(/[\\/]packages[\\/]functions[\\/]ingress-web-api\.ts$/);
  });

  it.each(["process", "node:process"])("gives an import of %s the global process, not Node's module namespace of it", async (name) => {
    // Act: SST's Resource imports `{ env } from "process"`
    const resolved = (await sstHost().resolve(name, "/repo/node_modules/sst/dist/resource/node.js", "import-statement")) as { path?: string; namespace?: string };
    const loaded = await sstHost().load(resolved.path ?? "", resolved.namespace ?? "");
    // Assess
    expect(resolved).toEqual({ path: "node:process", namespace: "builtin-as-cjs" });
    expect(loaded).toEqual({ contents: "module.exports = globalThis.process;", loader: "js" });
  });

  it.each([
    ["node:crypto", "node:crypto"],
    ["util", "node:util"],
    ["fs/promises", "node:fs/promises"],
  ])("gives an import of %s the built-in through require, which runs none of its lazy getters", async (name, id) => {
    // Act
    const resolved = (await sstHost().resolve(name, "/repo/packages/slack/receivers/request-guard.ts", "import-statement")) as { path?: string; namespace?: string };
    const loaded = await sstHost().load(resolved.path ?? "", resolved.namespace ?? "");
    // Assess
    expect(resolved).toEqual({ path: id, namespace: "builtin-as-cjs" });
    expect(loaded).toEqual({ contents: `module.exports = require("${id}");`, loader: "js" });
  });

  it("leaves every other file to esbuild: no resolve, and no load outside the stub namespace", async () => {
    // Prepare
    const host = sstHost();
    // Act
    // (a built-in asked for by require or import() is esbuild's too: only import statements are rewritten)
    const resolves = await Promise.all([
      ...["@slack/bolt", "@slack/web-api/dist/index.js", "./App", "node:crypto", "expressive", "@slack/types", "processor", "./process"].map((p) => host.resolve(p, BOLT)),
      host.resolve("node:zlib", BOLT, "dynamic-import"),
      host.resolve("./process", BOLT, "import-statement"),
    ]);
    const loads = await Promise.all([BOLT, "/repo/packages/functions/ingress.ts", "/repo/node_modules/express/index.js"].map((p) => host.load(p, "file")));
    // Assess
    expect(resolves).toEqual(Array(10).fill({}));
    expect(loads).toEqual(Array(3).fill({}));
  });
});
