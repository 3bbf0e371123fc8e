/**
 * One pass over a checkpoint's resources, shared by every rule that needs it (memoized per
 * checkpoint object): URN → first position, duplicate URNs, and the resources by type. Rules
 * on a 50k-resource stage must stay single passes over these Maps.
 */
import type { Checkpoint, Resource } from "../state/types.ts";

export interface StateIndex {
  /** URN → position of its first occurrence in `resources` */
  position: Map<string, number>;
  /** URNs that occur more than once, with how many times */
  duplicates: Map<string, number>;
  resources: Resource[];
}

const cache = new WeakMap<Checkpoint, StateIndex>();

export function indexState(cp: Checkpoint): StateIndex {
  const hit = cache.get(cp);
  if (hit) return hit;
  const position = new Map<string, number>();
  const duplicates = new Map<string, number>();
  const resources = cp.resources;
  for (let i = 0; i < resources.length; i++) {
    const urn = resources[i]!.urn;
    if (position.has(urn)) duplicates.set(urn, (duplicates.get(urn) ?? 1) + 1);
    else position.set(urn, i);
  }
  const idx = { position, duplicates, resources };
  cache.set(cp, idx);
  return idx;
}

/** The provider URN of a provider reference `<providerURN>::<id>` (the id is the last `::` part). */
export function providerUrnOf(ref: string): string {
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

/** `urn:pulumi:prod::shop::sst:aws:Function$aws:lambda/function:Function::ApiFunction` → `ApiFunction` */
export function nameOf(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts.slice(3).join("::") : urn;
}

/** The resource's own type from its URN (last `$`-separated part of the type chain). */
export function typeOfUrn(urn: string): string {
  const chain = urn.split("::")[2] ?? "";
  const at = chain.lastIndexOf("$");
  return at >= 0 ? chain.slice(at + 1) : chain;
}

/** `sst state remove` for a resource: SST matches the target against the URN's name (never the
 *  whole URN), and acts on the personal stage unless `--stage` is given. */
export function stateRemoveCommand(urn: string, stage: string): string {
  return `sst state remove ${shellQuote(nameOf(urn))} --stage ${stage}`;
}

/** A URN quoted for a POSIX shell (URNs contain `$`). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Pulumi's passphrase ciphertext `v1:<b64 nonce>:<b64 ciphertext>` (the runner redacts it too)
const CIPHERTEXT = /v1:[A-Za-z0-9+/]{8,}={0,2}:[A-Za-z0-9+/]{8,}={0,2}/g;

/** Short, single-line text from a record (update error messages can be long). Ciphertexts are
 *  redacted before cutting: a ciphertext cut in two no longer looks like one. */
export function clip(text: string, max = 400): string {
  const one = text.replace(CIPHERTEXT, "[secret]").replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

// ---------------------------------------------------------------------------------------------
// References: one pass over every parent / dependency / property dependency / provider reference
// of a checkpoint, shared by the dangling-* rules and dependency-order.

export type RefKind = "parent" | "dependency" | "provider";

export interface RefAnalysis {
  /** resource position → URNs it references (of that kind) that are not in the state */
  dangling: Record<RefKind, Map<number, Set<string>>>;
  /** resource position → the first reference that comes after it in `resources` */
  late: Map<number, string>;
}

const refCache = new WeakMap<Checkpoint, RefAnalysis>();

export function analyzeRefs(cp: Checkpoint): RefAnalysis {
  const hit = refCache.get(cp);
  if (hit) return hit;
  const { position, resources } = indexState(cp);
  const dangling: RefAnalysis["dangling"] = { parent: new Map(), dependency: new Map(), provider: new Map() };
  const late = new Map<number, string>();
  // Map lookups of long URNs dominate on big stages; siblings share a parent and almost every
  // resource the same provider, so remember the last answer for each.
  let lastParent = "";
  let lastParentPos: number | undefined;
  let lastProvider = "";
  let lastProviderPos: number | undefined;
  const note = (kind: RefKind, i: number, target: string, p: number | undefined) => {
    if (p === undefined) {
      let set = dangling[kind].get(i);
      if (!set) dangling[kind].set(i, (set = new Set()));
      set.add(target);
    } else if (p > i && !late.has(i)) late.set(i, target);
  };
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    const parent = r.parent;
    if (typeof parent === "string" && parent) {
      if (parent !== lastParent) {
        lastParent = parent;
        lastParentPos = position.get(parent);
      }
      note("parent", i, parent, lastParentPos);
    }
    const provider = r.provider;
    if (typeof provider === "string" && provider) {
      if (provider !== lastProvider) {
        lastProvider = provider;
        lastProviderPos = position.get(providerUrnOf(provider));
      }
      note("provider", i, providerUrnOf(provider), lastProviderPos);
    }
    const deps = Array.isArray(r.dependencies) ? r.dependencies : undefined;
    if (deps) for (const d of deps) if (typeof d === "string" && d) note("dependency", i, d, position.get(d));
    const pd = r.propertyDependencies;
    if (pd && typeof pd === "object") {
      for (const k in pd) {
        const list = pd[k];
        if (!Array.isArray(list)) continue;
        // property dependencies almost always repeat `dependencies`: look those up once
        for (const d of list) if (typeof d === "string" && d && !deps?.includes(d)) note("dependency", i, d, position.get(d));
      }
    }
  }
  const out = { dangling, late };
  refCache.set(cp, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Versions: what left the state and what came in between the previous version and the current one.

export interface VersionChanges {
  /** resources of the previous version whose URN is not in the current one */
  removed: Resource[];
  /** resources of the current version whose URN was not in the previous one */
  added: Resource[];
}

const changeCache = new WeakMap<Checkpoint, { previous: Checkpoint; changes: VersionChanges }>();

export function compareVersions(current: Checkpoint, previous: Checkpoint): VersionChanges {
  const hit = changeCache.get(current);
  if (hit && hit.previous === previous) return hit.changes;
  const curPos = indexState(current).position;
  const prev = previous.resources;
  const cur = current.resources;
  const gone = new Uint8Array(prev.length);
  const removed: Resource[] = [];
  for (let j = 0; j < prev.length; j++) {
    if (!curPos.has(prev[j]!.urn)) {
      gone[j] = 1;
      removed.push(prev[j]!);
    }
  }
  // Walk both lists in order (a deploy keeps the order of what it keeps): equal URNs match without
  // hashing; a current resource that does not match is added unless the previous version has it
  // out of order, which only mismatches have to look up.
  const pending: Resource[] = [];
  const outOfOrder = new Set<string>();
  let j = 0;
  for (let i = 0; i < cur.length; ) {
    while (j < prev.length && gone[j]) j++;
    if (j < prev.length && cur[i]!.urn === prev[j]!.urn) {
      i++;
      j++;
    } else if (j < prev.length && (curPos.get(prev[j]!.urn) ?? Infinity) < i) {
      outOfOrder.add(prev[j]!.urn);
      j++;
    } else {
      pending.push(cur[i]!);
      i++;
    }
  }
  for (; j < prev.length; j++) if (!gone[j]) outOfOrder.add(prev[j]!.urn);
  const added = outOfOrder.size ? pending.filter((r) => !outOfOrder.has(r.urn)) : pending;
  const changes = { removed, added };
  changeCache.set(current, { previous, changes });
  return changes;
}

/** The stack, providers and `sst:sst:Version`: what every SST state holds even when the app has nothing. */
export function isBaseResource(r: Resource): boolean {
  return r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:") || r.type === "sst:sst:Version";
}

export function isStackOnly(cp: Checkpoint): boolean {
  return cp.resources.every(isBaseResource);
}
