/**
 * Runs the project's real SST CLI (the `sst` devDependency's Linux binary, SST 4.17.1) offline on a
 * local home, for the state commands that need no Pulumi CLI and no network: `sst state repair`,
 * `sst state remove`, `sst state edit`, `sst state export`, `sst unlock`. Setup as in the team's test
 * notes: a folder with an `sst.config.ts` whose `app()` returns `{ name, home: "local" }`,
 * `XDG_CONFIG_HOME` pointing at a folder that holds `sst/state/…`, and dependency checks off.
 * SST still installs its platform packages (an `npm install` of the AWS SDK and Pulumi, minutes)
 * unless the project looks installed: `.sst/platform/version` equal to the binary's version, a
 * `.sst/platform/node_modules` folder and `.sst/provider-lock.json` listing the app's providers
 * (none here). Nothing from that install is used by the state commands.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SST_PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../node_modules/sst-linux-x64");
export const SST_BIN = join(SST_PACKAGE, "bin", "sst");

export function sstAvailable(): boolean {
  return process.platform === "linux" && process.arch === "x64" && existsSync(SST_BIN);
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
  run(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }>;
}

export function createSstHome(app = "shop"): SstHome {
  const dir = mkdtempSync(join(tmpdir(), "sst-cli-"));
  const config = join(dir, "config");
  const stateDir = join(config, "sst", "state");
  writeFileSync(join(dir, "sst.config.ts"), `export default $config({ app() { return { name: "${app}", home: "local" }; }, async run() {} });\n`);
  mkdirSync(join(dir, ".sst", "platform", "node_modules"), { recursive: true });
  const version = (JSON.parse(readFileSync(join(SST_PACKAGE, "package.json"), "utf8")) as { version: string }).version;
  writeFileSync(join(dir, ".sst", "platform", "version"), version);
  writeFileSync(join(dir, ".sst", "provider-lock.json"), "[]");
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
    run(args, opts = {}) {
      return new Promise((done) => {
        const child = execFile(
          SST_BIN,
          args,
          {
            cwd: dir,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, XDG_CONFIG_HOME: config, SST_SKIP_DEPENDENCY_CHECK: "1", SST_NO_BUN: "1", ...opts.env },
            timeout: 60_000,
          },
          (err, stdout, stderr) => done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(opts.input ?? "");
      });
    },
  };
}
