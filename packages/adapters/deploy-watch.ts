/**
 * The deploy feed's watchers (core/feed `DeployWatchSource`): what SST wrote to its home, read
 * without writing anything. Both share the home's own StateStore for the lock and the records
 * (the same parsing, gzip sniffing and errors as every other command) and add the two cheap reads
 * the feed needs on every poll:
 *
 *   home         new update ids                                   last save of the state
 *   local        readdir `state/update/<app>/<stage>/`             mtime of `state/app/<app>/<stage>.json`
 *   S3 bucket    ListObjectsV2 `update/<app>/<stage>/`, one page    HeadObject `app/<app>/<stage>.json`
 *                of the head (ids sort newest first, so new ones    (LastModified)
 *                come first; it pages on only while none is older
 *                than the cursor)
 *
 * On AWS the function that runs this needs only s3:ListBucket (prefixes `update/`, `lock/`,
 * `app/`, `snapshot/`) and s3:GetObject on the one bucket (infra/feed.ts). A git home has no
 * watcher: its deploys arrive as commits, not as SST's lock and records.
 */
import { HeadObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { AppNotFoundError, UsageError } from "@sst-state/core/errors";
import type { DeployWatchSource } from "@sst-state/core/feed";
import { nameProblem } from "@sst-state/core/names";
import type { StateStore } from "@sst-state/core/ports";
import { stateKeys, updateIdOfKey } from "@sst-state/core/state/versions";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LocalHomeStore } from "./local-home.ts";
import { isNoSuchKey, s3Unavailable } from "./s3-errors.ts";
import type { S3HomeStore } from "./s3-home.ts";

/** Newest first, newer than `after`, at most `limit`. */
function pickNew(ids: Iterable<string>, after: string | null, limit: number): string[] {
  return [...ids].filter((id) => after === null || id < after).sort().slice(0, Math.max(0, limit));
}

/** Names come from the policy file and the home's listing: refuse any that could leave the home. */
function checked(app: string, stage: string): void {
  const why = nameProblem("app", app) ?? nameProblem("stage", stage);
  if (why) throw new UsageError(`The deploy feed cannot watch ${app}/${stage}: ${why}.`, "Fix the stage name in sst-state.json.");
}

/** The parts both watchers take from the home's StateStore. */
function shared(store: StateStore): Pick<DeployWatchSource, "location" | "listApps" | "listStages" | "readLock" | "readUpdate"> {
  return {
    location: store.location,
    listApps: () => store.listApps(),
    async listStages(app) {
      try {
        return await store.listStages(app);
      } catch (e) {
        if (e instanceof AppNotFoundError) return [];
        throw e;
      }
    },
    readLock: (app, stage) => (checked(app, stage), store.readSstLock(app, stage)),
    readUpdate: (app, stage, id) => (checked(app, stage), store.readUpdate(app, stage, id)),
  };
}

export function createLocalDeployWatch(store: LocalHomeStore): DeployWatchSource {
  const file = (key: string) => join(store.root, "state", key);
  return {
    ...shared(store),
    async listUpdateIds(app, stage, after, limit) {
      checked(app, stage);
      let names: string[];
      try {
        names = await readdir(file(stateKeys.updatePrefix(app, stage)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
      return pickNew(names.map((n) => updateIdOfKey(n)).filter((id): id is string => !!id), after, limit);
    },
    async stateSavedAt(app, stage) {
      checked(app, stage);
      try {
        return (await stat(file(stateKeys.app(app, stage)))).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw e;
      }
    },
  };
}

export function createS3DeployWatch(store: S3HomeStore): DeployWatchSource {
  const { client, bucket } = store;
  return {
    ...shared(store),
    async listUpdateIds(app, stage, after, limit) {
      checked(app, stage);
      const prefix = stateKeys.updatePrefix(app, stage);
      const ids: string[] = [];
      try {
        // Keys sort ascending = newest first (SST's updateID begins with 2^48-1 - unixMillis:
        // core/state/update-id.ts); stop at the cursor or once there are enough.
        for await (const r of paginateListObjectsV2({ client, pageSize: Math.min(1000, Math.max(1, limit)) }, { Bucket: bucket, Prefix: prefix })) {
          let reachedCursor = false;
          for (const o of r.Contents ?? []) {
            const id = o.Key ? updateIdOfKey(o.Key) : undefined;
            if (!id) continue;
            if (after !== null && id >= after) reachedCursor = true;
            else ids.push(id);
          }
          if (reachedCursor || ids.length >= limit) break;
        }
      } catch (e) {
        throw s3Unavailable(e, { bucket, op: "list", key: prefix });
      }
      return pickNew(ids, after, limit);
    },
    async stateSavedAt(app, stage) {
      checked(app, stage);
      const key = stateKeys.app(app, stage);
      try {
        const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return h.LastModified ? h.LastModified.getTime() : null;
      } catch (e) {
        if (isNoSuchKey(e)) return null;
        throw s3Unavailable(e, { bucket, op: "read", key });
      }
    },
  };
}

/** The watcher for the home `store` is: local or S3. */
export function createDeployWatch(store: StateStore): DeployWatchSource {
  if (store.home === "local") return createLocalDeployWatch(store as LocalHomeStore);
  if (store.home === "aws") return createS3DeployWatch(store as S3HomeStore);
  throw new UsageError(
    "The deploy feed watches SST's local home or its S3 bucket, not a git home.",
    "Run `serve` with the home your deploys write to (SST_STATE_HOME=local or aws); a git home's deploys are its commits.",
  );
}
