/**
 * Run the real SST CLI (the project's `sst` devDependency, 4.17.1) offline on a local home, so that
 * tests can check that SST itself reads what sst-state writes.
 *
 * What makes it run with no network (checked on SST 4.17.1):
 * - a project folder whose `sst.config.ts` returns `{ name, home: "local", providers: {} }`;
 * - `.sst/platform/version` holding SST's version, so it does not copy its platform code again,
 *   and an empty `.sst/platform/node_modules/`, so it does not run `npm install` for providers;
 * - SST_SKIP_DEPENDENCY_CHECK, SST_NO_BUN and SST_TELEMETRY_DISABLED;
 * - XDG_CONFIG_HOME (and HOME) pointing at the folder that holds `sst/state/…`: SST's local home is
 *   Go's os.UserConfigDir + `sst` (see packages/adapters/local-home.ts), on Linux XDG_CONFIG_HOME.
 * State commands (`state export`, `state repair`, `unlock`) work so; deploy/refresh/diff need Pulumi.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const sstBin = join(repoRoot, "node_modules", ".bin", "sst");

export interface SstRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sst <args>` for app `app` on the local home whose root is `root` (the folder that contains
 * `state/`; it must be named `sst`, as SST's is, inside the folder given as XDG_CONFIG_HOME).
 */
export async function runSst(root: string, app: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<SstRun> {
  if (!/[\\/]sst[\\/]?$/.test(root)) throw new Error(`runSst needs a home root named "sst" (SST adds it to the config dir), not ${root}`);
  const configDir = join(root, "..");
  const project = await mkdtemp(join(tmpdir(), "sst-project-"));
  const version = JSON.parse(await readFile(join(repoRoot, "node_modules", "sst", "package.json"), "utf8")) as { version: string };
  await writeFile(join(project, "sst.config.ts"), `export default $config({ app() { return { name: ${JSON.stringify(app)}, home: "local", providers: {} }; }, async run() {} });\n`);
  await mkdir(join(project, ".sst", "platform", "node_modules"), { recursive: true });
  await writeFile(join(project, ".sst", "platform", "version"), version.version);
  const run = new Promise<SstRun>((resolve) => {
    const child = execFile(
      sstBin,
      args,
      {
        cwd: project,
        timeout: opts.timeoutMs ?? 60_000,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: configDir,
          XDG_CONFIG_HOME: configDir,
          SST_SKIP_DEPENDENCY_CHECK: "1",
          SST_NO_BUN: "1",
          SST_TELEMETRY_DISABLED: "1",
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
  try {
    return await run;
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}
