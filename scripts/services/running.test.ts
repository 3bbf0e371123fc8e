/**
 * `npm run services:stop` (running.ts `stopServices`) on a record as `npm run services:start` writes
 * it, with stand-in processes: a "server" is a node HTTP server in a child process, the "starter"
 * another child. Whatever is signalled must be a recorded pid, and only while the servers answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { stopServices } from "./running.ts";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** A child that serves HTTP on a free loopback port: its endpoint, and the child. */
async function server(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["-e", 'const s = require("node:http").createServer((q, r) => r.end("ok")).listen(0, "127.0.0.1", () => console.log(s.address().port));'], { stdio: ["ignore", "pipe", "ignore"] });
  children.push(child);
  const port = await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())));
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** A child that lives until signalled. */
/** A process that waits; `args` show in its command line (`ps`, `pkill -f`) and do nothing else. */
function sleeper(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "--", ...args], { stdio: "ignore" });
  children.push(child);
  return child;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.once("exit", r));
  return child.pid!;
}

const exited = (c: ChildProcess) => new Promise<NodeJS.Signals | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode) : c.once("exit", (_code, signal) => r(signal))));

function record(content: object): URL {
  const file = join(mkdtempSync(join(tmpdir(), "sst-state-services-")), "services.json");
  writeFileSync(file, JSON.stringify(content));
  return pathToFileURL(file);
}

describe("services:stop", () => {
  it("stops the recorded servers by their pids when their starter was killed, and removes the record", async () => {
    // Prepare: servers answering, their starter gone (kill -9), and another project's DynamoDB Local
    // by its command line (what `pkill -f DynamoDBLocal` would also have stopped), not in the record
    const [s3, dynamo] = [await server(), await server()];
    const bystander = sleeper("-jar", "DynamoDBLocal.jar", "-inMemory");
    const starter = await deadPid();
    const file = record({ s3: s3.endpoint, dynamo: dynamo.endpoint, pid: starter, servers: [s3.child.pid, dynamo.child.pid] });
    // Act
    const said = await stopServices(file);
    // Assess
    expect(said).toBe(`stopped the servers (pids ${s3.child.pid}, ${dynamo.child.pid}) of a starter that is gone (pid ${starter})`);
    expect(await exited(s3.child)).toBe("SIGTERM");
    expect(await exited(dynamo.child)).toBe("SIGTERM");
    expect(existsSync(file)).toBe(false);
    expect(bystander.exitCode === null && bystander.signalCode === null).toBe(true);
  });

  it("asks a live starter to stop its servers itself", async () => {
    // Prepare
    const s3 = await server();
    const starter = sleeper();
    const file = record({ s3: s3.endpoint, pid: starter.pid, servers: [s3.child.pid] });
    // Act
    const said = await stopServices(file);
    // Assess: the starter got the signal; the server is its to stop
    expect(said).toBe(`stopped (pid ${starter.pid})`);
    expect(await exited(starter)).toBe("SIGTERM");
    expect(s3.child.exitCode === null && s3.child.signalCode === null).toBe(true);
  });

  it("signals nothing when the recorded servers do not answer (after a reboot a pid may be anyone's)", async () => {
    // Prepare: a record whose endpoint is gone, with a live process's pid in it
    const gone = await server();
    gone.child.kill("SIGKILL");
    await exited(gone.child);
    const someone = sleeper();
    const file = record({ s3: gone.endpoint, pid: someone.pid, servers: [someone.pid] });
    // Act
    const said = await stopServices(file);
    // Assess
    expect(said).toBe("not running (removed the stale .cache/services.json)");
    expect(existsSync(file)).toBe(false);
    expect(someone.exitCode === null && someone.signalCode === null).toBe(true);
  });
});
