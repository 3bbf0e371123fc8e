// The esbuild plugin of the Slack ingress Lambda, in one place for both of its builds:
// scripts/build.mjs (dist/ingress.mjs: the bench, the bundle test) and SST's own bundling of the
// deployed function (infra/bot.ts, `nodejs.plugins`), so what is measured is what is deployed.
//
// SST runs such a file in a node process beside its Go esbuild (sst/sst at 08fa0a6:
// pkg/runtime/node/plugin.go sends EVERY resolve and load there as `{id, command, value}`, the path
// inside `value`; platform/functions/nodejs-runtime/plugin.mjs L58 and L67 then test each
// callback's filter against `msg.path`, which is undefined, and ignore `namespace`). So only a
// filter that matches anything (`/.*/` matches "undefined") is ever called there: the callbacks
// register with it and decide by the path, importer and namespace they are given. Only onResolve
// and onLoad are used (that host's stand-in for esbuild's API has no `resolve`).
import { builtinModules, isBuiltin } from "node:module";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const ANY = /.*/;

/**
 * Packages resolved to an empty CommonJS module. Bolt's index loads every receiver, but Lambda only
 * uses AwsLambdaReceiver, so Socket Mode (with undici), Express (body parsers, iconv tables, mime
 * db), raw-body and OAuth are code paths it never takes. They are only touched inside the other
 * receivers' constructors, so `{}` is safe. path-to-regexp is their custom routes' matcher.
 */
const STUBBED = /^(@slack\/socket-mode|express|raw-body|@slack\/oauth|path-to-regexp)(\/.*)?$/;
/**
 * Bolt's other receivers: App only constructs HTTPReceiver when no receiver is given and
 * SocketModeReceiver in Socket Mode (the ingress passes its AwsLambdaReceiver), and the index merely
 * re-exports them.
 */
const OTHER_RECEIVER = /^\.\/receivers\/(ExpressReceiver|HTTPReceiver|SocketModeReceiver)$/;
const FROM_BOLT = /@slack[\\/]bolt[\\/]dist/;
/**
 * `@slack/web-api` → packages/functions/ingress-web-api.ts: the ingress acks in the response and
 * never calls the Web API, and the real WebClient (with its queue and retry packages) was a third
 * of its bundle (see that file).
 */
const WEB_API = "@slack/web-api";

/**
 * A built-in imported as an ES module (`import { createHmac } from "node:crypto"`) → the same
 * built-in through `require`, as CommonJS. For an ES module import Node builds the built-in's
 * namespace from every own property of its exports (Node 20 lib/internal/bootstrap/realm.js,
 * BuiltinModule's getESMFacade and syncExports read each one), which runs the lazy getters that
 * Node keeps for what most processes never use: `process.report` loads the diagnostic report
 * (~7 ms), `crypto.webcrypto` WebCrypto, `util.MIMEType` and `util.parseArgs` their modules,
 * `fs.ReadStream` the file streams. `require` returns the exports object as it is, and esbuild
 * reads a property where the code uses it (its CommonJS interop, `__toESM`, copies getters, not
 * values). `process` is the global itself (SST's Resource imports `{ env } from "process"`, `sst`
 * 4.17.1 dist/resource/node.js L3). Only `import` statements are rewritten: a `require` call stays
 * esbuild's own, and an `import()` of a built-in is left as it is (it still makes the namespace;
 * rewritten, it would become a chunk of its own; the CLI's are the AWS SDK's, in its HTTP client
 * and its instance metadata credentials), as is the banner's import of node:module. Both the
 * ingress and the CLI use it (build.mjs); a banner gives their bundles the `require` it calls
 * (build.mjs's, and SST's own build of the deployed ingress: sst/sst pkg/runtime/node/build.go,
 * `Banner`, at 1bf0370). Besides `process.report`, it saved ~1 ms of the ingress's load and ~1% of
 * `status` (paired runs). One difference: an ES import is bound before any module runs, a
 * `require` where the importing module's code starts, so a module whose top level called into a
 * module of an import cycle that has not run yet would meet an unset binding (the CLI's
 * bundle-chunks test imports every chunk, so a top level that does fails there).
 */
const BUILTIN = "builtin-as-cjs";
export function builtinsAsCommonJs(filter = new RegExp(`^node:|^(${builtinModules.join("|")})$`)) {
  return {
    name: BUILTIN,
    setup(b) {
      b.onResolve({ filter }, (args) =>
        args.kind === "import-statement" && isBuiltin(args.path) ? { path: args.path.startsWith("node:") ? args.path : `node:${args.path}`, namespace: BUILTIN } : undefined,
      );
      b.onLoad({ filter }, (args) =>
        args.namespace === BUILTIN
          ? { contents: args.path === "node:process" ? "module.exports = globalThis.process;" : `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }
          : undefined,
      );
    },
  };
}

const ingressBundle = {
  name: "ingress-bundle",
  setup(b) {
    b.onResolve({ filter: ANY }, (args) => {
      if (STUBBED.test(args.path) || (OTHER_RECEIVER.test(args.path) && FROM_BOLT.test(args.importer))) return { path: args.path, namespace: "stub" };
      if (args.path === WEB_API) return { path: join(root, "packages/functions/ingress-web-api.ts") };
      return undefined;
    });
    b.onLoad({ filter: ANY }, (args) => (args.namespace === "stub" ? { contents: "module.exports = {};", loader: "js" } : undefined));
  },
};

export default [ingressBundle, builtinsAsCommonJs(ANY)];
