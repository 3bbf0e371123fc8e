/**
 * A seeded generator of a whole SST home (DESIGN §2): every object SST leaves in the state bucket
 * or under `<root>/state/` of the local home: the home of `sst-state demo`, and of tests and benchmarks. Same options, same files,
 * byte for byte. Write them with `writeLocalHome` / `writeS3Home` (packages/adapters/home-writer.ts)
 * or load them into `createMemoryStateStore(files)`.
 *
 * Per stage, `deploys` updates at least 6 hours apart, ending before `now`:
 * - each completed deploy: `snapshot/<app>/<stage>/<updateID>.json`, `update/…/<updateID>.json` with
 *   `timeCompleted`, `eventlog/…/<updateID>.json`; with `legacyHistory`, the older half as SST ≤ v3.2.47
 *   left them instead: `history/…/<%020d of MaxInt64 − unix seconds at the push>-<cuid2>.json` and
 *   `summary/…/<cuid2>.json` (the AWS home's record of that era; SST's local home wrote none), no
 *   `update/` record and no event log (see core/state/versions.ts);
 * - `app/<app>/<stage>.json`: the same bytes as the last snapshot;
 * - `errors: true`: the last completed deploy recorded an "already exists" error (it still finished);
 * - `interrupted: true`: the last deploy has an update record without `timeCompleted` and no snapshot,
 *   `app/…` holds its half-done state (with `pending_operations`, unlike every snapshot), and — with
 *   `crashedLock` (default: same as `interrupted`) — `lock/<app>/<stage>.json` names it;
 * - `secret/<app>/<stage>.json`: binary junk, as the real file is AES-GCM ciphertext (never read it).
 * `compress: true` gzips every body except the secret, like SST v4.13+ `state.compress`.
 */
import { gzipSync } from "node:zlib";
import { createRng, evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "./generate.ts";
import type { PendingOperation, Resource, SstLock, UpdateRecord } from "./types.ts";
import { makeUpdateId } from "./update-id.ts";
import { legacyHistoryDigits, stateKeys } from "./versions.ts";

export interface HomeFile {
  /** key relative to the home: `app/<app>/<stage>.json`, … (the S3 key; `<root>/state/<key>` locally) */
  key: string;
  body: string | Uint8Array;
}

export interface StageSpec {
  name: string;
  /** resources in the first deploy's state (later deploys add and remove a few) */
  resources: number;
  /** number of updates (≥ 1), including the interrupted one */
  deploys: number;
  interrupted?: boolean;
  crashedLock?: boolean;
  errors?: boolean;
}

export interface GenerateHomeOptions {
  app: string;
  /** names (24 resources, 3 deploys each) or full specs */
  stages: string[] | StageSpec[];
  seed: number;
  /** ms since the epoch; the last deploy ends before this. Default 2026-01-15T12:00:00Z. */
  now?: number;
  /** the older half of each stage's completed deploys as legacy `history/` entries instead of snapshots */
  legacyHistory?: boolean;
  /** gzip every body (not the secret) */
  compress?: boolean;
  /** write `eventlog/…` objects (default true) */
  eventlog?: boolean;
}

/** What was generated for one stage, for tests to assert against. */
export interface GeneratedStage {
  name: string;
  /** every updateID, newest first */
  updateIds: string[];
  /** updateIDs that have a snapshot (or legacy history entry), newest first */
  snapshotIds: string[];
  /** the update whose state `app/…` holds (the last one, completed or not) */
  currentUpdateId: string;
  interrupted: boolean;
  /** updateID named by the lock, when there is one */
  lockUpdateId: string | undefined;
  /** updateID of the deploy that recorded errors, when there is one */
  erroredUpdateId: string | undefined;
  /** the current state, uncompressed JSON text */
  current: string;
}

export const DEFAULT_HOME_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const SST_VERSION = "4.17.1";
const HOUR = 3_600_000;

export function generateHome(opts: GenerateHomeOptions): { files: HomeFile[]; stages: GeneratedStage[] } {
  const now = opts.now ?? DEFAULT_HOME_NOW;
  const specs: StageSpec[] = opts.stages.map((s) => (typeof s === "string" ? { name: s, resources: 24, deploys: 3 } : s));
  const files: HomeFile[] = [];
  const stages: GeneratedStage[] = [];
  const body = (text: string): string | Uint8Array => (opts.compress ? new Uint8Array(gzipSync(text)) : text);

  specs.forEach((spec, si) => {
    const { app } = opts;
    const stage = spec.name;
    const seed = (opts.seed * 1000 + si * 97 + 1) >>> 0;
    const rand = createRng(seed ^ 0x5f3759df);
    const deploys = Math.max(1, Math.floor(spec.deploys));
    const interrupted = !!spec.interrupted;
    const crashedLock = spec.crashedLock ?? interrupted;
    const completed = interrupted ? deploys - 1 : deploys;
    const legacy = opts.legacyHistory ? Math.max(completed > 0 ? 1 : 0, Math.floor(completed / 2)) : 0;
    const erroredIndex = spec.errors && completed > 0 ? completed - 1 : -1;

    let cp = generateCheckpoint({ app, stage, resources: spec.resources, seed, time: now - deploys * 6 * HOUR });
    const ids: string[] = [];
    const snapshotIds: string[] = [];
    let lockUpdateId: string | undefined;
    let erroredUpdateId: string | undefined;
    let currentText = "";

    for (let i = 0; i < deploys; i++) {
      const start = now - (deploys - i) * 6 * HOUR + Math.floor(rand() * 20 * 60_000);
      const end = start + 30_000 + Math.floor(rand() * 150_000);
      const isLegacy = i < legacy && !(interrupted && i === deploys - 1);
      const id = isLegacy ? cuid2(rand) : makeUpdateId(start, rand);
      ids.push(id);
      if (i > 0) {
        cp = evolveCheckpoint(cp, {
          seed: seed + i * 7919,
          add: Math.max(2, Math.round(spec.resources * 0.02)),
          remove: i % 2 === 0 ? Math.max(1, Math.round(spec.resources * 0.01)) : 0,
          change: 2,
          time: start,
        });
      }
      const isInterrupted = interrupted && i === deploys - 1;
      const record: UpdateRecord = {
        id,
        runID: uuid(rand),
        version: SST_VERSION,
        command: "deploy",
        errors: [],
        timeStarted: new Date(start).toISOString(),
      };
      let text: string;
      if (isInterrupted) {
        const latest = (cp.checkpoint as { latest: { resources: Resource[]; pending_operations?: PendingOperation[] } }).latest;
        // the last resource being created when the deploy died: pending, not yet in resources
        const creating = latest.resources.pop();
        if (creating) latest.pending_operations = [{ type: "creating", resource: creating }];
        text = serializeCheckpoint(cp);
        if (crashedLock) {
          lockUpdateId = id;
          const lock: SstLock = { created: new Date(start).toISOString(), updateID: id, runID: record.runID!, command: "deploy", ignore: true };
          files.push({ key: stateKeys.lock(app, stage), body: body(JSON.stringify(lock)) });
        }
      } else {
        text = serializeCheckpoint(cp);
        record.timeCompleted = new Date(end).toISOString();
        if (i === erroredIndex) {
          erroredUpdateId = id;
          const logGroup = (cp.checkpoint as { latest: { resources: Resource[] } }).latest.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
          record.errors = [
            {
              urn: logGroup?.urn ?? `urn:pulumi:${stage}::${app}::pulumi:pulumi:Stack::${app}-${stage}`,
              message: `creating CloudWatch Logs Log Group (${String(logGroup?.id ?? "/aws/lambda/unknown")}): operation error CloudWatch Logs: CreateLogGroup, ResourceAlreadyExistsException: The specified log group already exists`,
            },
          ];
        }
        if (isLegacy) {
          // SST ≤ v3.2.47 pushed it when the update ended, named by that second, and (AWS home)
          // wrote the update's summary; Go's nil Errors slice is JSON null
          files.push({ key: stateKeys.history(app, stage, id, legacyHistoryDigits(end)), body: body(text) });
          const summary = { version: "3.2.47", updateID: id, command: "deploy", timeStarted: rfc3339(start), timeCompleted: rfc3339(end), resourceUpdated: 2, resourceCreated: 1, resourceDeleted: 0, resourceSame: spec.resources, errors: null };
          files.push({ key: stateKeys.summary(app, stage, id), body: body(JSON.stringify(summary)) });
        } else {
          files.push({ key: stateKeys.snapshot(app, stage, id), body: body(text) });
        }
        snapshotIds.push(id);
      }
      if (!isLegacy) {
        files.push({ key: stateKeys.update(app, stage, id), body: body(JSON.stringify(record)) });
        if (opts.eventlog ?? true) files.push({ key: stateKeys.eventlog(app, stage, id), body: body(eventlog(id, start, end, isInterrupted)) });
      }
      currentText = text;
    }
    // The current state: the same bytes as the last snapshot, or the interrupted deploy's state.
    files.push({ key: stateKeys.app(app, stage), body: body(currentText) });
    files.push({ key: stateKeys.secret(app, stage), body: junk(rand, 96) });
    stages.push({
      name: stage,
      updateIds: [...ids].reverse(),
      snapshotIds: [...snapshotIds].reverse(),
      currentUpdateId: ids[ids.length - 1]!,
      interrupted,
      lockUpdateId,
      erroredUpdateId,
      current: currentText,
    });
  });
  return { files, stages };
}

/** Go's time.RFC3339: seconds, no fraction. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** A cuid2 as SST ≤ v3.2.47 named updates (github.com/nrednav/cuid2: a letter, then base 36; 24 long). */
function cuid2(rand: () => number): string {
  let id = "abcdefghijklmnopqrstuvwxyz"[Math.floor(rand() * 26)]!;
  while (id.length < 24) id += Math.floor(rand() * 36).toString(36);
  return id;
}

function uuid(rand: () => number): string {
  let h = "";
  for (let i = 0; i < 32; i++) h += Math.floor(rand() * 16).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Binary that is neither JSON nor gzip (like AES-GCM output). */
function junk(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  out[0] = 0x00;
  out[1] = 0xff;
  return out;
}

function eventlog(id: string, start: number, end: number, interrupted: boolean): string {
  const lines: unknown[] = [
    { sequence: 0, timestamp: Math.floor(start / 1000), preludeEvent: { config: { updateID: id } } },
    { sequence: 1, timestamp: Math.floor(start / 1000) + 5, resourcePreEvent: { metadata: { op: "same" } } },
  ];
  if (!interrupted) lines.push({ sequence: 2, timestamp: Math.floor(end / 1000), summaryEvent: { resourceChanges: { same: 1 } } });
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}
