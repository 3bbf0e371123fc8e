/**
 * Our lock store for the CLI: the DynamoDB table named by SST_STATE_TABLE, else the embedded
 * store under .sst-state/db in the working directory (DESIGN §4).
 */
import type { LockStore } from "@sst-state/core/lock/types";
import type { Services } from "./services.ts";

/** The lock store when one is configured or the embedded one exists; status uses this. */
export async function optionalLockStore(_services: Services): Promise<LockStore | undefined> {
  return undefined;
}
