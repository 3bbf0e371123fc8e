/**
 * The embedded store behind the CLI and `sst-state serve` when SST_STATE_TABLE is not set
 * (DESIGN §3 "One machine, embedded defaults"): dynalite (a DynamoDB-compatible server on
 * LevelDB) in this process, on a random loopback port, with its data on disk under `dir`
 * (default `.sst-state/db` in the working directory). The same DynamoDB stores run over it.
 *
 *   <dir>/owner/   a tiny LevelDB opened first and held until close(): LevelDB takes an exclusive
 *                  OS lock on it (released by the OS if the process dies), so it says which
 *                  process owns <dir>. A second process waits up to `waitMs` for it, then fails
 *                  with "another sst-state process is using .sst-state/db; …".
 *   <dir>/data/    dynalite's LevelDB. Only the owner opens it: dynalite itself does not survive
 *                  a LevelDB lock error (it surfaces as an uncaught iterator error), hence the
 *                  owner lock in front of it.
 *
 * dynalite has conditional writes and GSIs, but no streams, TTL or transactions: lock
 * announcements on this store come from the locker's `onEvent`, not from a stream.
 *
 * dynalite and its LevelDB are loaded with `require` from dynalite's own install (they are
 * CommonJS with a native addon, so they must stay outside a bundle).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { StoreUnavailableError } from "@sst-state/core/errors";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve } from "node:path";
import { createDynamoClient } from "./dynamodb-client.ts";
import { ensureTable } from "./dynamo-table.ts";

export const DEFAULT_EMBEDDED_DIR = ".sst-state/db";
export const DEFAULT_EMBEDDED_TABLE = "sst-state";
const LOCAL_CREDENTIALS = { accessKeyId: "embedded", secretAccessKey: "embedded" };

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelCtor = new (location: string) => LevelDb;
type DynaliteFactory = (opts: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

const requireHere = createRequire(import.meta.url);
function loadDynalite(): { dynalite: DynaliteFactory; Level: LevelCtor } {
  const dynalitePath = requireHere.resolve("dynalite");
  const dynalite = requireHere(dynalitePath) as DynaliteFactory;
  const { Level } = createRequire(dynalitePath)("level") as { Level: LevelCtor };
  return { dynalite, Level };
}

export interface EmbeddedDynamoOptions {
  /** default `.sst-state/db` under the working directory */
  dir?: string;
  tableName?: string;
  /** how long to wait for another process to let go of `dir` (default 2 s) */
  waitMs?: number;
  cwd?: string;
}

export interface EmbeddedDynamo {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  dir: string;
  close(): Promise<void>;
}

function isLevelLocked(e: unknown): boolean {
  for (let cur = e as { code?: string; message?: string; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.code === "LEVEL_LOCKED" || /\bLOCK\b|already held|Resource temporarily unavailable/.test(cur.message ?? "")) return true;
  }
  return false;
}

export async function startEmbeddedDynamo(opts: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const cwd = opts.cwd ?? process.cwd();
  const dir = resolve(cwd, opts.dir ?? DEFAULT_EMBEDDED_DIR);
  const shown = isAbsolute(opts.dir ?? "") ? dir : relative(cwd, dir) || dir;
  const tableName = opts.tableName ?? DEFAULT_EMBEDDED_TABLE;
  const waitMs = opts.waitMs ?? 2_000;
  const { dynalite, Level } = loadDynalite();

  try {
    mkdirSync(join(dir, "data"), { recursive: true });
  } catch (e) {
    throw new StoreUnavailableError(`Cannot create the embedded store at ${shown}: ${(e as Error).message}`, "Run from a writable directory, or set SST_STATE_TABLE to use a DynamoDB table.", e);
  }

  // 1. Become the owner of `dir` (or wait a little for the process that is).
  const deadline = Date.now() + waitMs;
  let owner: LevelDb;
  for (;;) {
    const db = new Level(join(dir, "owner"));
    try {
      await db.open();
      owner = db;
      break;
    } catch (e) {
      if (!isLevelLocked(e)) {
        throw new StoreUnavailableError(`Cannot open the embedded store at ${shown}: ${(e as Error).message}`, "Check the folder's permissions, or set SST_STATE_TABLE to use a DynamoDB table.", e);
      }
      if (Date.now() >= deadline) {
        throw new StoreUnavailableError(
          `another sst-state process is using ${shown}; stop it or set SST_STATE_TABLE`,
          `Only one process at a time can open the embedded store (${dir}). Stop the other \`sst-state\` (often \`sst-state serve\`), or point every process at one DynamoDB table with SST_STATE_TABLE.`,
          e,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // 2. dynalite on the data folder, on a random loopback port.
  let server: Server | undefined;
  try {
    server = dynalite({ path: join(dir, "data"), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((ok, fail) => {
      server!.once("error", fail);
      server!.listen(0, "127.0.0.1", () => ok());
    });
    const addr = server.address();
    const endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    const client = createDynamoClient({ endpoint, env: {}, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    await ensureTable(client, tableName);
    let closed: Promise<void> | undefined;
    return {
      client,
      tableName,
      endpoint,
      dir,
      close() {
        closed ??= (async () => {
          client.destroy();
          await new Promise<void>((ok) => server!.close(() => ok()));
          await owner.close();
        })();
        return closed;
      },
    };
  } catch (e) {
    if (server?.listening) await new Promise<void>((ok) => server!.close(() => ok()));
    await owner.close().catch(() => {});
    throw e instanceof StoreUnavailableError
      ? e
      : new StoreUnavailableError(`Could not start the embedded store at ${shown}: ${(e as Error).message}`, "Delete the folder if it holds nothing you need, or set SST_STATE_TABLE.", e);
  }
}
