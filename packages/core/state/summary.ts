/**
 * What `status` shows about one checkpoint. One pass over the resources (plus a short second pass
 * only for resources listed before their parent, which a valid checkpoint never has), no regex
 * per resource.
 */
import { type CheckpointView, fieldOf, type ResourceRange, resourceOf } from "./checkpoint-index.ts";
import { redact } from "./redact.ts";
import type { Checkpoint } from "./types.ts";

/** The root stack resource's type (tokens.RootStackType, pulumi/pulumi v3.215.0 sdk/go/common/tokens/stack_type.go L18). */
export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
/** What a provider's type starts with (providers.IsProviderType, pulumi/pulumi v3.215.0 sdk/go/common/providers/reference.go L40-46). */
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";
/**
 * providers.IsProviderType (reference.go L40-46): module `pulumi:providers` and a non-empty type
 * name. Written out (no split): the integrity check asks it twice per resource.
 */
export function isProviderType(type: string): boolean {
  return type.length > PROVIDER_TYPE_PREFIX.length && type.startsWith(PROVIDER_TYPE_PREFIX);
}
/**
 * The component SST adds to every app to record its components' versions (sst v4.17.1
 * platform/src/components/component.ts L516, `super("sst:sst:Version", …)`; read back by
 * pkg/project/stack.go L802, sst/sst at 08fa0a6).
 */
export const SST_VERSION_TYPE = "sst:sst:Version";

export interface ComponentSummary {
  urn: string;
  type: string;
  name: string;
  /** number of descendants (children, grandchildren, …), the component itself not included */
  resources: number;
}

export interface PendingOperationSummary {
  type: string;
  urn: string;
  resourceType: string;
}

export interface Summary {
  /** every resource in the checkpoint, the root stack and providers included */
  resources: number;
  /** resources per type, keys sorted */
  types: Record<string, number>;
  /** top-level components: component resources (`custom: false`) whose parent is the root stack */
  components: ComponentSummary[];
  pendingOperations: PendingOperationSummary[];
  /** manifest time; null when absent or Pulumi's zero time (0001-01-01…) */
  manifestTime: string | null;
  /** the Pulumi version that wrote the checkpoint (`manifest.version`), null when empty */
  pulumiVersion: string | null;
  /** the root stack's outputs, secrets replaced by "[secret]" */
  outputs: Record<string, unknown>;
  stack: string;
  app?: string;
  stage?: string;
}

/** The resource's name: the part of the URN after its last `::`. */
export function urnName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** `urn:pulumi:<stage>::<app>::…` -> {stage, app}; undefined for anything else. */
export function urnStageApp(urn: string): { stage: string; app: string } | undefined {
  if (!urn.startsWith("urn:pulumi:")) return undefined;
  const a = urn.indexOf("::", 11);
  if (a < 0) return undefined;
  const b = urn.indexOf("::", a + 2);
  if (b < 0) return undefined;
  return { stage: urn.slice(11, a), app: urn.slice(a + 2, b) };
}

export function findRoot<R extends { type: string }>(resources: readonly R[]): R | undefined {
  for (const r of resources) if (r.type === ROOT_STACK_TYPE) return r;
  return undefined;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

export function summarize(cp: Checkpoint): Summary {
  return summarizeHeads(cp, cp.resources, (root) => root.outputs);
}

/**
 * The same summary of a checkpoint read as byte ranges (checkpoint-index.ts): only `urn`, `type`,
 * `parent` and `custom` of each resource are decoded, and the root stack is parsed for its outputs.
 */
export function summarizeView(view: CheckpointView): Summary {
  if (view.kind === "parsed") return summarize(view.checkpoint);
  const { text } = view;
  const heads = view.resources.map(
    (r): ResourceHead & { range: ResourceRange } => ({
      urn: r.urn,
      type: fieldOf(text, r.typeStart, r.typeEnd) as string,
      parent: fieldOf(text, r.parentStart, r.parentEnd) as string | undefined,
      custom: fieldOf(text, r.customStart, r.customEnd),
      range: r,
    }),
  );
  return summarizeHeads(view.envelope, heads, (root) => resourceOf(text, root.range).outputs);
}

/** What summarize reads of a resource. */
interface ResourceHead {
  urn: string;
  type: string;
  parent?: string | undefined;
  custom?: unknown;
}

function summarizeHeads<H extends ResourceHead>(cp: Omit<Checkpoint, "resources" | "raw">, resources: readonly H[], outputsOf: (root: H) => unknown): Summary {
  const root = findRoot(resources);
  const rootUrn = root?.urn;

  const typeCounts = new Map<string, number>();
  // urn -> index in `components` of the top-level component it belongs to (its own index for a
  // top-level component), or -1 for resources outside any (the root, providers, root-level customs)
  const topOf = new Map<string, number>();
  const components: ComponentSummary[] = [];
  const counts: number[] = [];
  let late: H[] | undefined;

  for (const r of resources) {
    const t = r.type;
    typeCounts.set(t, (typeCounts.get(t) ?? 0) + 1);
    const parent = r.parent;
    if (parent === undefined || parent === "" || r === root) {
      topOf.set(r.urn, -1);
    } else if (parent === rootUrn) {
      if (r.custom === false) {
        topOf.set(r.urn, components.length);
        counts.push(0);
        components.push({ urn: r.urn, type: t, name: urnName(r.urn), resources: 0 });
      } else topOf.set(r.urn, -1);
    } else {
      const top = topOf.get(parent);
      if (top === undefined) (late ??= []).push(r);
      else {
        topOf.set(r.urn, top);
        if (top >= 0) counts[top]!++;
      }
    }
  }
  // resources listed before their parent (an invalid order, or a dangling parent): resolve what we can
  while (late && late.length) {
    const still: H[] = [];
    for (const r of late) {
      const top = topOf.get(r.parent!);
      if (top === undefined) still.push(r);
      else {
        topOf.set(r.urn, top);
        if (top >= 0) counts[top]!++;
      }
    }
    if (still.length === late.length) break; // the rest have dangling parents
    late = still;
  }
  for (let i = 0; i < components.length; i++) components[i]!.resources = counts[i]!;

  const types: Record<string, number> = {};
  for (const t of [...typeCounts.keys()].sort()) types[t] = typeCounts.get(t)!;

  const pendingOperations = cp.pendingOperations.map((op) => ({
    type: String(op.type),
    urn: typeof op.resource?.urn === "string" ? op.resource.urn : "",
    resourceType: typeof op.resource?.type === "string" ? op.resource.type : "",
  }));

  const time = cp.manifest.time;
  const version = cp.manifest.version;
  const outputs = root ? outputsOf(root) : undefined;
  const summary: Summary = {
    resources: resources.length,
    types,
    components,
    pendingOperations,
    manifestTime: typeof time === "string" && time !== "" && time !== ZERO_TIME ? time : null,
    pulumiVersion: typeof version === "string" && version !== "" ? version : null,
    outputs: outputs && typeof outputs === "object" ? redact(outputs as Record<string, unknown>) : {},
    stack: cp.stack,
  };
  const where = appStage(cp.stack, rootUrn);
  if (where) {
    summary.app = where.app;
    summary.stage = where.stage;
  }
  return summary;
}

/** From `organization/<app>/<stage>`, else from the root stack's URN. */
export function appStage(stack: string, rootUrn: string | undefined): { app: string; stage: string } | undefined {
  const parts = stack.split("/");
  if (parts.length === 3 && parts[1] && parts[2]) return { app: parts[1], stage: parts[2] };
  return rootUrn ? urnStageApp(rootUrn) : undefined;
}
