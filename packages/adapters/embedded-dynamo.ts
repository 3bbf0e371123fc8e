/**
 * The embedded store behind the CLI and `sst-state serve` when SST_STATE_TABLE is not set
 * (DESIGN §3 "One machine, embedded defaults"): dynalite (DynamoDB's API on LevelDB) with its
 * data on disk under `dir` (default `.sst-state/db` in the working directory), run by one process
 * at a time, the owner, which shares it with the others over loopback HTTP on a random port. The
 * same DynamoDB stores run over it.
 *
 *   <dir>/owner/          a tiny LevelDB opened first and held until close(): LevelDB takes an
 *                         exclusive OS lock on it (released by the OS if the process dies), so it
 *                         says which process owns <dir>.
 *   <dir>/data/           dynalite's LevelDB. Only the owner opens it: dynalite itself does not
 *                         survive a LevelDB lock error (it surfaces as an uncaught iterator error),
 *                         hence the owner lock in front of it.
 *   <dir>/endpoint.json   `{"endpoint":"http://127.0.0.1:<port>","pid":<owner pid>}`, written by the
 *                         owner once its server listens (write + rename, so it is never read
 *                         half-written), removed by the owner on close.
 *
 * Opening, in a loop until `waitMs` has passed:
 *   1. take the owner lock → run dynalite in this process (dynalite-direct.cjs: this process's
 *      calls go to it without HTTP), create the table if missing                      (owner)
 *   2. the lock is held, and endpoint.json names a loopback endpoint whose pid is alive and
 *      which answers (the table is there, or is created) → send this process's calls
 *      there                                                                          (guest)
 *   3. otherwise (the owner is still starting, or has not published yet) wait 100 ms and retry;
 *      at the deadline fail with "another sst-state process is using .sst-state/db; …".
 * The owner publishes (starts dynalite's HTTP server on the same store and writes endpoint.json)
 * before startEmbeddedDynamo returns, or `publishAfterMs` later if it is still open then: a short
 * CLI command (`status`, `locks`: a few hundred milliseconds) ends before, without ever loading an
 * HTTP server, and another process that wants the store meanwhile waits for it in step 3 as for an
 * owner that is starting. So `sst-state lock prod` in a second terminal works while `sst-state
 * serve` runs: both use the one dynalite of the owner, and its conditional writes keep the lock
 * protocol intact.
 *
 * A guest outlives its owner: when a request cannot connect (ECONNREFUSED: the request never
 * reached a server, so retrying it cannot apply a write twice), the guest opens again (it may
 * become the owner itself, e.g. `serve` after the `sst-state run` that owned the store exited)
 * and sends the request once more to wherever the store now is. Every request is routed to the
 * current endpoint by the client, so `client` stays the same object throughout.
 *
 * A stale endpoint.json (its owner was killed) is ignored: its pid is dead, or its port does not
 * answer; the next owner deletes it as soon as it holds the owner lock.
 *
 * dynalite has conditional writes and GSIs, but no streams, TTL or transactions: lock
 * announcements on this store come from polling the lock items (lock-change-feed.ts, started by
 * `serve` through lock-announcements.ts), not from a stream.
 *
 * dynalite and its LevelDB are CommonJS (LevelDB with a native addon), outside the ES module
 * bundles: the CLI loads them from its own bundle of them (`dist/dynalite.cjs`, scripts/build.mjs,
 * named by main.ts as `serverBundle`), one file instead of ~70; without it (a source checkout,
 * tests) from dynalite's install with `require`. Requests go to dynalite as DynamoDB's JSON
 * (dynamodb-json-client.ts: in this process for the owner, over loopback HTTP for a guest), not
 * through the SDK's client: it would be ~75 ms of every `sst-state locks` (table-client.ts).
 */
import { StoreUnavailableError } from "@sst-state/core/errors";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { requireWithCodeCache } from "./code-cache.ts";
import { ensureTable } from "./dynamo-table.ts";
import { replaceFileSync } from "./replace-file-sync.ts";
import { createExchangeTableClient, createJsonTableClient, isLoopbackHttp, type Exchange } from "./dynamodb-json-client.ts";
import type { TableClient } from "./table-client.ts";

const DEFAULT_EMBEDDED_DIR = ".sst-state/db";
const DEFAULT_EMBEDDED_TABLE = "sst-state";
/** The file in `dir` through which the owner tells other processes where its server listens. */
export const ENDPOINT_FILE = "endpoint.json";

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelCtor = new (location: string) => LevelDb;
/** dynalite in this process (dynalite-direct.cjs) */
interface DirectDynalite {
  /** one request, answered as dynalite's HTTP handler answers it */
  call: Exchange;
  /** dynalite's HTTP server on the same store (made once; the caller listens) */
  serve(): Server;
  /** closes the store's LevelDB (through the server when it listens) */
  close(): Promise<void>;
}
type DirectFactory = (opts: { path: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => DirectDynalite;

const requireHere = createRequire(import.meta.url);
interface DynaliteLib {
  Level: LevelCtor;
  /** dynalite in this process, loaded on first call (see attach) */
  direct(): DirectFactory;
}
/** LevelDB (dynalite's own `level`) now; dynalite itself when attach asks for it. */
function loadDynalite(serverBundle: URL | undefined): DynaliteLib {
  const bundled = serverBundle && fileURLToPath(serverBundle);
  if (bundled && existsSync(bundled)) {
    // dynalite-bundle-entry.cjs: Level when read, dynalite-direct.cjs when called; compiled from
    // the code cache the build made (code-cache.ts)
    const lib = requireWithCodeCache(bundled).exports as { readonly Level: LevelCtor; direct(): DirectFactory };
    return { Level: lib.Level, direct: () => lib.direct() };
  }
  const dynalitePath = requireHere.resolve("dynalite");
  const { Level } = createRequire(dynalitePath)("level") as { Level: LevelCtor };
  let factory: DirectFactory | undefined;
  return { Level, direct: () => (factory ??= requireHere("./dynalite-direct.cjs") as DirectFactory) };
}

export interface EmbeddedDynamoOptions {
  /** default `.sst-state/db` under the working directory */
  dir?: string;
  tableName?: string;
  /**
   * How long to wait for the store to become usable when another process owns `dir` and has not
   * published a live endpoint (yet): until it publishes one, or lets go of `dir` (default 15 s).
   */
  waitMs?: number;
  cwd?: string;
  /** the CLI's bundle of dynalite and LevelDB (dist/dynalite.cjs); absent or missing: dynalite's install */
  serverBundle?: URL;
  /**
   * When an owner shares the store with other processes (serves HTTP, writes endpoint.json):
   * 0 (default) before startEmbeddedDynamo returns; n: n ms later if it is still open (a short
   * command ends first and never starts a server; another process waits for it meanwhile).
   */
  publishAfterMs?: number;
  /**
   * Told when the store could not be shared after publishAfterMs (it could not listen or write
   * endpoint.json), or its server failed later: this process goes on, another one that wants the
   * store waits for it, then says the owner "has not published a reachable endpoint".
   */
  onShareError?: (error: Error) => void;
}

export interface EmbeddedDynamo {
  client: TableClient;
  tableName: string;
  /** where the store listens now (the owner's endpoint, whichever process that is); undefined while this process owns it and has not published */
  readonly endpoint: string | undefined;
  dir: string;
  /** true while this process runs dynalite (and shares it, once published); false while it uses another process's */
  readonly owned: boolean;
  /** As owner: unpublish, stop the server, let go of `dir`. As guest: only this client closes. */
  close(): Promise<void>;
}

/** The content of `<dir>/endpoint.json`. */
export interface PublishedEndpoint {
  endpoint: string;
  pid: number;
}

function isLevelLocked(e: unknown): boolean {
  for (let cur = e as { code?: string; message?: string; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.code === "LEVEL_LOCKED" || /\bLOCK\b|already held|Resource temporarily unavailable/.test(cur.message ?? "")) return true;
  }
  return false;
}

/** A request that never reached a server (nothing listens there any more). */
/**
 * The owner went away: refused, or a kept-alive connection it closed as idle just as a request
 * went out (reset / hang-up). The owner's server drains requests in flight before it stops, so a
 * request that failed this way was not applied and is safe to send again to the next owner.
 */
function isConnectionRefused(e: unknown): boolean {
  for (let cur = e as { code?: string; message?: string; cause?: unknown } | undefined, i = 0; cur && i < 5; cur = cur.cause as typeof cur, i++) {
    if (["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(cur.code ?? "") || /\bECONNREFUSED\b|\bECONNRESET\b|socket hang up/.test(cur.message ?? "")) return true;
  }
  return false;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as { code?: string }).code === "EPERM";
  }
}

/** `<dir>/endpoint.json` when it is well-formed and names a loopback http endpoint, else null. */
export function readPublishedEndpoint(dir: string): PublishedEndpoint | null {
  try {
    const raw = JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), "utf8")) as Partial<PublishedEndpoint>;
    if (typeof raw.endpoint !== "string" || typeof raw.pid !== "number") return null;
    const url = new URL(raw.endpoint);
    if (!isLoopbackHttp(url)) return null;
    return { endpoint: raw.endpoint, pid: raw.pid };
  } catch {
    return null;
  }
}

function publishEndpoint(dir: string, published: PublishedEndpoint): void {
  replaceFileSync(join(dir, ENDPOINT_FILE), JSON.stringify(published) + "\n");
}

/** Remove endpoint.json only if it still names this server (never a successor's). */
function unpublishEndpoint(dir: string, endpoint: string): void {
  const cur = readPublishedEndpoint(dir);
  if (cur && cur.endpoint === endpoint && cur.pid === process.pid) rmSync(join(dir, ENDPOINT_FILE), { force: true });
}

/** Where the store is, for this process: here (owner), or in another process (guest). */
type Backing = Owner | { owned: false; endpoint: string };
interface Owner {
  owned: true;
  /** this process's calls, to dynalite in this process */
  client: TableClient;
  /** set once published */
  readonly endpoint: string | undefined;
  /** start the HTTP server on the store and write endpoint.json (once) */
  publish(): Promise<void>;
  /** unpublish, stop the server, close the store, let go of `dir` */
  stop(): Promise<void>;
}

interface OpenContext {
  dir: string;
  shown: string;
  tableName: string;
  waitMs: number;
  lib: DynaliteLib;
  onShareError?: (error: Error) => void;
}

/** Step 2 of the header: the published endpoint, if its process is alive and it answers. */
async function liveGuestEndpoint(ctx: OpenContext): Promise<string | null> {
  const published = readPublishedEndpoint(ctx.dir);
  if (!published || !pidAlive(published.pid)) return null;
  const probe = createJsonTableClient({ endpoint: () => published.endpoint, connectTimeoutMs: 1_000, requestTimeoutMs: 3_000 });
  try {
    await ensureTable(probe, ctx.tableName);
    return published.endpoint;
  } catch {
    return null;
  } finally {
    probe.destroy();
  }
}

/** dynalite could not start: what went wrong, and what to do */
function cannotStart(ctx: OpenContext, e: unknown): StoreUnavailableError {
  return e instanceof StoreUnavailableError
    ? e
    : new StoreUnavailableError(`Could not start the embedded store at ${ctx.shown}: ${(e as Error).message}`, "Delete the folder if it holds nothing you need, or set SST_STATE_TABLE.", e);
}

/** Step 1 of the header: run dynalite here on the data folder (the owner lock is held). */
async function openAsOwner(ctx: OpenContext, owner: LevelDb, direct: DirectFactory): Promise<Owner> {
  let store: DirectDynalite | undefined;
  let client: TableClient;
  try {
    // A file left by a killed owner must not send anyone to a dead (or reused) port meanwhile.
    rmSync(join(ctx.dir, ENDPOINT_FILE), { force: true });
    // dynalite opens its LevelDB as it is created
    store = direct({ path: join(ctx.dir, "data"), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    client = createExchangeTableClient(store.call, () => `the embedded store at ${ctx.shown}`);
    await ensureTable(client, ctx.tableName);
  } catch (e) {
    await store?.close().catch(() => {});
    await owner.close().catch(() => {});
    throw cannotStart(ctx, e);
  }
  const s = store;
  let endpoint: string | undefined;
  let publishing: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    owned: true,
    client,
    get endpoint() {
      return endpoint;
    },
    publish() {
      publishing ??= (async () => {
        if (stopping) return;
        let server: Server;
        try {
          // dynalite's server (index.js) loads here, with the first publish: a broken install shows here
          server = s.serve();
        } catch (e) {
          throw cannotLoad("dynalite", e);
        }
        await new Promise<void>((ok, fail) => {
          server.once("error", fail);
          server.listen(0, "127.0.0.1", () => {
            server.off("error", fail);
            // an error after it listens (an accept that fails) must not end the process: guests retry
            server.on("error", (e) => ctx.onShareError?.(e));
            ok();
          });
        });
        // closed meanwhile: stop() closes the server with the store; nothing is published
        if (stopping) return;
        const addr = server.address();
        const listening = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
        publishEndpoint(ctx.dir, { endpoint: listening, pid: process.pid });
        endpoint = listening;
      })();
      return publishing;
    },
    stop() {
      stopping ??= (async () => {
        // A publish under way ends first (its server is then closed with the store); unpublish
        // before the server goes, so no new guest comes meanwhile. The owner lock is let go
        // whatever happens before it, or the folder would stay locked until this process ends.
        try {
          await publishing?.catch(() => {});
          if (endpoint) unpublishEndpoint(ctx.dir, endpoint);
          await s.close();
        } finally {
          await owner.close();
        }
      })();
      return stopping;
    },
  };
}

/** A part of the embedded store that does not load: a broken install. */
function cannotLoad(part: string, e: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`Cannot load the embedded store's ${part}: ${(e as Error).message}`, "Run `npm install` again in sst-state's folder, or set SST_STATE_TABLE to use a DynamoDB table.", e);
}

/** Steps 1–3 of the header, until one succeeds or `waitMs` has passed. */
async function attach(ctx: OpenContext): Promise<Backing> {
  const deadline = Date.now() + ctx.waitMs;
  for (;;) {
    const db = new ctx.lib.Level(join(ctx.dir, "owner"));
    let lockError: unknown;
    const opening = db.open();
    // Loading dynalite is tens of milliseconds of CPU (a guest loads it too, as it may become owner).
    // The open above does not run meanwhile: classic-level awaits a mkdir before it opens, so its
    // disk work starts once this thread is free; opening an existing store without that step
    // measured no faster (paired runs of `locks`, 1.00x), the open being a few milliseconds.
    let direct: DirectFactory;
    try {
      direct = ctx.lib.direct();
    } catch (e) {
      // a broken install: the open is let finish and closed, so no handle keeps the process alive
      await opening.then(() => db.close(), () => {});
      throw cannotLoad("dynalite", e);
    }
    try {
      await opening;
    } catch (e) {
      if (!isLevelLocked(e)) {
        throw new StoreUnavailableError(`Cannot open the embedded store at ${ctx.shown}: ${(e as Error).message}`, "Check the folder's permissions, or set SST_STATE_TABLE to use a DynamoDB table.", e);
      }
      lockError = e;
    }
    if (!lockError) return openAsOwner(ctx, db, direct);

    const endpoint = await liveGuestEndpoint(ctx);
    if (endpoint) return { owned: false, endpoint };

    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `another sst-state process is using ${ctx.shown}; stop it or set SST_STATE_TABLE`,
        `Another process owns the embedded store (${ctx.dir}) and has not published a reachable endpoint in ${join(ctx.dir, ENDPOINT_FILE)} (it may be an older sst-state, or still starting). ` +
          "Stop the other `sst-state` (often `sst-state serve`) or try again, or point every process at one DynamoDB table with SST_STATE_TABLE.",
        lockError,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startEmbeddedDynamo(opts: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const cwd = opts.cwd ?? process.cwd();
  const dir = resolve(cwd, opts.dir ?? DEFAULT_EMBEDDED_DIR);
  const shown = isAbsolute(opts.dir ?? "") ? dir : relative(cwd, dir) || dir;
  const tableName = opts.tableName ?? DEFAULT_EMBEDDED_TABLE;
  const publishAfterMs = opts.publishAfterMs ?? 0;
  let lib: DynaliteLib;
  try {
    lib = loadDynalite(opts.serverBundle);
  } catch (e) {
    throw cannotLoad("LevelDB", e);
  }
  // A racing owner may need seconds to start on a busy machine: wait for it (the hand-off) rather
  // than fail with "another process is using" — every loser of a lock race must name the holder.
  const ctx: OpenContext = { dir, shown, tableName, waitMs: opts.waitMs ?? 15_000, lib, ...(opts.onShareError ? { onShareError: opts.onShareError } : {}) };

  try {
    mkdirSync(join(dir, "data"), { recursive: true });
  } catch (e) {
    throw new StoreUnavailableError(`Cannot create the embedded store at ${shown}: ${(e as Error).message}`, "Run from a writable directory, or set SST_STATE_TABLE to use a DynamoDB table.", e);
  }

  let closed = false;
  /** set as close() starts: no publish starts after it */
  let closing: Promise<void> | undefined;
  let publishTimer: ReturnType<typeof setTimeout> | undefined;
  /** An owner shares the store now, or after publishAfterMs (see the header). */
  const share = async (backing: Backing): Promise<Backing> => {
    if (!backing.owned) return backing;
    if (publishAfterMs <= 0) {
      try {
        await backing.publish();
      } catch (e) {
        await backing.stop().catch(() => {});
        throw cannotStart(ctx, e);
      }
    } else {
      // A store that cannot be published stays this process's (onShareError is told).
      publishTimer = setTimeout(() => void (closing || backing.publish().catch((e: Error) => ctx.onShareError?.(e))), publishAfterMs);
      // not a reason to stay alive: a command that is done ends without publishing
      publishTimer.unref();
    }
    return backing;
  };

  let current = await share(await attach(ctx));
  let reattaching: Promise<void> | undefined;

  /** The guest's owner went away: open again (as owner or guest), once for all waiting requests. */
  const reattach = (failedEndpoint: string): Promise<void> => {
    if (current.endpoint !== failedEndpoint) return Promise.resolve(); // someone already did
    return (reattaching ??= attach(ctx)
      .then(share)
      .then((next) => {
        current = next;
      })
      .finally(() => {
        reattaching = undefined;
      }));
  };

  // Requests on their way: close() waits for them, because dynalite keeps working on a request
  // after its client hung up, and a scan still running when the server and its LevelDB close
  // throws "Database is not open" from a timer, where nothing can catch it (the process died with
  // a stack trace). A command that fails fast (an unknown stage) while a lock read is still in
  // flight must end cleanly.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => void inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  const json = createJsonTableClient({ endpoint: () => current.endpoint ?? "" });
  const client: TableClient = {
    call: (operation, input) =>
      track(
        (async () => {
          // Owners come and go when many short CLI processes race (each may own the store for a
          // moment): follow the hand-off a few times before giving up.
          for (let attempt = 0; ; attempt++) {
            const now = current;
            if (now.owned) return now.client.call(operation, input);
            try {
              return await json.call(operation, input);
            } catch (e) {
              if (closed || !isConnectionRefused(e) || attempt >= 8) throw e;
              await reattach(now.endpoint);
              if (closed) throw e;
            }
          }
        })(),
      ),
    where: () => (current.owned ? current.client.where() : json.where()),
  };

  return {
    client,
    tableName,
    dir,
    get endpoint() {
      return current.endpoint;
    },
    get owned() {
      return current.owned;
    },
    close() {
      closing ??= (async () => {
        clearTimeout(publishTimer);
        await Promise.allSettled([...inFlight]);
        closed = true;
        await reattaching?.catch(() => {});
        json.destroy();
        if (current.owned) await current.stop();
      })();
      return closing;
    },
  };
}
