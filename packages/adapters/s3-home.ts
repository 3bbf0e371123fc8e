/**
 * StateStore over SST's AWS home: the versioned state bucket named by SSM `/sst/bootstrap`
 * (DESIGN §2). Keys as SST writes them: `app/<app>/<stage>.json`, `snapshot/…/<updateID>.json`,
 * `update/…`, `lock/…`, legacy `history/…`; `secret/` is never read.
 *
 * - Versions follow the shared model (core/state/versions.ts). The current object is compared with
 *   the newest snapshot by ETag, then size + encoding, and only then by bytes.
 * - Object versions of `app/<app>/<stage>.json` are paged with ListObjectVersions; a stage can have
 *   hundreds of thousands (SST re-pushes during every deploy), so nothing here lists them all.
 * - Every read sniffs gzip (`1f 8b`, SST v4.13+ `state.compress`).
 * - Writes (restore only, core/restore/write.ts) are conditional: PutObject `If-Match: <ETag>` for
 *   the current state, `If-None-Match: *` for SST's lock and for snapshots (never replaced). Servers
 *   without conditional PUTs (OpenStack Swift answers 501 NotImplemented) get a HEAD-compare-PUT
 *   instead, which is safe only because the caller holds the stage's lock (DESIGN §3); SST itself
 *   could still write between the HEAD and the PUT, and then its next push wins, as it would have
 *   anyway. Versioning keeps every replaced object.
 * - SDK failures become StoreUnavailableError with a hint naming the bucket, credentials, region
 *   and endpoint to check (s3-errors.ts, the one mapping of S3's errors).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SstLockHeldError, StateChangedError, StoreUnavailableError, VersionNotFoundError } from "@sst-state/core/errors";
import type { CurrentState, CurrentStateReader, ObjectVersion, StateStore, StateVersion } from "@sst-state/core/ports";
import type { SstLock, UpdateRecord } from "@sst-state/core/state/types";
import {
  assembleVersions,
  decodeStored,
  describeSstLock,
  mapLimit,
  parseSmallJson,
  sameStoredContent,
  snapshotExists,
  stageDirectory,
  stateKeys,
  stripQuotes,
  summaryToUpdate,
  updateIdOfKey,
  type StoredObject,
} from "@sst-state/core/state/versions";
import {
  errName,
  errStatus,
  isAccessError,
  isNoSuchKey,
  isNotImplemented,
  isObjectGone,
  isPreconditionFailed,
  isRangeNotSatisfiable,
  missingVersion,
  s3Unavailable,
  serverFailed,
} from "./s3-errors.ts";

export interface S3HomeStoreOptions {
  bucket: string;
  client: S3Client;
  /** for hints only: the environment the client was built from */
  env?: Record<string, string | undefined>;
}

export interface S3HomeStore extends StateStore {
  readonly home: "aws";
  readonly bucket: string;
  readonly client: S3Client;
  openCurrent(app: string, stage: string): Promise<CurrentStateReader>;
}

/** Cursor over ListObjectVersions: KeyMarker + VersionIdMarker, base64url JSON (opaque to callers). */
function encodeCursor(c: { k: string; v?: string }): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}
function decodeCursor(s: string): { k: string; v?: string } {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as { k?: unknown; v?: unknown };
    if (typeof c.k === "string") return { k: c.k, ...(typeof c.v === "string" ? { v: c.v } : {}) };
  } catch {
    /* fall through */
  }
  throw new VersionNotFoundError(s, "that paging cursor was not made by this store; start again without it.");
}

export function createS3HomeStore(opts: S3HomeStoreOptions): S3HomeStore {
  const { bucket, client } = opts;
  const location = `s3://${bucket}`;
  const fail = (e: unknown, op: string, key?: string) => s3Unavailable(e, { bucket, op, ...(key ? { key } : {}), ...(opts.env ? { env: opts.env } : {}) });

  /** GetObject; null when the key does not exist */
  const get = async (key: string, extra: { Range?: string; VersionId?: string } = {}) => {
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
      const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
      return { bytes, etag: r.ETag, versionId: r.VersionId, time: r.LastModified?.toISOString() };
    } catch (e) {
      if (isNoSuchKey(e) && !extra.VersionId) return null;
      throw e;
    }
  };
  const read = async (key: string): Promise<Uint8Array | null> => {
    try {
      return (await get(key))?.bytes ?? null;
    } catch (e) {
      throw fail(e, "read", key);
    }
  };
  const head = async (key: string, n: number): Promise<Uint8Array | null> => {
    try {
      return (await get(key, { Range: `bytes=0-${n - 1}` }))?.bytes.subarray(0, n) ?? null;
    } catch (e) {
      if (isRangeNotSatisfiable(e)) return new Uint8Array(); // empty object
      throw fail(e, "read", key);
    }
  };
  const headObject = async (key: string) => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      if (isNoSuchKey(e)) return null;
      throw fail(e, "read", key);
    }
  };
  /** every object under a prefix (ListObjectsV2, paged) */
  const listAll = async (prefix: string): Promise<StoredObject[]> => {
    const out: StoredObject[] = [];
    try {
      for await (const r of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of r.Contents ?? []) {
          if (!o.Key) continue;
          out.push({ key: o.Key, size: o.Size ?? 0, ...(o.LastModified ? { time: o.LastModified.toISOString() } : {}), ...(o.ETag ? { etag: o.ETag } : {}) });
        }
      }
    } catch (e) {
      throw fail(e, "list", prefix);
    }
    return out;
  };
  /** "folders" right under a prefix (ListObjectsV2 with Delimiter) */
  const listPrefixes = async (prefix: string): Promise<{ prefixes: string[]; keys: string[] }> => {
    const prefixes: string[] = [];
    const keys: string[] = [];
    try {
      for await (const r of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix, Delimiter: "/" })) {
        for (const p of r.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix.slice(prefix.length).replace(/\/$/, ""));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key.slice(prefix.length));
      }
    } catch (e) {
      throw fail(e, "list", prefix);
    }
    return { prefixes, keys };
  };

  /**
   * PUT `body` at `key` only if no object is there (`If-None-Match: *`); false when one is. Where
   * the server has no conditional PUT (501), HEAD then PUT, under the stage's lock.
   */
  const putNew = async (key: string, body: Uint8Array | string): Promise<boolean> => {
    const put = (conditional: boolean) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json", ...(conditional ? { IfNoneMatch: "*" } : {}) }));
    try {
      await put(true);
      return true;
    } catch (e) {
      if (isPreconditionFailed(e)) return false;
      if (!isNotImplemented(e)) throw fail(e, "write", key);
    }
    if (await headObject(key)) return false;
    try {
      await put(false);
      return true;
    } catch (e) {
      throw fail(e, "write", key);
    }
  };

  const listApps = async () => (await listPrefixes("app/")).prefixes.filter((p) => p).sort();
  const listStagesOf = async (app: string) =>
    (await listPrefixes(`app/${app}/`)).keys
      .filter((k) => k.endsWith(".json") && !k.includes("/"))
      .map((k) => k.slice(0, -5))
      .sort();
  const { directory, notFound } = stageDirectory(location, listApps, listStagesOf);
  const io = { head, read };

  const store: S3HomeStore = {
    home: "aws",
    ...directory,
    bucket,
    client,
    async readCurrent(app, stage): Promise<CurrentState> {
      const key = stateKeys.app(app, stage);
      let r;
      try {
        r = await get(key);
      } catch (e) {
        throw fail(e, "read", key);
      }
      if (!r) throw await notFound(app, stage);
      return {
        bytes: decodeStored(r.bytes),
        token: r.etag ?? "",
        ...(r.versionId ? { versionId: r.versionId } : {}),
        time: r.time ?? new Date().toISOString(),
      };
    },
    async openCurrent(app, stage): Promise<CurrentStateReader> {
      const key = stateKeys.app(app, stage);
      let r;
      try {
        r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        if (isNoSuchKey(e)) throw await notFound(app, stage);
        throw fail(e, "read", key);
      }
      // the body as it arrives (a Node stream: async-iterable chunks), handed out piece by piece
      const body = r.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      const chunks = body?.[Symbol.asyncIterator]();
      let rest: Uint8Array = new Uint8Array(0);
      return {
        // readCurrent's: the ETag is its token (and so a diagnosis's stamp), the time its LastModified
        stamp: r.ETag ?? "",
        time: r.LastModified?.toISOString() ?? new Date().toISOString(),
        size: r.ContentLength ?? 0,
        ...(r.VersionId ? { versionId: r.VersionId } : {}),
        async read(into, offset, length) {
          try {
            while (rest.length === 0) {
              const next = await chunks?.next();
              if (!next || next.done) return 0;
              rest = next.value;
            }
          } catch (e) {
            throw fail(e, "read", key);
          }
          const n = Math.min(length, rest.length);
          into.set(rest.subarray(0, n), offset);
          rest = rest.subarray(n);
          return n;
        },
        // a body not read to its end is dropped with its connection
        close: async () => body?.destroy?.(),
      };
    },
    async listVersions(app, stage, opts) {
      const key = stateKeys.app(app, stage);
      const [cur, snapshots, history, updates] = await Promise.all([
        headObject(key),
        listAll(stateKeys.snapshotPrefix(app, stage)),
        listAll(stateKeys.historyPrefix(app, stage)),
        listAll(stateKeys.updatePrefix(app, stage)),
      ]);
      if (!cur && !snapshots.length && !history.length) throw await notFound(app, stage);
      const summaries = history.length ? await listAll(stateKeys.summaryPrefix(app, stage)) : [];
      const current: StoredObject | null = cur
        ? { key, size: cur.ContentLength ?? 0, ...(cur.LastModified ? { time: cur.LastModified.toISOString() } : {}), ...(cur.ETag ? { etag: cur.ETag } : {}) }
        : null;
      return assembleVersions({
        current,
        snapshots,
        history,
        updateIds: updates.map((o) => updateIdOfKey(o.key)).filter((x): x is string => !!x),
        readUpdate: (id) => store.readUpdate(app, stage, id),
        summaries,
        readSummary: async (key) => {
          const raw = await read(key);
          return raw ? summaryToUpdate(parseSmallJson<Record<string, unknown>>(raw, `s3://${bucket}/${key}`), key) : null;
        },
        same: (a, b) => sameStoredContent(a, b, io),
        ...(opts?.records !== undefined ? { records: opts.records } : {}),
        location: (k) => k,
      });
    },
    async readVersion(app, stage, version: StateVersion) {
      const key = version.kind === "current" ? stateKeys.app(app, stage) : version.location;
      const raw = await read(key);
      if (!raw) throw new VersionNotFoundError(version.id, `s3://${bucket}/${key} no longer exists (state.retention may have removed it).`);
      return decodeStored(raw);
    },
    async listObjectVersions(app, stage, page) {
      const key = stateKeys.app(app, stage);
      const c = page.cursor ? decodeCursor(page.cursor) : undefined;
      // One ListObjectVersions request per call, written out rather than through an SDK paginator:
      // - @aws-sdk/client-s3 (3.1169) ships no paginateListObjectVersions: S3 continues this listing
      //   with a PAIR of markers (KeyMarker + VersionIdMarker), and the SDK's paginators carry one
      //   token.
      // - The contract is a page and a cursor per call, so that `history --limit 20` costs requests
      //   in proportion to the page, not to the stage's (up to hundreds of thousands of) versions;
      //   a paginator walks on to the end unless broken off, and would still need the cursor below.
      // - OpenStack Swift (2.30 s3api, the test server) answers NextVersionIdMarker "null" in the
      //   middle of a key's versions: a key with three versions and a delete marker, listed with
      //   MaxKeys 2, answers IsTruncated true, NextKeyMarker <the key>, NextVersionIdMarker "null";
      //   sent back as VersionIdMarker, "null" gets an empty page with IsTruncated false, and the
      //   older versions are never listed. So the cursor continues after this page's last version
      //   instead (see below), which a paginator's token passing cannot do.
      let r;
      try {
        r = await client.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: key,
            MaxKeys: Math.min(1000, Math.max(1, Math.floor(page.limit))),
            ...(c ? { KeyMarker: c.k, ...(c.v ? { VersionIdMarker: c.v } : {}) } : {}),
          }),
        );
      } catch (e) {
        throw fail(e, "list object versions of", key);
      }
      // The prefix also matches longer keys (`prod.json.bak`): keep exactly ours. S3 lists versions
      // and delete markers of one key newest first, in two arrays; merge them back by time.
      const items: (ObjectVersion & { ms: number })[] = [];
      for (const v of r.Versions ?? []) {
        if (v.Key !== key || !v.VersionId) continue;
        const ms = v.LastModified?.getTime() ?? 0;
        items.push({ versionId: v.VersionId, time: new Date(ms).toISOString(), size: v.Size ?? 0, isLatest: !!v.IsLatest, deleteMarker: false, ms });
      }
      for (const d of r.DeleteMarkers ?? []) {
        if (d.Key !== key || !d.VersionId) continue;
        const ms = d.LastModified?.getTime() ?? 0;
        items.push({ versionId: d.VersionId, time: new Date(ms).toISOString(), size: 0, isLatest: !!d.IsLatest, deleteMarker: true, ms });
      }
      items.sort((a, b) => b.ms - a.ms || Number(b.isLatest) - Number(a.isLatest) || (a.versionId < b.versionId ? 1 : a.versionId > b.versionId ? -1 : 0));
      const versions = items.map(({ ms: _ms, ...v }) => v);
      if (!(r.IsTruncated && r.NextKeyMarker === key)) return { versions };
      // Swift's NextVersionIdMarker "null" (above): continue after the last version of this page,
      // which is what the marker means. S3 itself uses "null" as the version id of an object
      // written before versioning was enabled, so "null" is kept when this page holds that version.
      let marker = r.NextVersionIdMarker;
      const last = versions.at(-1);
      if ((!marker || marker === "null") && last && !versions.some((v) => v.versionId === "null")) marker = last.versionId;
      return { versions, cursor: encodeCursor({ k: key, ...(marker ? { v: marker } : {}) }) };
    },
    async readObjectVersion(app, stage, versionId) {
      const key = stateKeys.app(app, stage);
      try {
        const r = await get(key, { VersionId: versionId });
        return decodeStored(r!.bytes);
      } catch (e) {
        const missing = missingVersion(e);
        if (missing) {
          throw new VersionNotFoundError(
            versionId,
            missing === "delete-marker" ? `that object version of s3://${bucket}/${key} is a delete marker.` : `s3://${bucket}/${key} has no object version with that id.`,
          );
        }
        if (serverFailed(e)) {
          // Swift answers 500 to a version id it cannot parse; when the object itself reads fine,
          // the id is what is wrong.
          const h = await headObject(key).catch(() => null);
          if (h) throw new VersionNotFoundError(versionId, `s3://${bucket}/${key} has no readable object version with that id (the server answered HTTP ${errStatus(e)}).`);
        }
        throw fail(e, "read a version of", key);
      }
    },
    async readSstLock(app, stage) {
      const raw = await read(stateKeys.lock(app, stage));
      return raw ? parseSmallJson<SstLock>(raw, `s3://${bucket}/${stateKeys.lock(app, stage)}`) : null;
    },
    async readUpdate(app, stage, updateId) {
      const raw = await read(stateKeys.update(app, stage, updateId));
      return raw ? parseSmallJson<UpdateRecord>(raw, `s3://${bucket}/${stateKeys.update(app, stage, updateId)}`) : null;
    },
    async listUpdates(app, stage, limit) {
      // Keys sort ascending = newest first (updateID); stop listing once we have enough.
      const prefix = stateKeys.updatePrefix(app, stage);
      const ids: string[] = [];
      try {
        for await (const r of paginateListObjectsV2({ client, pageSize: Math.min(1000, Math.max(1, limit)) }, { Bucket: bucket, Prefix: prefix })) {
          for (const o of r.Contents ?? []) {
            const id = o.Key ? updateIdOfKey(o.Key) : undefined;
            if (id) ids.push(id);
          }
          if (ids.length >= limit) break;
        }
      } catch (e) {
        throw fail(e, "list", prefix);
      }
      const picked = ids.sort().slice(0, Math.max(0, limit));
      const records = await mapLimit(picked, 16, (id) => store.readUpdate(app, stage, id));
      return records.filter((r): r is UpdateRecord => r !== null);
    },

    async writeCurrent(app, stage, bytes, expectToken) {
      const key = stateKeys.app(app, stage);
      const changed = () => new StateChangedError(`The current state of ${app}/${stage} in s3://${bucket} changed since it was read (ETag ≠ ${expectToken}); nothing was written.`);
      const put = (conditional: boolean) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: "application/json", ...(conditional ? { IfMatch: expectToken } : {}) }));
      let r;
      try {
        r = await put(true);
      } catch (e) {
        if (isPreconditionFailed(e)) throw changed();
        if (isObjectGone(e)) throw await notFound(app, stage);
        if (!isNotImplemented(e)) throw fail(e, "write", key);
        // No conditional PUT on this server: compare, then put. Safe under the stage lock only.
        const h = await headObject(key);
        if (!h) throw await notFound(app, stage);
        if (!h.ETag || stripQuotes(h.ETag) !== stripQuotes(expectToken)) throw changed();
        try {
          r = await put(false);
        } catch (e2) {
          throw fail(e2, "write", key);
        }
      }
      return {
        bytes: decodeStored(bytes),
        token: r.ETag ?? "",
        ...(r.VersionId ? { versionId: r.VersionId } : {}),
        time: new Date().toISOString(),
      };
    },
    async putSstLock(app, stage, lock) {
      const key = stateKeys.lock(app, stage);
      if (!(await putNew(key, JSON.stringify(lock)))) {
        const existing = await store.readSstLock(app, stage);
        throw new SstLockHeldError(app, stage, existing ? describeSstLock(existing) : "a lock object exists");
      }
    },
    async writeSnapshot(app, stage, updateId, bytes) {
      const key = stateKeys.snapshot(app, stage, updateId);
      if (!(await putNew(key, bytes))) throw snapshotExists(`s3://${bucket}/${key}`);
    },
    async deleteSstLock(app, stage, updateID) {
      const key = stateKeys.lock(app, stage);
      const lock = await store.readSstLock(app, stage);
      if (!lock) return;
      if (lock.updateID !== updateID) throw new SstLockHeldError(app, stage, `${describeSstLock(lock)}, not ours (${updateID}); left in place`);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        throw fail(e, "delete", key);
      }
    },
    async writeUpdate(app, stage, record) {
      const key = stateKeys.update(app, stage, record.id);
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record), ContentType: "application/json" }));
      } catch (e) {
        throw fail(e, "write", key);
      }
    },
  };
  return store;
}

/**
 * The state bucket: `SST_STATE_BUCKET`, else the `state` field of SSM `/sst/bootstrap` (String,
 * JSON) in the client's region (AWS_REGION), where SST's bootstrap put it.
 */
export async function resolveStateBucket(opts: { env: Record<string, string | undefined>; ssm: SSMClient }): Promise<{ bucket: string; from: string }> {
  const { env, ssm } = opts;
  if (env.SST_STATE_BUCKET) return { bucket: env.SST_STATE_BUCKET, from: "SST_STATE_BUCKET" };
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "(AWS_REGION not set)";
  let value: string | undefined;
  try {
    const r = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
    value = r.Parameter?.Value;
  } catch (e) {
    if (errName(e) === "ParameterNotFound") {
      throw new StoreUnavailableError(
        `SST has not bootstrapped region ${region}: SSM parameter /sst/bootstrap does not exist.`,
        `Set AWS_REGION to the region your app deploys to (its home region), check the AWS account/credentials, or set SST_STATE_BUCKET to the state bucket.`,
        e,
      );
    }
    const n = errName(e);
    if (isAccessError(e) || errStatus(e) === 400) {
      throw new StoreUnavailableError(
        `Cannot read SSM parameter /sst/bootstrap in region ${region} (${n || errStatus(e)}).`,
        `The credentials need ssm:GetParameter on /sst/bootstrap; or set SST_STATE_BUCKET to skip it.`,
        e,
      );
    }
    throw new StoreUnavailableError(
      `Could not read SSM parameter /sst/bootstrap in region ${region}: ${(e as Error).message ?? n}`,
      `Check the network, AWS_REGION and AWS_ENDPOINT_URL_SSM; or set SST_STATE_BUCKET to skip it.`,
      e,
    );
  }
  let bucket: unknown;
  try {
    bucket = (JSON.parse(value ?? "") as { state?: unknown }).state;
  } catch {
    bucket = undefined;
  }
  if (typeof bucket !== "string" || !bucket) {
    throw new StoreUnavailableError(
      `SSM parameter /sst/bootstrap in region ${region} has no "state" bucket name.`,
      `Run an SST deploy once to re-bootstrap, or set SST_STATE_BUCKET to the state bucket (sst-state-…).`,
    );
  }
  return { bucket, from: `SSM /sst/bootstrap in ${region}` };
}

/**
 * The AWS home from the environment (DESIGN §4): the standard credential chain and AWS_REGION,
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SSM for other servers (path-style S3 then), the bucket
 * from SST_STATE_BUCKET or SSM `/sst/bootstrap`. Called by state-store-factory.ts.
 */
export async function createAwsHomeStore(opts: {
  env: Record<string, string | undefined>;
  s3?: S3Client;
  ssm?: SSMClient;
}): Promise<{ store: StateStore; home: "aws"; why: string }> {
  const { env } = opts;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const ssmEndpoint = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  const s3 =
    opts.s3 ??
    new S3Client({
      ...(region ? { region } : {}),
      ...(credentials ? { credentials } : {}),
      ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  const needSsm = !env.SST_STATE_BUCKET;
  const ssm =
    opts.ssm ??
    (needSsm
      ? new SSMClient({
          ...(region ? { region } : {}),
          ...(credentials ? { credentials } : {}),
          ...(ssmEndpoint ? { endpoint: ssmEndpoint } : {}),
          requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
        })
      : undefined);
  const { bucket, from } = ssm ? await resolveStateBucket({ env, ssm }) : { bucket: env.SST_STATE_BUCKET!, from: "SST_STATE_BUCKET" };
  return { store: createS3HomeStore({ bucket, client: s3, env }), home: "aws", why: `bucket ${bucket} from ${from}` };
}
