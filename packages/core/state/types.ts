/**
 * The shapes of SST's state (DESIGN §2). A checkpoint is Pulumi's "VersionedCheckpoint";
 * resources keep every field they had, known or not (`[field: string]: unknown`), so that a
 * restore writes back exactly what was read.
 */

/** `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...}` marks a secret: sig.Key and sig.Secret (pulumi/pulumi v3.215.0 sdk/go/common/resource/sig/sig.go L21, L24). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Resource {
  urn: string;
  custom?: boolean;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  provider?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[] | null> | null;
  protect?: boolean;
  retainOnDelete?: boolean;
  pendingReplacement?: boolean;
  delete?: boolean;
  /** URN of a resource whose deletion also deletes this one (Pulumi's `deletedWith`) */
  deletedWith?: string;
  /** URNs whose replacement also replaces this one (Pulumi ≥ v3.207, deployment feature "replaceWith") */
  replaceWith?: string[];
  created?: string;
  modified?: string;
  [field: string]: unknown;
}

export type PendingOperationType = "creating" | "updating" | "deleting" | "reading" | (string & {});

export interface PendingOperation {
  type: PendingOperationType;
  resource: Resource;
  [field: string]: unknown;
}

export interface Manifest {
  time?: string;
  magic?: string;
  version?: string;
  plugins?: unknown[];
  [field: string]: unknown;
}

/** A parsed checkpoint. `raw` is the parsed JSON exactly as read (for writing back unchanged). */
export interface Checkpoint {
  /** 1 to 4 (SST writes 3 or 4); the bare `sst state export` form (no wrapper) reports 3. */
  version: number;
  /** true when the bytes had the `{"version","checkpoint"}` wrapper. */
  wrapped: boolean;
  features: string[];
  /** `organization/<app>/<stage>` in real SST state; may be "" in Pulumi fixtures. */
  stack: string;
  manifest: Manifest;
  secretsProviderType: string | undefined;
  resources: Resource[];
  pendingOperations: PendingOperation[];
  /** `metadata.integrity_error` is Pulumi's SnapshotIntegrityErrorMetadataV1 (`{version, command,
   *  error}`, pulumi/pulumi v3.215.0 sdk/go/common/apitype/core.go L269-284) */
  metadata: { integrity_error?: unknown; [field: string]: unknown } | undefined;
  /** size of the (decompressed) JSON text in bytes */
  size: number;
  raw: unknown;
}

/** `update/<app>/<stage>/<updateID>.json` */
export interface UpdateRecord {
  id: string;
  runID?: string;
  version?: string;
  command?: string;
  errors?: { urn?: string; message: string }[];
  timeStarted?: string;
  timeCompleted?: string;
  [field: string]: unknown;
}

/** SST's own lock object, `lock/<app>/<stage>.json`. */
export interface SstLock {
  created: string;
  updateID: string;
  runID?: string;
  command?: string;
  ignore?: boolean;
  [field: string]: unknown;
}
