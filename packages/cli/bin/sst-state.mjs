#!/usr/bin/env node
// The CLI is bundled by `npm install` / `npm run build` into ../dist (esbuild, rolldown's regroup and a code cache: ~5 s).
import { existsSync } from "node:fs";
const bundle = new URL("../dist/sst-state.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("sst-state is not built yet: run `npm install` (or `npm run build`) at the repository root.\n");
  process.exit(2);
}
// The AWS SDK warns on every run under Node 20 that releases after January 2027 will need Node 22;
// that is advice for upgrading Node, not about this command, so keep it out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
await import(bundle.href);
