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

/** A URN quoted for a POSIX shell (URNs contain `$`). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Short, single-line text from a record (update error messages can be long). */
export function clip(text: string, max = 400): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function isStackOnly(cp: Checkpoint): boolean {
  return cp.resources.every((r) => r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:"));
}
