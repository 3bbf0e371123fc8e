#!/usr/bin/env node
// The CLI is bundled by `npm install` / `npm run build` into ../dist (esbuild, rolldown's regroup and a code cache: ~5 s).
// No `import` of a built-in here: an ES module import of one runs all its lazy getters (node:fs's
// load the file streams; scripts/ingress-plugins.mjs builtinsAsCommonJs), so a missing bundle is
// told by the import's own error.
const bundle = new URL("../dist/sst-state.mjs", import.meta.url);
// The AWS SDK warns on every run under Node 20 that releases after January 2027 will need Node 22;
// that is advice for upgrading Node, not about this command, so keep it out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
try {
  await import(bundle.href);
} catch (e) {
  // only the bundle itself missing; a chunk missing from a bundle is a broken build: its own error
  // (Node names the missing module in `url`, and in older releases only at the message's start)
  const missing = e?.url === bundle.href || (e?.url === undefined && String(e?.message).startsWith(`Cannot find module '${decodeURIComponent(bundle.pathname)}'`));
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !missing) throw e;
  process.stderr.write("sst-state is not built yet: run `npm install` (or `npm run build`) at the repository root.\n");
  process.exit(2);
}
