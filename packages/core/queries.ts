/**
 * The read side shared by the CLI, the Slack worker and the workflow: status, history and diff
 * of one stage, as the JSON contract of DESIGN §4 (report-types.ts). Each call reads only what it
 * needs, in parallel, and parses each state once.
 */
import type { Config } from "./config.ts";
import { AppNotFoundError, UsageError } from "./errors.ts";
import type { LockStore } from "./lock/types.ts";
import type { ApprovalStore, AuditLog, Clock, StateStore } from "./ports.ts";
import { getRestoreStatus } from "./restore/status.ts";
import type { DiffReport, HistoryEntry, HistoryReport, StatusReport } from "./report-types.ts";
import { indexCheckpoint } from "./state/checkpoint-index.ts";
import { diffViews } from "./state/diff.ts";
import { summarizeView } from "./state/summary.ts";
import { resolveVersion } from "./state/versions.ts";

/** The table's stores a status report shows (deploy lock, restore requests), when there is a table. */
export interface StatusTables {
  locks?: LockStore;
  /** restore requests and the audit log, for the status report */
  restores?: { approvals: ApprovalStore; audit: AuditLog };
}

export interface QueryDeps extends StatusTables {
  store: StateStore;
  clock: Clock;
}

/** `prod` or `shop/prod` → { app?, stage } */
export function splitTarget(target: string): { app?: string; stage: string } {
  const slash = target.indexOf("/");
  if (slash < 0) return { stage: target };
  const app = target.slice(0, slash);
  const stage = target.slice(slash + 1);
  if (!app || !stage || stage.includes("/")) {
    throw new UsageError(`"${target}" is not a stage.`, "Name a stage (`prod`) or an app and a stage (`shop/prod`).");
  }
  return { app, stage };
}

/**
 * The app to use: the one named (`--app`, `<app>/<stage>`, SST_STATE_APP), else the config's,
 * else the only app in the home. Several apps and none named is a usage error that lists them.
 */
export async function resolveApp(store: StateStore, explicit: string | undefined, config?: Pick<Config, "app">): Promise<string> {
  const named = explicit ?? config?.app;
  if (named) return named;
  const apps = await store.listApps();
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) throw new AppNotFoundError("(any)", [], store.location);
  throw new UsageError(
    `${store.location} holds state for several apps: ${apps.join(", ")}.`,
    "Name one: `--app <app>`, `<app>/<stage>`, SST_STATE_APP, or \"app\" in sst-state.json.",
    "Name one: `<app>/<stage>` or `--app <app>` (the bot's default app is \"app\" in its sst-state.json).",
  );
}

/**
 * `tables`: the table's stores still being opened (the CLI's embedded store takes a few hundred
 * milliseconds of start-up), used once open; the state is read meanwhile. Default: `deps.locks`
 * and `deps.restores`.
 */
export async function getStatus(deps: QueryDeps, app: string, stage: string, tables?: Promise<StatusTables | undefined>): Promise<StatusReport> {
  const { store, clock } = deps;
  const fromTables = async () => {
    const t = tables ? await tables : deps;
    return Promise.all([
      t?.locks ? t.locks.get(app, stage, clock.now()) : undefined,
      t?.restores ? getRestoreStatus(t.restores, app, stage, clock.now(), { recent: 3 }) : undefined,
      !!t?.locks,
    ] as const);
  };
  const [current, versions, sstLock, updates, [lease, restores, hasLocks]] = await Promise.all([
    store.readCurrent(app, stage),
    // only the current version's time is shown: no update record is needed
    store.listVersions(app, stage, { records: 0 }),
    store.readSstLock(app, stage),
    store.listUpdates(app, stage, 1),
    fromTables(),
  ]);
  // As byte ranges: only urn, type, parent and custom of each resource are decoded (state/checkpoint-index.ts).
  const summary = summarizeView(indexCheckpoint(current.bytes, `${app}/${stage}`));
  const last = updates[0];
  let lock: StatusReport["lock"] = null;
  if (sstLock) {
    const lockUpdate = last?.id === sstLock.updateID ? last : await store.readUpdate(app, stage, sstLock.updateID);
    const created = Date.parse(sstLock.created);
    lock = {
      created: sstLock.created,
      updateID: sstLock.updateID,
      command: sstLock.command ?? null,
      ageSeconds: Number.isFinite(created) ? Math.max(0, Math.round((clock.now() - created) / 1000)) : 0,
      updateCompleted: !!lockUpdate?.timeCompleted,
    };
  }
  return {
    app,
    stage,
    resources: summary.resources,
    types: summary.types,
    pendingOperations: summary.pendingOperations,
    // The time `history` shows for the current version (its update's start, or when the current
    // file was written when it is no snapshot), so that the two commands never disagree.
    updatedAt: versions.find((v) => v.isCurrent)?.time ?? current.time ?? null,
    lock,
    lastUpdate: last
      ? {
          id: last.id,
          command: last.command ?? null,
          timeStarted: last.timeStarted ?? null,
          timeCompleted: last.timeCompleted ?? null,
          errors: last.errors ?? [],
        }
      : null,
    components: summary.components,
    pulumiVersion: summary.pulumiVersion,
    outputs: summary.outputs,
    ...(hasLocks ? { lease: lease ?? null } : {}),
    ...(restores ? { restores } : {}),
    home: store.home,
    location: store.location,
  };
}

export async function getHistory(
  deps: QueryDeps,
  app: string,
  stage: string,
  opts: { limit?: number; all?: boolean; cursor?: string } = {},
): Promise<HistoryReport> {
  const limit = opts.limit ?? 20;
  if (opts.all) {
    // Raw object versions: a stage can have hundreds of thousands, so one page at a time.
    // listVersions first: an unknown stage → StageNotFoundError listing stages (without
    // downloading the whole current state just to learn that it exists).
    const versions = await deps.store.listVersions(app, stage, { records: limit });
    const page = await deps.store.listObjectVersions(app, stage, { limit, ...(opts.cursor ? { cursor: opts.cursor } : {}) });
    return { app, stage, versions: versions.slice(0, limit).map(toEntry), objectVersions: page.versions, ...(page.cursor ? { next: page.cursor } : {}) };
  }
  // the records of the versions shown only: on S3 each is one GET
  const versions = await deps.store.listVersions(app, stage, { records: limit });
  return { app, stage, versions: versions.slice(0, limit).map(toEntry) };
}

function toEntry(v: Awaited<ReturnType<StateStore["listVersions"]>>[number]): HistoryEntry {
  return {
    id: v.id,
    kind: v.kind,
    time: v.time,
    isCurrent: v.isCurrent,
    command: v.update?.command ?? null,
    completed: v.update ? !!v.update.timeCompleted : null,
    errors: v.update?.errors?.length ?? 0,
    version: v.update?.version ?? null,
    ...restoredBy(v.update?.restore),
    ...(v.commit ? { commit: { sha: v.commit.short, author: v.commit.author, subject: v.commit.subject } } : {}),
  };
}

/** The `restore` field a restore writes into its update record (restore/execute.ts). */
function restoredBy(restore: unknown): Pick<HistoryEntry, "by"> {
  if (!restore || typeof restore !== "object") return {};
  const { requester, approver } = restore as { requester?: unknown; approver?: unknown };
  if (typeof requester !== "string") return {};
  return { by: { requester, approver: typeof approver === "string" ? approver : null } };
}

export async function getDiff(deps: QueryDeps, app: string, stage: string, from = "previous", to = "latest"): Promise<DiffReport> {
  // selectors name versions by id, position or sha: no update record is needed
  const versions = await deps.store.listVersions(app, stage, { records: 0 });
  const [a, b] = await Promise.all([
    resolveVersion(deps.store, app, stage, from, versions),
    resolveVersion(deps.store, app, stage, to, versions),
  ]);
  const [bytesA, bytesB] = await Promise.all([a.read(), b.read()]);
  // As byte ranges: only the resources whose bytes differ are parsed (state/checkpoint-index.ts).
  return diffViews(indexCheckpoint(bytesA, `${app}/${stage}@${a.label}`), indexCheckpoint(bytesB, `${app}/${stage}@${b.label}`), {
    from: a.label,
    to: b.label,
  });
}
