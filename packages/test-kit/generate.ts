/**
 * The checkpoint generator for tests and benchmarks: the product generator behind the demo home
 * (core/state/generate.ts) plus the edits only tests make — an interrupted deploy's
 * `pending_operations`, and a last word on the resource list (drop a parent, add a duplicate, reorder).
 */
import {
  generateCheckpoint as generateProductCheckpoint,
  type GenerateOptions as ProductGenerateOptions,
} from "@sst-state/core/state/generate";
import type { PendingOperation, Resource } from "@sst-state/core/state/types";

export {
  createRng,
  DEFAULT_TIME,
  evolveCheckpoint,
  PULUMI_VERSION,
  serializeCheckpoint,
  type EvolveOptions,
  type ExtraProvider,
} from "@sst-state/core/state/generate";

export interface GenerateOptions extends ProductGenerateOptions {
  /** written as `latest.pending_operations` (an interrupted deploy) */
  pending?: PendingOperation[];
  /** last word on the resource list: edit it in place (or return a new list) before it is wrapped,
   *  e.g. to drop a parent and make a dangling reference, or to reorder resources. */
  mutate?: (resources: Resource[]) => Resource[] | void;
}

/** A wrapped checkpoint object (`{version:3, checkpoint:{stack, latest}}`), see core/state/generate.ts. */
export function generateCheckpoint(opts: GenerateOptions): ReturnType<typeof generateProductCheckpoint> {
  const { pending, mutate, ...product } = opts;
  const wrapped = generateProductCheckpoint(product);
  const latest = (wrapped.checkpoint as { latest: { resources: Resource[]; pending_operations?: PendingOperation[] } }).latest;
  if (mutate) latest.resources = mutate(latest.resources) ?? latest.resources;
  if (pending?.length) latest.pending_operations = pending;
  return wrapped;
}
