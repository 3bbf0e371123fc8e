/**
 * Our stores for the CLI, over the table of `services.table()` (SST_STATE_TABLE or the embedded
 * store): deploy locks, restore requests and the audit log. Which deploy lock is the rule in
 * packages/services/services.ts (`lockStore`): on a git home without SST_STATE_TABLE, the lock ref
 * on the git remote.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isSstStateError } from "@sst-state/core/errors";
import type { LockStore } from "@sst-state/core/lock/types";
import type { ApprovalStore, AuditLog } from "@sst-state/core/ports";
import type { Services } from "./services.ts";

export function lockStore(services: Services): Promise<LockStore> {
  return services.lockStore();
}

export interface TableStores {
  locks: LockStore;
  restores: { approvals: ApprovalStore; audit: AuditLog };
}

/**
 * For `status`: the table's stores when a table is configured or the embedded one exists, else
 * undefined. A store that cannot be opened right now (e.g. another process holds the embedded
 * one and publishes no endpoint) does not fail the status: locks and restores are just not shown.
 */
export async function optionalTableStores(services: Services): Promise<Partial<TableStores> | undefined> {
  // on a git home without a table the deploy lock is the git lock, with or without the embedded store
  const gitLocks = !services.env.SST_STATE_TABLE && services.home() === "git" ? await services.lockStore() : undefined;
  if (!services.env.SST_STATE_TABLE && !existsSync(join(services.project.root, ".sst-state", "db"))) return gitLocks ? { locks: gitLocks } : undefined;
  try {
    // asked for together: their modules load while the table opens
    const [locks, approvals, audit] = await Promise.all([gitLocks ?? services.lockStore(), services.approvals(), services.audit()]);
    return { locks, restores: { approvals, audit } };
  } catch (e) {
    if (isSstStateError(e)) return gitLocks ? { locks: gitLocks } : undefined;
    throw e;
  }
}
