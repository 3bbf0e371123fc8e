/**
 * Our lock store for the CLI, over the table of `services.table()` (SST_STATE_TABLE or the
 * embedded store).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isSstStateError } from "@sst-state/core/errors";
import type { LockStore } from "@sst-state/core/lock/types";
import { createDynamoLockStore } from "@sst-state/adapters/dynamodb-lock-store";
import type { Services } from "./services.ts";

export async function lockStore(services: Services): Promise<LockStore> {
  const t = await services.table();
  return createDynamoLockStore({ client: t.client, tableName: t.tableName });
}

/**
 * For `status`: the lock store when a table is configured or the embedded one exists, else
 * undefined. A store that cannot be opened right now (e.g. `serve` holds the embedded one) does
 * not fail the status: its lease is simply not shown.
 */
export async function optionalLockStore(services: Services): Promise<LockStore | undefined> {
  if (!services.env.SST_STATE_TABLE && !existsSync(join(services.cwd, ".sst-state", "db"))) return undefined;
  try {
    return await lockStore(services);
  } catch (e) {
    if (isSstStateError(e)) return undefined;
    throw e;
  }
}
