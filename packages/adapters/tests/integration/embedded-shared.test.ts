/**
 * The embedded store shared between processes: the owner of `.sst-state/db` publishes its
 * loopback endpoint in `<dir>/endpoint.json`; a second opener that finds the owner lock held sends
 * its calls to that endpoint (after checking the pid is alive and it answers), so
 * `sst-state lock prod` works in a second terminal while `sst-state serve` runs.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { StoreUnavailableError } from "@sst-state/core/errors";
import type { Lease } from "@sst-state/core/lock";
import { afterEach, describe, expect, it } from "vitest";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ENDPOINT_FILE, readPublishedEndpoint, startEmbeddedDynamo, type EmbeddedDynamo } from "../../embedded-dynamo.ts";

const MODULE = fileURLToPath(new URL("../../embedded-dynamo.ts", import.meta.url));
const LOCK_STORE = fileURLToPath(new URL("../../dynamodb-lock-store.ts", import.meta.url));
const HOUR = 3_600_000;

const open: EmbeddedDynamo[] = [];
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
function tmpDb(): string {
  const d = mkdtempSync(join(tmpdir(), "sst-state-shared-"));
  dirs.push(d);
  return join(d, "db");
}
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const e of open.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Another process that owns `dir`: it takes shop/prod's lock, prints `{endpoint, pid, lease}`,
 * then answers `list` (the live leases it sees) and `close` on stdin, one JSON line each.
 */
const OWNER_SCRIPT = `
import { createInterface } from "node:readline";
const { startEmbeddedDynamo } = await import(${JSON.stringify(MODULE)});
const { createDynamoLockStore } = await import(${JSON.stringify(LOCK_STORE)});
const db = await startEmbeddedDynamo({ dir: process.env.DB_DIR });
const store = createDynamoLockStore(db);
const got = await store.acquire({ app: "shop", stage: "prod", holder: "owner-process", reason: "serve", ttlMs: ${HOUR} }, Date.now());
console.log(JSON.stringify({ endpoint: db.endpoint, pid: process.pid, owned: db.owned, lease: got.lock }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "list") console.log(JSON.stringify(await store.list(Date.now())));
  if (line === "close") { await db.close(); console.log("{}"); process.exit(0); }
}
`;

async function ownerProcess(dir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", OWNER_SCRIPT], { env: { ...process.env, DB_DIR: dir }, stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T,>(): Promise<T> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the owner process ended: ${stderr}`);
    return JSON.parse(r.value) as T;
  };
  const hello = await next<{ endpoint: string; pid: number; owned: boolean; lease: Lease }>();
  return {
    child,
    hello,
    async list(): Promise<Lease[]> {
      child.stdin.write("list\n");
      return next<Lease[]>();
    },
  };
}

/** A pid that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => c.once("exit", r));
  return c.pid!;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", () => ok()));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

describe("embedded store shared between processes", () => {
  it("lets a second process use the owner's store: each sees the lock the other took", async () => {
    // Prepare: another process owns the folder and holds shop/prod.
    const dir = tmpDb();
    const owner = await ownerProcess(dir);
    // Act
    const guest = await startEmbeddedDynamo({ dir });
    open.push(guest);
    const store = createDynamoLockStore(guest);
    const seen = await store.get("shop", "prod", Date.now());
    const contended = await store.acquire({ app: "shop", stage: "prod", holder: "terminal-2", reason: "hotfix", ttlMs: HOUR }, Date.now());
    const mine = await store.acquire({ app: "shop", stage: "dev", holder: "terminal-2", reason: "try", ttlMs: HOUR }, Date.now());
    const ownerSees = await owner.list();
    // Assess
    expect(owner.hello.owned).toBe(true);
    expect(guest.owned).toBe(false);
    expect(guest.endpoint).toBe(owner.hello.endpoint);
    expect(readPublishedEndpoint(dir)).toEqual({ endpoint: owner.hello.endpoint, pid: owner.hello.pid });
    expect(seen).toEqual(owner.hello.lease);
    expect(contended).toEqual({ acquired: false, lock: owner.hello.lease });
    expect(mine.acquired).toBe(true);
    expect(ownerSees.map((l) => [l.stage, l.holder, l.token])).toEqual([
      ["dev", "terminal-2", mine.lock.token],
      ["prod", "owner-process", owner.hello.lease.token],
    ]);
  });

  it("becomes the owner after the owner process was killed, despite its stale endpoint.json, and keeps its lock", async () => {
    // Prepare: the owner dies without closing (no unpublish), leaving its lock behind.
    const dir = tmpDb();
    const owner = await ownerProcess(dir);
    owner.child.kill("SIGKILL");
    await new Promise((r) => owner.child.once("exit", r));
    const stale = readPublishedEndpoint(dir);
    // Act
    const next = await startEmbeddedDynamo({ dir });
    open.push(next);
    const lease = await createDynamoLockStore(next).get("shop", "prod", Date.now());
    // Assess
    expect(stale).toEqual({ endpoint: owner.hello.endpoint, pid: owner.hello.pid });
    expect(next.owned).toBe(true);
    expect(readPublishedEndpoint(dir)).toEqual({ endpoint: next.endpoint, pid: process.pid });
    expect(lease).toEqual(owner.hello.lease);
  });

  it("makes a second opener in the same process a guest; closing the guest leaves the owner serving, closing the owner unpublishes", async () => {
    // Prepare
    const dir = tmpDb();
    const owner = await startEmbeddedDynamo({ dir });
    open.push(owner);
    const held = await createDynamoLockStore(owner).acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "migrate", ttlMs: HOUR }, Date.now());
    // Act
    const guest = await startEmbeddedDynamo({ dir, waitMs: 0 });
    const guestSees = await createDynamoLockStore(guest).get("shop", "prod", Date.now());
    await guest.close();
    const ownerSees = await createDynamoLockStore(owner).get("shop", "prod", Date.now());
    const publishedWhileOpen = readPublishedEndpoint(dir);
    await owner.close();
    // Assess
    expect([owner.owned, guest.owned]).toEqual([true, false]);
    expect(guestSees).toEqual(held.lock);
    expect(ownerSees).toEqual(held.lock);
    expect(publishedWhileOpen).toEqual({ endpoint: owner.endpoint, pid: process.pid });
    expect(existsSync(join(dir, ENDPOINT_FILE))).toBe(false);
  });

  it("does not use a published endpoint whose pid is dead: it waits, then fails as before", async () => {
    // Prepare: the owner lock is held here, but endpoint.json names a process that has exited.
    const dir = tmpDb();
    const owner = await startEmbeddedDynamo({ dir });
    open.push(owner);
    writeFileSync(join(dir, ENDPOINT_FILE), JSON.stringify({ endpoint: owner.endpoint, pid: await deadPid() }));
    // Act
    const err = await startEmbeddedDynamo({ dir, waitMs: 300 }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/^another sst-state process is using .*db; stop it or set SST_STATE_TABLE$/);
  });

  it("does not use a published endpoint that does not answer, nor one that is not on loopback", async () => {
    // Prepare
    const dir = tmpDb();
    const owner = await startEmbeddedDynamo({ dir });
    open.push(owner);
    // Act
    writeFileSync(join(dir, ENDPOINT_FILE), JSON.stringify({ endpoint: `http://127.0.0.1:${await closedPort()}`, pid: process.pid }));
    const refused = await startEmbeddedDynamo({ dir, waitMs: 200 }).catch((e: unknown) => e);
    writeFileSync(join(dir, ENDPOINT_FILE), JSON.stringify({ endpoint: owner.endpoint!.replace("127.0.0.1", "192.0.2.1"), pid: process.pid }));
    const remote = await startEmbeddedDynamo({ dir, waitMs: 200 }).catch((e: unknown) => e);
    // Assess
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect(remote).toBeInstanceOf(StoreUnavailableError);
    expect(readPublishedEndpoint(dir)).toBeNull();
  });

  it("keeps a guest working after its owner closes: the guest re-opens the store and becomes the owner", async () => {
    // Prepare
    const dir = tmpDb();
    const owner = await startEmbeddedDynamo({ dir });
    const held = await createDynamoLockStore(owner).acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "migrate", ttlMs: HOUR }, Date.now());
    const guest = await startEmbeddedDynamo({ dir, waitMs: 5_000 });
    open.push(guest);
    const store = createDynamoLockStore(guest);
    const before = await store.get("shop", "prod", Date.now());
    // Act
    await owner.close();
    const after = await store.get("shop", "prod", Date.now());
    const released = await store.release("shop", "prod", held.lock.token, Date.now());
    // Assess
    expect(before).toEqual(held.lock);
    expect(after).toEqual(held.lock);
    expect(released.released).toBe(true);
    expect(guest.owned).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), "utf8"))).toEqual({ endpoint: guest.endpoint, pid: process.pid });
  });
});

describe("an owner that shares later (publishAfterMs: a short CLI command)", () => {

  it("keeps the store to itself at first, then publishes; a second opener waits for that and shares the one store", async () => {
    // Prepare
    const dir = tmpDb();
    const owner = await startEmbeddedDynamo({ dir, publishAfterMs: 300 });
    open.push(owner);
    const before = { endpoint: owner.endpoint, published: readPublishedEndpoint(dir) };
    const held = await createDynamoLockStore(owner).acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "migrate", ttlMs: HOUR }, Date.now());
    // Act: a second opener comes before the owner shares
    const guest = await startEmbeddedDynamo({ dir, waitMs: 5_000 });
    open.unshift(guest);
    const guestSees = await createDynamoLockStore(guest).get("shop", "prod", Date.now());
    // Assess
    expect(before).toEqual({ endpoint: undefined, published: null });
    expect([owner.owned, guest.owned]).toEqual([true, false]);
    expect(owner.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(readPublishedEndpoint(dir)).toEqual({ endpoint: owner.endpoint, pid: process.pid });
    expect(guest.endpoint).toBe(owner.endpoint);
    expect(guestSees).toEqual(held.lock);
  });

  it("never publishes when it closes first, and lets the next opener in at once", async () => {
    // Prepare
    const dir = tmpDb();
    const first = await startEmbeddedDynamo({ dir, publishAfterMs: 300 });
    const held = await createDynamoLockStore(first).acquire({ app: "shop", stage: "prod", holder: "U0ALICE", reason: "migrate", ttlMs: HOUR }, Date.now());
    // Act
    await first.close();
    await sleep(400);
    const next = await startEmbeddedDynamo({ dir, waitMs: 0 });
    open.push(next);
    // Assess: nothing was published, the data is there, and the folder was free
    expect(first.endpoint).toBeUndefined();
    expect(next.owned).toBe(true);
    expect(await createDynamoLockStore(next).get("shop", "prod", Date.now())).toEqual(held.lock);
  });

  it("says why when it cannot share, leaves no temp file, and still closes and lets go", async () => {
    // Prepare: endpoint.json cannot be written (a folder is in its way), once the owner has opened
    const dir = tmpDb();
    const told: Error[] = [];
    const owner = await startEmbeddedDynamo({ dir, publishAfterMs: 100, onShareError: (e) => told.push(e) });
    mkdirSync(join(dir, ENDPOINT_FILE, "in-the-way"), { recursive: true });
    // Act
    await sleep(400);
    const seen = await createDynamoLockStore(owner).list(Date.now());
    await owner.close();
    const leftTemp = readdirSync(dir).filter((f) => f.endsWith(".tmp"));
    rmSync(join(dir, ENDPOINT_FILE), { recursive: true });
    const next = await startEmbeddedDynamo({ dir, waitMs: 0 });
    open.push(next);
    // Assess: told once, the store kept working for this process, nothing left behind
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(Error);
    expect(owner.endpoint).toBeUndefined();
    expect(seen).toEqual([]);
    expect(leftTemp).toEqual([]);
    expect(next.owned).toBe(true);
  });

  it("ends cleanly and lets go when it closes while it publishes", async () => {
    for (const wait of [0, 2, 5, 10, 20, 40]) {
      // Prepare
      const dir = tmpDb();
      const owner = await startEmbeddedDynamo({ dir, publishAfterMs: 5 });
      // Act
      await sleep(wait);
      await owner.close();
      const left = { published: readPublishedEndpoint(dir), answers: owner.endpoint ? await fetch(owner.endpoint).then(() => true, () => false) : false };
      const next = await startEmbeddedDynamo({ dir, waitMs: 0 });
      const published = readPublishedEndpoint(dir);
      await next.close();
      // Assess: nothing published nor listening was left; the folder was free at once; only the next owner published
      expect({ wait, left }).toEqual({ wait, left: { published: null, answers: false } });
      expect({ wait, owned: next.owned, published }).toEqual({ wait, owned: true, published: { endpoint: next.endpoint, pid: process.pid } });
      expect(readPublishedEndpoint(dir)).toBeNull();
    }
  });
});
