#!/usr/bin/env node
// The CLI is bundled by `npm install` / `npm run build` into ../dist (esbuild, < 1 s).
import { existsSync } from "node:fs";
const bundle = new URL("../dist/sst-state.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("sst-state is not built yet: run `npm install` (or `npm run build`) at the repository root.\n");
  process.exit(2);
}
await import(bundle.href);
