/**
 * The corpus of real Pulumi checkpoints in `fixtures/real-checkpoints/` (test-only): every file with
 * its manifest entry (source, licence, sha256, format, Pulumi's verdict) and the Checkpoint sst-state
 * reads from it.
 *
 * `pulumi stack export` deployments (`{"version","deployment"}`) are not what SST stores, and
 * parseCheckpoint refuses them on purpose. The loader turns one into the checkpoint Pulumi itself
 * stores when such a deployment is imported: pulumi/pulumi v3.215.0,
 * pkg/resource/stack/checkpoint.go:100-121 (MarshalUntypedDeploymentToVersionedCheckpoint) keeps
 * `version` and `features` and wraps the deployment as `checkpoint.latest`; the stack name is the
 * importing stack's, unknown here, so it stays empty.
 */
import { readFileSync } from "node:fs";
import { parseCheckpoint } from "../../state/parse.ts";
import type { Checkpoint } from "../../state/types.ts";

export const realCheckpointsDir = new URL("../../../../fixtures/real-checkpoints/", import.meta.url);

export type RealCheckpointFormat =
  | "bare-checkpoint-v0"
  | "versioned-checkpoint-v1"
  | "versioned-checkpoint-v3"
  | "versioned-checkpoint-v4"
  | "untyped-deployment-v3";

export interface PulumiVerdict {
  verdict: "accepts" | "refuses";
  /** where Pulumi refuses: while deserializing (version, features, fields) or in VerifyIntegrity */
  stage: "deserialize" | "verify-integrity" | null;
  /** Pulumi's own error text (null when it accepts) */
  message: string | null;
  reason: string;
  /** file:lines in pulumi/pulumi v3.215.0 */
  source: string[];
}

export interface RealCheckpointEntry {
  name: string;
  source: { repo: string; path: string; commit: string; fileCommit: string; licence: string; licenceFile: string };
  sha256: string;
  bytes: number;
  format: RealCheckpointFormat;
  writtenBy: string;
  pulumiVersion: string | null;
  secretsProvider: string | null;
  resources: number;
  pendingOperations: number;
  pulumi: PulumiVerdict;
  sstState: { reads: "yes" | "after conversion"; how: string };
}

export interface RealCheckpointManifest {
  about: string;
  verdictsFrom: string;
  secrets: string;
  files: RealCheckpointEntry[];
}

export interface RealCheckpoint {
  entry: RealCheckpointEntry;
  /** the file's bytes, exactly as copied */
  bytes: Buffer;
  /** the bytes sst-state parses: the file itself, or the stored form of an exported deployment */
  checkpointBytes: Buffer;
  checkpoint: Checkpoint;
}

export function readRealCheckpointManifest(): RealCheckpointManifest {
  return JSON.parse(readFileSync(new URL("manifest.json", realCheckpointsDir), "utf8")) as RealCheckpointManifest;
}

/** The stored checkpoint for a `pulumi stack export` deployment, or the bytes unchanged. */
export function storedCheckpointBytes(bytes: Buffer): Buffer {
  const json = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  if (!("deployment" in json) || "checkpoint" in json) return bytes;
  const wrapped: Record<string, unknown> = { version: json.version };
  if (Array.isArray(json.features) && json.features.length > 0) wrapped.features = json.features;
  wrapped.checkpoint = { latest: json.deployment };
  return Buffer.from(JSON.stringify(wrapped), "utf8");
}

export function loadRealCheckpoint(entry: RealCheckpointEntry): RealCheckpoint {
  const bytes = readFileSync(new URL(entry.name, realCheckpointsDir));
  const checkpointBytes = storedCheckpointBytes(bytes);
  return { entry, bytes, checkpointBytes, checkpoint: parseCheckpoint(checkpointBytes, entry.name) };
}

/** Every corpus file, in manifest order. */
export function loadRealCheckpoints(): RealCheckpoint[] {
  return readRealCheckpointManifest().files.map(loadRealCheckpoint);
}
