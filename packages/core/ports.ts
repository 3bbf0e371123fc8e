/**
 * Ports: the small interfaces the core needs from the outside world. Each has an in-memory
 * implementation next to its users (for tests) and one contract suite that every implementation
 * must pass (`packages/adapters/tests/contract/`).
 *
 * Rules for implementations (adapters):
 * - turn SDK / file-system failures into the domain errors of `errors.ts`
 *   (StageNotFoundError, StoreUnavailableError with a hint, StateChangedError, SstLockHeldError);
 * - never read `secret/*` or the passphrase, and never delete a state version.
 */
import type { SstLock, UpdateRecord } from "./state/types.ts";

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

// ---------------------------------------------------------------------------------------------
// SST's home (local folder or S3 bucket)
// ---------------------------------------------------------------------------------------------

export type StateVersionKind =
  /** `snapshot/<app>/<stage>/<updateID>.json`: the checkpoint after one update (one per deploy) */
  | "snapshot"
  /** legacy `history/<app>/<stage>/<20 digits>-<updateID>.json` (SST ≤ v3.2.47) */
  | "history"
  /** `app/<app>/<stage>.json` when it equals no snapshot (an interrupted deploy, a manual copy) */
  | "current"
  /** git home: a commit that changed the stage's file and carries no SST snapshot */
  | "commit"
  /** git home: the working-tree file when it differs from the last commit */
  | "uncommitted";

/** The commit a version comes from (git home). */
export interface VersionCommit {
  sha: string;
  short: string;
  author: string;
  /** ISO author date */
  date: string;
  subject: string;
}

/** One version a user thinks in: one per deploy, newest first in every list. */
export interface StateVersion {
  /** The selector that names exactly this version: its updateID, or `current`. */
  id: string;
  kind: StateVersionKind;
  updateId?: string;
  /** ISO time: decoded from the updateID, else the object's modification time. */
  time: string;
  /** The update record joined by updateID, when there is one. */
  update?: UpdateRecord;
  /** True when app/<app>/<stage>.json holds exactly this version now. */
  isCurrent: boolean;
  /** Where it lives: S3 key or file path relative to the home (for messages, never parsed). */
  location: string;
  /** Size in bytes as stored, when known. */
  size?: number;
  /** git home: the commit this version is (selectable by a prefix of its sha) */
  commit?: VersionCommit;
}

/** A raw S3 object version of `app/<app>/<stage>.json` (a deploy pushes many). */
export interface ObjectVersion {
  versionId: string;
  time: string;
  size: number;
  isLatest: boolean;
  deleteMarker: boolean;
}

export interface CurrentState {
  bytes: Uint8Array;
  /**
   * Opaque token that changes whenever the current state changes (S3: ETag, local: content
   * hash). Restore passes it back to `writeCurrent` as the precondition.
   */
  token: string;
  /**
   * A cheap stand-in for `token` where computing the token costs (local home: size and mtime,
   * where the token hashes the file): changes whenever the state changes, for caches; never a
   * write precondition.
   */
  stamp?: string;
  /** S3 version id of the current object (AWS home only). */
  versionId?: string;
  time: string;
}

/**
 * The current state opened to be read in pieces (StateStore.openCurrent): `stamp`, `time` and
 * `size` as readCurrent gives them, taken when the file was opened.
 */
export interface CurrentStateReader {
  stamp: string;
  time: string;
  size: number;
  /** S3 version id of the object read (AWS home only) */
  versionId?: string;
  /** the next bytes into `into` at `offset`, at most `length`; 0 at the end */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/** Why a state is written (a home that records writes, like git, puts it in the commit). */
export interface WriteNote {
  /** the version restored (its id, as in `history`) */
  target: string;
  requestedBy?: string;
  approvedBy?: string;
}

export interface ListVersionsOptions {
  /**
   * Join update records to the first `records` versions only (default: every version); the others
   * have no `update`. `history --limit 20` passes 20, `status` and `diff` 0: on S3 each record is
   * one GET, and a stage without `state.retention` has hundreds.
   */
  records?: number;
}

export interface StateStore {
  readonly home: "local" | "aws" | "git";
  /** Human description for messages: `local home /root/.config/sst`, `s3://sst-state-abc`. */
  readonly location: string;

  listApps(): Promise<string[]>;
  /** Throws AppNotFoundError (listing the known apps) when the app has no state. */
  listStages(app: string): Promise<string[]>;

  /** Throws StageNotFoundError (listing the known stages) when there is no current state. */
  readCurrent(app: string, stage: string): Promise<CurrentState>;
  /**
   * Optional (local and S3 homes): the current state as a reader, for a caller that builds what it needs
   * piece by piece and keeps no copy of the file (a diagnosis: checkpoint-index.ts
   * readCheckpointInWindows). Stored bytes, as on disk (gzip is the caller's to notice).
   */
  openCurrent?(app: string, stage: string): Promise<CurrentStateReader>;

  /**
   * Versions, newest first: every snapshot (and legacy history entry) joined to its update
   * record, plus the current file as its own `current` version when it equals no snapshot.
   */
  listVersions(app: string, stage: string, opts?: ListVersionsOptions): Promise<StateVersion[]>;
  readVersion(app: string, stage: string, version: StateVersion): Promise<Uint8Array>;

  /** Raw object versions of the current state, newest first, paged (AWS home; empty locally). */
  listObjectVersions(
    app: string,
    stage: string,
    page: { cursor?: string; limit: number },
  ): Promise<{ versions: ObjectVersion[]; cursor?: string }>;
  /** Throws VersionNotFoundError when there is no such object version. */
  readObjectVersion(app: string, stage: string, versionId: string): Promise<Uint8Array>;

  readSstLock(app: string, stage: string): Promise<SstLock | null>;
  readUpdate(app: string, stage: string, updateId: string): Promise<UpdateRecord | null>;
  /** Update records, newest first (at most `limit`). */
  listUpdates(app: string, stage: string, limit: number): Promise<UpdateRecord[]>;

  /**
   * Git home only: the stage's passphrase file when git has it (tracked now, or in an earlier
   * commit), never opened; null when git does not have it. Other homes leave it out.
   */
  passphraseInGit?(app: string, stage: string): Promise<{ path: string; tracked: boolean; firstCommit: string | null; /** the state folder, as a repository path (for `--state-dir`) */ stateDir?: string } | null>;

  // --- writes: used only by restore, always under the stage's lock -------------------------

  /**
   * Write `bytes` as the new current state only if the current state still has `expectToken`.
   * Never deletes: on a versioned bucket the replaced object stays as a non-current version; a
   * replaced state that is no snapshot is kept as one by the restore first (core/restore/write.ts).
   * Throws StateChangedError when the token no longer matches (nothing written).
   */
  writeCurrent(app: string, stage: string, bytes: Uint8Array, expectToken: string, note?: WriteNote): Promise<CurrentState>;
  /**
   * Create `snapshot/<app>/<stage>/<updateId>.json`, as SST does when an update ends. Never
   * replaces one: throws StateChangedError when it exists (nothing written).
   */
  writeSnapshot(app: string, stage: string, updateId: string, bytes: Uint8Array): Promise<void>;
  /** Create SST's lock object; throws SstLockHeldError if one exists. */
  putSstLock(app: string, stage: string, lock: SstLock): Promise<void>;
  /** Delete SST's lock object if it is still the one with `updateID` (ours). */
  deleteSstLock(app: string, stage: string, updateID: string): Promise<void>;
  writeUpdate(app: string, stage: string, record: UpdateRecord): Promise<void>;
  /**
   * A home whose writes stay on this machine until published (git: commits, pushed to the
   * branch's remote) publishes them; the restore calls it after its writes, still under the
   * stage's lock. Never throws for a push the remote refused: `pushed: false` and a message that
   * says what to push. Homes that write in place leave it out.
   */
  publish?(app: string, stage: string): Promise<{ pushed: boolean; message: string }>;
}

// ---------------------------------------------------------------------------------------------
// Slack (or any chat): what the core asks of the outside to tell people things
// ---------------------------------------------------------------------------------------------

export interface ChatMessage {
  text: string;
  blocks?: unknown[];
}

export interface Notifier {
  post(channel: string, message: ChatMessage & { threadTs?: string }): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, message: ChatMessage): Promise<void>;
  /** Upload a text file into a channel/thread (full diffs and reports too large for a message). */
  upload(channel: string, file: { filename: string; content: string; title?: string; threadTs?: string }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The other ports live next to the rules that use them; this is their index.
// ---------------------------------------------------------------------------------------------
/**
 * De-duplication of Slack deliveries (DESIGN §3: "work is keyed by Slack's ids so a retry is not
 * done twice"). Slack re-sends a request it thinks was not acknowledged (`X-Slack-Retry-Num`), and
 * a user's double click sends two actions with the same ids; the worker claims the job's key
 * first and drops the job when the key was already claimed.
 *
 * `claim(key, ttlMs)` is true exactly once per key while the claim lives (at least `ttlMs`); an
 * implementation must make concurrent claims of one key race safely (one winner).
 */
export interface IdempotencyStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** What is posted to a slash command's or a button's `response_url` (Slack's message payload). */
export interface ResponseBody {
  response_type?: "in_channel" | "ephemeral";
  replace_original?: boolean;
  delete_original?: boolean;
  text: string;
  blocks?: unknown[];
}

/** Answers through a `response_url` (no bot token needed). */
export type Responder = (responseUrl: string, body: ResponseBody) => Promise<void>;

export type { LockStore } from "./lock/types.ts";
export type { ApprovalStore, AuditEntry, AuditLog, RestoreRequest, UserGroupResolver } from "./restore/ports.ts";
export type { Workflow, RouterKvProbe, TaggedResourcesProbe } from "./diagnosis/ports.ts";
