import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO } from "../cli-types.ts";
import { runCli } from "../main.ts";
import { dynamoCredentials } from "../../../scripts/services/dynamodb-local.ts";

export const repoRoot = new URL("../../..", import.meta.url).pathname;
export const binPath = join(repoRoot, "packages/cli/bin/sst-state.mjs");

export function tempDir(prefix = "sst-state-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment that points the CLI at a lock/approvals table in DynamoDB Local. */
export function dynamoTableEnv(table: string, endpoint: string): NodeJS.ProcessEnv {
  return {
    SST_STATE_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: dynamoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: dynamoCredentials.secretAccessKey,
  };
}

/**
 * The environment of a restore or repair run from a terminal: SST's local home, the table in
 * DynamoDB Local, the fake Slack Web API, and the user the request is made by.
 */
export function restoreCliEnv(parts: { table: string; dynamoEndpoint: string; slackToken: string; slackUrl: string; stateDir?: string }): NodeJS.ProcessEnv {
  return {
    SST_STATE_HOME: "local",
    ...(parts.stateDir ? { SST_STATE_DIR: parts.stateDir } : {}),
    ...dynamoTableEnv(parts.table, parts.dynamoEndpoint),
    SLACK_BOT_TOKEN: parts.slackToken,
    SLACK_API_URL: parts.slackUrl,
    SST_STATE_USER: "alice@laptop",
  };
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
export function runBin(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; bin?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? binPath, ...argv], {
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

/**
 * `sst-state serve --port 0` as a child process: resolves with its events URL once it has started
 * (it listens first, and takes SIGINT/SIGTERM once it has said "Ctrl-C stops.": a signal before
 * that kills it outright).
 */
export async function spawnServe(cwd: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  let output = "";
  const child = spawn(process.execPath, [binPath, "serve", "--port", "0"], { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.on("data", (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL"); // a serve that did not start must not outlive the test
      reject(new Error(`serve did not start:\n${output}`));
    }, 30_000);
    child.stdout!.on("data", (d) => {
      output += d;
      const m = /listening on (http:\/\/\S+\/slack\/events)/.exec(output);
      if (m && output.includes("Ctrl-C stops.")) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  return { url, child, output: () => output, stop };
}
