/**
 * `npm run bench`: runs every benchmark part in this folder (each `<area>.ts` exports `run()`),
 * in name order, or only those named: `npm run bench -- state locks`. Every figure is printed
 * next to its baseline measured in the same run.
 */
import { readdirSync } from "node:fs";

// The AWS SDK's notice that its 2027 releases need Node 22 is not a figure; keep it out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const dir = new URL(".", import.meta.url);
const only = process.argv.slice(2);
const parts = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();
for (const name of parts) {
  const mod = (await import(new URL(`${name}.ts`, dir).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${name} ===`);
  await mod.run();
}
