// The esbuild plugins of the Slack ingress Lambda, in one place for both of its builds:
// scripts/build.mjs (dist/ingress.mjs: the bench, the bundle test) and SST's own bundling of the
// deployed function (infra/bot.ts, `nodejs.plugins`), so what is measured is what is deployed.
//
// SST runs such a file in a node process beside its Go esbuild (sst/sst pkg/runtime/node/plugin.go,
// platform/functions/nodejs-runtime/plugin.mjs at 08fa0a6): it sends EVERY resolve and load there
// and matches each callback by `filter` alone, ignoring `namespace`. So every callback here
// decides for itself (a load outside the "stub" namespace returns undefined), and only onResolve
// and onLoad are used (its stand-in for esbuild's API has no `resolve`).
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const STUB = { contents: "module.exports = {};", loader: "js" };
const stubLoad = (b) => b.onLoad({ filter: /.*/, namespace: "stub" }, (args) => (args.namespace === "stub" ? STUB : undefined));

/**
 * Resolve these packages to an empty CommonJS module. Bolt's index loads every receiver, but
 * Lambda only uses AwsLambdaReceiver, so Socket Mode (with undici), Express (body parsers, iconv
 * tables, mime db), raw-body and OAuth are code paths it never takes. They are only touched inside
 * the other receivers' constructors, so `{}` is safe.
 */
export function stubPackages(names) {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})(/.*)?$`);
  return {
    name: "stub-packages",
    setup(b) {
      b.onResolve({ filter }, (args) => (filter.test(args.path) ? { path: args.path, namespace: "stub" } : undefined));
      stubLoad(b);
    },
  };
}

/**
 * Bolt's other receivers: App only constructs HTTPReceiver when no receiver is given and
 * SocketModeReceiver in Socket Mode (the ingress passes its AwsLambdaReceiver), and the index merely
 * re-exports them. path-to-regexp (stubbed above) is their custom routes' matcher.
 */
const boltOtherReceivers = {
  name: "stub-bolt-receivers",
  setup(b) {
    const filter = /^\.\/receivers\/(ExpressReceiver|HTTPReceiver|SocketModeReceiver)$/;
    b.onResolve({ filter }, (args) => (filter.test(args.path) && /@slack[\\/]bolt[\\/]dist/.test(args.importer) ? { path: args.path, namespace: "stub" } : undefined));
    stubLoad(b);
  },
};

/**
 * `@slack/web-api` → packages/functions/ingress-web-api.ts: the ingress acks in the response and
 * never calls the Web API, and the real WebClient (with its queue and retry packages) was a third
 * of its bundle (see that file).
 */
const ingressWebApi = {
  name: "ingress-web-api",
  setup(b) {
    const filter = /^@slack\/web-api$/;
    b.onResolve({ filter }, (args) => (filter.test(args.path) ? { path: join(root, "packages/functions/ingress-web-api.ts") } : undefined));
  },
};

export default [stubPackages(["@slack/socket-mode", "express", "raw-body", "@slack/oauth", "path-to-regexp"]), boltOtherReceivers, ingressWebApi];
