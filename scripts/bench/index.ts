/**
 * `npm run bench`: runs every benchmark part in this folder (each `<area>.ts` exports `run()`),
 * in name order, or only those named: `npm run bench -- state locks`. Every figure is printed
 * next to its baseline measured in the same run.
 *
 * Each part runs in a process of its own (this file again, with `--part=<name>`),
 * so what one part leaves behind (the diagnosis part's heap of parsed 100 MB states and the
 * collector's work on it) cannot weigh on the next one's timings. A part that fails is reported
 * and the others still run; the exit code is then 1.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The AWS SDK's notice that its 2027 releases need Node 22 is not a figure; keep it out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const dir = new URL(".", import.meta.url);
const part = /^--part=(.+)$/.exec(process.argv[2] ?? "")?.[1];
if (part) {
  const mod = (await import(new URL(`${part}.ts`, dir).href)) as { run: () => Promise<void> };
  await mod.run();
} else {
  const parts = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
    .map((f) => f.replace(/\.ts$/, ""))
    .sort();
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !parts.includes(name));
  if (unknown.length) {
    console.error(`no benchmark part named ${unknown.map((n) => `"${n}"`).join(", ")}: the parts are ${parts.join(", ")} (npm run bench -- ${parts[0]} ${parts[1]}).`);
    process.exit(2);
  }
  const failed: string[] = [];
  for (const name of parts.filter((p) => only.length === 0 || only.includes(p))) {
    console.log(`\n=== ${name} ===`);
    // the same Node flags (--expose-gc, --import tsx), but no second inspector on the same port
    const flags = process.execArgv.filter((f) => !f.startsWith("--inspect"));
    const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), `--part=${name}`], { stdio: "inherit" });
    if (r.status !== 0) failed.push(`${name} (${r.error ? r.error.message : r.signal ? `stopped by ${r.signal}` : `exit ${r.status}`})`);
  }
  if (failed.length) {
    console.error(`\nbenchmark parts that failed: ${failed.join(", ")}`);
    process.exit(1);
  }
}
