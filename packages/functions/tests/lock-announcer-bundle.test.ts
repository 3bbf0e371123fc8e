/**
 * The lock announcer's cold start: the bundle as scripts/build.mjs splits it (the same entry
 * options), and what its entry imports statically, i.e. what Lambda loads before the handler runs.
 * Decoding lock items from the stream needs only the pure codec (adapters/lock-item.ts) and
 * `@aws-sdk/util-dynamodb`; the DynamoDB client is loaded by `import()` when a store is used. A
 * static import of the lock store (or of any module that imports the client) would put it back on
 * the start path.
 */
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { entries } from "../../../scripts/build.mjs";

const root = fileURLToPath(new URL("../../../", import.meta.url));
// esbuild's service process would keep the test worker alive.
afterAll(() => esbuild.stop());

describe("lock announcer bundle", () => {
  it("loads the stream codec at start and the DynamoDB client only on demand", async () => {
    // Prepare
    const entry = entries.find((e) => e.in === "packages/functions/lock-announcer.ts")!;
    // Act
    const r = await esbuild.build({
      entryPoints: [root + entry.in],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      splitting: true,
      outdir: "/announcer-bundle-test",
      outExtension: { ".js": ".mjs" },
      write: false,
      metafile: true,
      logLevel: "silent",
      ...entry.options,
    });
    const outputs = r.metafile!.outputs;
    const start = Object.keys(outputs).find((k) => outputs[k]!.entryPoint?.endsWith("lock-announcer.ts"))!;
    const atStart = new Set<string>();
    const visit = (out: string) => {
      if (atStart.has(out)) return;
      atStart.add(out);
      for (const i of outputs[out]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    visit(start);
    const inputsOf = (outs: Iterable<string>) => [...outs].flatMap((o) => Object.keys(outputs[o]!.inputs));
    // Assess
    const loaded = inputsOf(atStart);
    expect(loaded.some((i) => i.endsWith("packages/adapters/lock-item.ts"))).toBe(true);
    expect(loaded.some((i) => i.includes("node_modules/@aws-sdk/util-dynamodb/"))).toBe(true);
    expect(loaded.filter((i) => i.includes("node_modules/@aws-sdk/client-dynamodb/"))).toEqual([]);
    expect(inputsOf(Object.keys(outputs)).some((i) => i.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
  });
});
