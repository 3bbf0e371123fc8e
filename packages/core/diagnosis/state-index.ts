/**
 * One pass over a checkpoint's resources, shared by every rule that needs it (memoized per
 * checkpoint object): URN → first position, duplicate URNs, and the resources by type. Rules
 * on a 50k-resource stage must stay single passes over these Maps.
 */
import { urnsOf } from "../state/checkpoint-index.ts";
import { isProviderType, ROOT_STACK_TYPE, SST_VERSION_TYPE } from "../state/summary.ts";
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

/** What `sst state remove <name>` really removes (SST 4.17.1, checked in
 *  packages/core/tests/integration/sst-fix-claims.test.ts; see integrity-findings.ts): every
 *  resource whose URN name is <name>, whatever its type, then every resource whose parent is gone. */
export function stateRemoveCaveat(urn: string): string {
  return `(it removes every resource named ${nameOf(urn)} in the stage, and the resources under them: check \`sst-state status\` first)`;
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
  // the previous version is usually a lazy checkpoint: its URNs come from the scan, not its Proxies
  const prevUrns = urnsOf(prev);
  const cur = current.resources;
  const gone = new Uint8Array(prev.length);
  const removed: Resource[] = [];
  for (let j = 0; j < prev.length; j++) {
    if (!curPos.has(prevUrns[j]!)) {
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
    if (j < prev.length && cur[i]!.urn === prevUrns[j]) {
      i++;
      j++;
    } else if (j < prev.length && (curPos.get(prevUrns[j]!) ?? Infinity) < i) {
      outOfOrder.add(prevUrns[j]!);
      j++;
    } else {
      pending.push(cur[i]!);
      i++;
    }
  }
  for (; j < prev.length; j++) if (!gone[j]) outOfOrder.add(prevUrns[j]!);
  const added = outOfOrder.size ? pending.filter((r) => !outOfOrder.has(r.urn)) : pending;
  const changes = { removed, added };
  changeCache.set(current, { previous, changes });
  return changes;
}

/** The stack, providers and SST's Version component: what every SST state holds even when the app has nothing. */
export function isBaseResource(r: Resource): boolean {
  // a resource without a type is malformed-resource's business, not a reason to fail here
  const t = typeof r.type === "string" ? r.type : "";
  return t === ROOT_STACK_TYPE || isProviderType(t) || t === SST_VERSION_TYPE;
}

export function isStackOnly(cp: Checkpoint): boolean {
  return cp.resources.every(isBaseResource);
}

/**
 * When Pulumi last saved this checkpoint (ms), or null: every save sets `manifest.time` to the time
 * of the save (pulumi/pulumi v3.215.0 pkg/backend/snapshot.go L730-734). A state whose time is
 * before an update started was not touched by that update.
 */
export function savedAt(cp: Checkpoint): number | null {
  const t = typeof cp.manifest.time === "string" ? Date.parse(cp.manifest.time) : NaN;
  // Go's zero time (0001-01-01) means "never set"
  return Number.isFinite(t) && t > 0 ? t : null;
}

/** True when the checkpoint was saved at or after `iso` (false when either time is unknown). */
export function savedSince(cp: Checkpoint, iso: string | undefined): boolean {
  const saved = savedAt(cp);
  const since = iso ? Date.parse(iso) : NaN;
  return saved !== null && Number.isFinite(since) && saved >= since;
}

/** True when the checkpoint was certainly not saved since `iso` (both times known, state older). */
export function untouchedSince(cp: Checkpoint, iso: string | undefined): boolean {
  const saved = savedAt(cp);
  const since = iso ? Date.parse(iso) : NaN;
  return saved !== null && Number.isFinite(since) && saved < since;
}
