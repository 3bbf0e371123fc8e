/**
 * Writes the code cache of the CLI's bundle of dynalite (packages/cli/dist/dynalite.cjs.cache,
 * packages/adapters/code-cache.ts), run by scripts/build.mjs after it bundles it: the bundle is
 * loaded and the store opened and called as `locks` and `status` do (a new store: the table is
 * created; then the reads and writes of a lock, the restore requests and the audit log), so the
 * cache holds what those runs compile, then it is written. Usage: node --import tsx
 * scripts/warm-code-cache.ts <bundle>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cacheFileOf, writeCodeCache } from "../packages/adapters/code-cache.ts";
import { createDynamoApprovalStore } from "../packages/adapters/dynamodb-approval-store.ts";
import { createDynamoAuditLog } from "../packages/adapters/dynamodb-audit-log.ts";
import { createDynamoLockStore } from "../packages/adapters/dynamodb-lock-store.ts";
import { startEmbeddedDynamo } from "../packages/adapters/embedded-dynamo.ts";

const bundle = resolve(process.argv[2] ?? "");
// a cache of an earlier build must not be read while this one is made
rmSync(cacheFileOf(bundle), { force: true });
const dir = mkdtempSync(join(tmpdir(), "sst-state-code-cache-"));
try {
  // no HTTP server: the commands that gain from the cache never start one
  const db = await startEmbeddedDynamo({ dir: join(dir, "db"), serverBundle: pathToFileURL(bundle), publishAfterMs: 3_600_000 });
  try {
    const now = Date.now();
    const locks = createDynamoLockStore(db);
    const got = await locks.acquire({ app: "shop", stage: "dev", holder: "warm", reason: "code cache", ttlMs: 60_000 }, now);
    await locks.get("shop", "dev", now);
    await locks.list(now);
    await locks.list(now, "shop");
    await locks.release("shop", "dev", got.lock.token, now);
    await createDynamoApprovalStore(db).listPending({ app: "shop", stage: "dev" });
    await createDynamoAuditLog(db).list("shop", "dev", { limit: 5 });
  } finally {
    await db.close();
  }
  const bytes = writeCodeCache(bundle);
  console.log(`${cacheFileOf(bundle)}: ${(bytes / 1024).toFixed(0)} KB of V8 code cache`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
