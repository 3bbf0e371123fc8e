// Bundles the entry points with esbuild. Run by `npm install` (postinstall), `npm test` (pretest)
// and `npm run bench`; takes well under a second.
import * as esbuild from "esbuild";
import { mkdirSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
// CommonJS dependencies (Bolt, express) call require(); give the ESM bundle one.
const banner = {
  js: "import { createRequire as __sstStateCreateRequire } from 'node:module'; const require = __sstStateCreateRequire(import.meta.url);",
};

export const entries = [
  { in: "packages/cli/main.ts", out: "packages/cli/dist/sst-state.mjs" },
];

export async function build(list = entries, extra = {}) {
  await Promise.all(
    list.map((e) => {
      mkdirSync(root + e.out.replace(/\/[^/]+$/, ""), { recursive: true });
      return esbuild.build({
        entryPoints: [root + e.in],
        outfile: root + e.out,
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
      });
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build();
}
