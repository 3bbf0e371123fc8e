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
 * `import { env } from "process"` (SST's Resource, `sst` 4.17.1 dist/resource/node.js L3; the AWS SDK's
 * user-agent code imports node:process too) → the global `process`, as CommonJS. For an ES module
 * import Node builds the builtin's namespace from every property of `process` (Node 20
 * lib/internal/bootstrap/realm.js, BuiltinModule's getESMFacade and syncExports read each own
 * property), which runs its lazy `report` getter and loads the diagnostic-report module: ~7 ms of
 * every process that does it (Node 20, measured; the profile shows syncExports → get report), for an object that is already a global. build.mjs gives it to the CLI too.
 */
const PROCESS_MODULE = /^(node:)?process$/;
export function processFromGlobal(filter = PROCESS_MODULE) {
  return {
    name: "process-from-global",
    setup(b) {
      b.onResolve({ filter }, (args) => (PROCESS_MODULE.test(args.path) ? { path: "process", namespace: "process-global" } : undefined));
      b.onLoad({ filter }, (args) => (args.namespace === "process-global" ? { contents: "module.exports = globalThis.process;", loader: "js" } : undefined));
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

export default [ingressBundle, processFromGlobal(ANY)];
