import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO } from "../cli-types.ts";
import { runCli } from "../main.ts";

export const repoRoot = new URL("../../..", import.meta.url).pathname;
export const binPath = join(repoRoot, "packages/cli/bin/sst-state.mjs");

export function tempDir(prefix = "sst-state-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run the CLI in-process with captured output. */
export async function runInProcess(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false, color: false };
  const code = await runCli(argv, { io, env: opts.env ?? {}, cwd: opts.cwd ?? tempDir() });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** Run the built CLI as a child process, the way a user or CI runs it. */
export function runBin(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...argv], {
      cwd: opts.cwd ?? tempDir(),
      env: { PATH: process.env.PATH, HOME: opts.cwd ?? tempDir(), ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
