/**
 * The paths a new user takes off the happy path, run as whole CLI processes (the built bundle,
 * as `npx sst-state` runs): every verb against bad inputs (unknown and odd names, missing
 * arguments, bad versions), with an embedded store that holds a lock and audit entries, an empty
 * store, a busy store, no AWS configured, and from a subfolder of the project. Each case asserts
 * its exit code, a message naming the fix, and that no stack trace is printed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, tempDir } from "../helpers.ts";

const TRACE = /\n\s+at .+[:(].*\d+:\d+\)?|Node\.js v\d+|ModuleError|TypeError|ReferenceError/;

let project: string;
let env: Record<string, string>;
let requestId: string;

beforeAll(async () => {
  // Prepare: a project (its sst.config.ts names the demo app) with the demo home, a deploy lock on
  // dev and a restore request on prod, so the embedded store holds locks and audit entries.
  project = tempDir("sst-state-first-hour-");
  writeFileSync(join(project, "sst.config.ts"), 'export default $config({ app() { return { name: "acme-shop", home: "local" }; }, async run() {} });\n');
  mkdirSync(join(project, "src", "lib"), { recursive: true });
  const demo = await runBin(["demo"], { cwd: project, env: { HOME: project } });
  expect(demo.code).toBe(0);
  env = {
    HOME: project,
    SST_STATE_DIR: join(project, ".sst-state", "demo"),
    SST_STATE_CONFIG: join(project, ".sst-state", "demo", "sst-state.json"),
    SST_STATE_USER: "U0DEMOALICE",
  };
  expect((await runBin(["lock", "dev", "--reason", "held for the test"], { cwd: project, env })).code).toBe(0);
  const req = await runBin(["restore", "prod", "~1"], { cwd: project, env });
  expect(req.code).toBe(0);
  expect(req.stdout).toContain("sst-state demo approve rr-");
  requestId = /sst-state demo approve (\S+)/.exec(req.stdout)![1]!;
}, 60_000);

afterAll(() => undefined);

const BAD: { argv: string[]; code: number; says: RegExp }[] = [
  { argv: ["status", "nosuchstage"], code: 2, says: /Stages of acme-shop: dev, prod, staging/ },
  { argv: ["status", "pro d"], code: 2, says: /is not a stage name/ },
  { argv: ["status", "prod\nstaging"], code: 2, says: /is not a stage name/ },
  { argv: ["status", "\u202Eprod"], code: 2, says: /is not a stage name/ },
  { argv: ["status", "a/b/c"], code: 2, says: /is not a stage/ },
  { argv: ["status"], code: 2, says: /`status` needs a stage/ },
  { argv: ["status", "prod", "--app", "nope"], code: 2, says: /nope/ },
  { argv: ["status", "prod", "--home", "gcp"], code: 2, says: /"local", "aws" or "git"/ },
  { argv: ["history", "nosuchstage"], code: 2, says: /Stages of acme-shop/ },
  { argv: ["history", "prod", "--limit", "lots"], code: 2, says: /limit/ },
  { argv: ["diff", "nosuchstage"], code: 2, says: /Stages of acme-shop/ },
  { argv: ["diff", "prod", "zzzz"], code: 2, says: /No state version matches "zzzz"/ },
  { argv: ["diff", "prod", "~999"], code: 2, says: /has \d+ versions/ },
  { argv: ["diff", "prod", "~x"], code: 2, says: /`~x` is not a version[\s\S]*~N/ },
  { argv: ["diff", "prod", "fe5dd"], code: 2, says: /ambiguous: candidates/ },
  { argv: ["diagnose", "nosuchstage"], code: 2, says: /Stages of acme-shop/ },
  { argv: ["lock", "prodd", "--reason", "typo"], code: 2, says: /not locked[\s\S]*--new-stage/ },
  { argv: ["lock", "prod"], code: 2, says: /--reason/ },
  { argv: ["lock", "prod", "--reason", "x", "--ttl", "soon"], code: 2, says: /not a duration/ },
  { argv: ["lock"], code: 2, says: /--reason|Which stage/ },
  { argv: ["unlock"], code: 2, says: /`unlock` needs a stage/ },
  { argv: ["unlock", "prodd"], code: 2, says: /"prodd"[\s\S]*no deploy lock[\s\S]*Stages of acme-shop: dev, prod, staging/ },
  { argv: ["unlock", "prodd", "--force", "--reason", "typo"], code: 2, says: /Stages of acme-shop: dev, prod, staging/ },
  { argv: ["locks", "a/b"], code: 2, says: /`a\/b` is not an app name/ },
  { argv: ["run", "prod"], code: 2, says: /after `--`/ },
  { argv: ["run", "prodd", "--", "true"], code: 2, says: /--new-stage/ },
  { argv: ["restore", "prod"], code: 2, says: /needs the version to go back to/ },
  { argv: ["restore", "nosuchstage", "~1"], code: 2, says: /Stages of acme-shop/ },
  { argv: ["restore", "prod", "zzzz"], code: 2, says: /No state version matches/ },
  { argv: ["audit"], code: 2, says: /`audit` needs a stage/ },
  { argv: ["audit", "prodd"], code: 2, says: /"prodd"[\s\S]*no audit entries[\s\S]*Stages of acme-shop: dev, prod, staging/ },
  { argv: ["demo", "approve"], code: 2, says: /Which request\?/ },
  { argv: ["demo", "approve", "rr-0000"], code: 2, says: /no restore request rr-0000/ },
  { argv: ["serve", "--port", "http"], code: 2, says: /port number/ },
  { argv: ["stauts", "prod"], code: 2, says: /`stauts` is not a command[\s\S]*Did you mean `sst-state status prod`/ },
  { argv: ["status", "prod", "--colour"], code: 2, says: /has no option `--colour`/ },
];

describe("every verb against bad input, with a store holding a lock and audit entries", () => {
  it.each(BAD)("sst-state $argv → exit $code, a message, no trace", async ({ argv, code, says }) => {
    // Act
    const r = await runBin(argv, { cwd: project, env });
    // Assess
    expect(r.stderr).not.toMatch(TRACE);
    expect(r.stdout).not.toMatch(TRACE);
    expect(r.stderr).toMatch(says);
    expect(r.code).toBe(code);
  });
});

describe("a new user's paths", () => {
  it("from a subfolder, sees the lock taken at the project root (one store, found like git)", async () => {
    const r = await runBin(["status", "dev", "--json"], { cwd: join(project, "src", "lib"), env });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).lease).toMatchObject({ holder: expect.any(String), reason: "held for the test" });
  });

  it("reads the app name from sst.config.ts when nothing else names it", async () => {
    const { SST_STATE_CONFIG: _config, ...noPolicy } = env;
    const r = await runBin(["status", "staging", "--json"], { cwd: join(project, "src"), env: noPolicy });
    expect(JSON.parse(r.stdout)).toMatchObject({ app: "acme-shop", stage: "staging" });
  });

  it("with no AWS configured and no home, exits 2 naming the homes tried and the demo", async () => {
    // Prepare: no SST_STATE_DIR, a HOME without SST's folder or ~/.aws
    const r = await runBin(["status", "prod"], { cwd: join(project, "src"), env: { HOME: tempDir() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("local home ");
    expect(r.stderr).toContain("AWS: no credentials/region");
    expect(r.stderr).toContain(join(project, ".sst-state", "demo"));
    expect(r.stderr).not.toMatch(/SSM|Region is missing/);
    expect(r.stderr).not.toMatch(TRACE);
  });

  it("with an empty store and no state anywhere, `locks` and `status` still answer cleanly", async () => {
    const empty = tempDir("sst-state-empty-");
    const locks = await runBin(["locks"], { cwd: empty, env: { HOME: empty } });
    const status = await runBin(["status", "prod"], { cwd: empty, env: { HOME: empty } });
    expect(locks.code).toBe(0);
    expect(locks.stdout).toContain("No deploy locks held");
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("No SST state found");
    expect(status.stderr).not.toMatch(TRACE);
  });

  it("a restore request with no channel to post in is refused (exit 2), not reported as made", async () => {
    const { SST_STATE_CONFIG: _config, ...noPolicy } = env;
    const r = await runBin(["restore", "prod", "~1"], { cwd: project, env: noPolicy });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no channel[\s\S]*nothing was requested/);
  });

  it("with a busy store (another process holds it and publishes no endpoint), says so and exits 1", async () => {
    // Prepare: hold the embedded store's owner lock from this process, as an older sst-state would
    const busy = tempDir("sst-state-busy-");
    mkdirSync(join(busy, ".sst-state", "db", "owner"), { recursive: true });
    const requireHere = createRequire(import.meta.url);
    const dynalitePath = requireHere.resolve("dynalite");
    const { Level } = createRequire(dynalitePath)("level") as { Level: new (p: string) => { open(): Promise<void>; close(): Promise<void> } };
    const owner = new Level(join(busy, ".sst-state", "db", "owner"));
    await owner.open();
    try {
      // Act
      const r = await runBin(["lock", "prod", "--reason", "x"], { cwd: busy, env: { ...env } });
      // Assess
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("another sst-state process is using");
      expect(r.stderr).not.toMatch(TRACE);
    } finally {
      await owner.close();
    }
  });
  it("a stage without state is locked only with --new-stage (its first deploy)", async () => {
    // Act
    const r = await runBin(["lock", "preview", "--reason", "first deploy", "--new-stage", "--json"], { cwd: project, env });
    // Assess
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ acquired: true, lock: { app: "acme-shop", stage: "preview", reason: "first deploy" } });
    // a lock row without state (the first deploy never ran) is still released by its holder
    const u = await runBin(["unlock", "preview", "--json"], { cwd: project, env });
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ released: true, lock: { stage: "preview" } });
  });

  it("unlock and audit of a stage that exists but holds nothing answer exit 0", async () => {
    const u = await runBin(["unlock", "staging"], { cwd: project, env });
    const a = await runBin(["audit", "staging"], { cwd: project, env });
    expect([u.code, a.code]).toEqual([0, 0]);
    expect(u.stdout).toContain("staging is not locked");
    expect(a.stdout).toContain("no audit entries yet");
  });

  it("serve on a taken port says so, suggests another port and exits 2", async () => {
    // Prepare: hold a port in this process
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    try {
      // Act
      const r = await runBin(["serve", "--port", String(port)], { cwd: project, env });
      // Assess
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Port ${port} is already in use`);
      expect(r.stderr).toContain(`PORT=${port + 1} sst-state serve`);
      expect(r.stderr).not.toMatch(TRACE);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it("the demo's story: Bob and Carol approve Alice's terminal request, SST's lock blocks it, demo sst-unlock clears it, then it restores", async () => {
    // Act: the request from beforeAll (asked from a terminal: two Slack approvers), approved while
    // prod has SST's lock
    const first = await runBin(["demo", "approve", requestId], { cwd: project, env });
    const blocked = await runBin(["demo", "approve", requestId], { cwd: project, env });
    const unlocked = await runBin(["demo", "sst-unlock", "prod"], { cwd: project, env });
    const approved = await runBin(["demo", "approve", requestId], { cwd: project, env });
    // Assess
    expect(first.stderr).toContain("as demo user U0DEMOBOB");
    expect(first.stdout + first.stderr).toContain("needs-second-approver");
    expect(first.stderr).toContain(`sst-state demo approve ${requestId}`);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("as demo user U0DEMOCAROL");
    expect(blocked.stderr).toContain("sst-state demo sst-unlock prod");
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toMatch(/Removed SST's lock of acme-shop\/prod/);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`restored acme-shop/prod`);
    expect(approved.stdout).toContain(requestId);
  });
});
