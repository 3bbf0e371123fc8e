/**
 * Runs the project's real SST CLI (the `sst` devDependency's Linux binary, SST 4.17.1) offline on a
 * local home, for the state commands that need no Pulumi CLI and no network: `sst state export`,
 * `sst state repair`, `sst state remove`, `sst state edit`, `sst unlock`. Tests use it so that SST
 * itself reads what sst-state writes, and sst-state reads what SST writes.
 *
 * What makes it run with no network (checked on SST 4.17.1):
 * - a project folder whose `sst.config.ts` returns `{ name, home: "local", providers: {} }`;
 * - the project looks installed, so SST does not copy its platform code again nor run an
 *   `npm install` of the AWS SDK and Pulumi (minutes): `.sst/platform/version` equal to the binary's
 *   version, an empty `.sst/platform/node_modules/`, and `.sst/provider-lock.json` listing the app's
 *   providers (none);
 * - SST_SKIP_DEPENDENCY_CHECK, SST_NO_BUN and SST_TELEMETRY_DISABLED;
 * - XDG_CONFIG_HOME (and HOME) pointing at the folder that holds `sst/state/…`: SST's local home is
 *   Go's os.UserConfigDir + `sst` (see packages/adapters/local-home.ts), on Linux XDG_CONFIG_HOME.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SST_PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), "../../node_modules/sst-linux-x64");
export const SST_BIN = join(SST_PACKAGE, "bin", "sst");

export function sstAvailable(): boolean {
  return process.platform === "linux" && process.arch === "x64" && existsSync(SST_BIN);
}

export interface SstRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A project folder for app `app` that SST takes as installed (see above). */
function makeProject(dir: string, app: string): void {
  writeFileSync(join(dir, "sst.config.ts"), `export default $config({ app() { return { name: ${JSON.stringify(app)}, home: "local", providers: {} }; }, async run() {} });\n`);
  mkdirSync(join(dir, ".sst", "platform", "node_modules"), { recursive: true });
  const version = (JSON.parse(readFileSync(join(SST_PACKAGE, "package.json"), "utf8")) as { version: string }).version;
  writeFileSync(join(dir, ".sst", "platform", "version"), version);
  writeFileSync(join(dir, ".sst", "provider-lock.json"), "[]");
}

/** `sst <args>` in project `cwd` on the home under `configDir` (XDG_CONFIG_HOME); never rejects. */
function exec(cwd: string, configDir: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<SstRun> {
  return new Promise((done) => {
    const child = execFile(
      SST_BIN,
      args,
      {
        cwd,
        timeout: opts.timeoutMs ?? 60_000,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: configDir,
          XDG_CONFIG_HOME: configDir,
          SST_SKIP_DEPENDENCY_CHECK: "1",
          SST_NO_BUN: "1",
          SST_TELEMETRY_DISABLED: "1",
          ...opts.env,
        },
      },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.end(opts.input ?? "");
  });
}

/**
 * Runs `sst <args>` for app `app` on the local home whose root is `root` (the folder that contains
 * `state/`; it must be named `sst`, as SST's is, inside the folder given as XDG_CONFIG_HOME), from a
 * throw-away project folder.
 */
export async function runSst(root: string, app: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<SstRun> {
  if (!/[\\/]sst[\\/]?$/.test(root)) throw new Error(`runSst needs a home root named "sst" (SST adds it to the config dir), not ${root}`);
  const project = mkdtempSync(join(tmpdir(), "sst-project-"));
  makeProject(project, app);
  try {
    return await exec(project, join(root, ".."), args, opts);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

export interface SstHome {
  /** the project folder (holds sst.config.ts) */
  dir: string;
  app: string;
  /** `<XDG_CONFIG_HOME>/sst/state` */
  stateDir: string;
  writeState(stage: string, checkpoint: unknown): void;
  readState(stage: string): { version: number; checkpoint: { latest: { resources: Record<string, unknown>[]; manifest: Record<string, unknown> } } };
  /** runs `sst <args…>`, answering its prompts with `input`; never rejects (exit code in `code`) */
  run(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<SstRun>;
}

/** A project and an empty local home of its own (`<dir>/config/sst/state`). */
export function createSstHome(app = "shop"): SstHome {
  const dir = mkdtempSync(join(tmpdir(), "sst-cli-"));
  const config = join(dir, "config");
  const stateDir = join(config, "sst", "state");
  makeProject(dir, app);
  const file = (stage: string) => join(stateDir, "app", app, `${stage}.json`);
  return {
    dir,
    app,
    stateDir,
    writeState(stage, checkpoint) {
      mkdirSync(dirname(file(stage)), { recursive: true });
      writeFileSync(file(stage), JSON.stringify(checkpoint));
    },
    readState: (stage) => JSON.parse(readFileSync(file(stage), "utf8")),
    run: (args, opts = {}) => exec(dir, config, args, opts),
  };
}
