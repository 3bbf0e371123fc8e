/**
 * Diff of two checkpoints, keyed by URN (resource order does not matter).
 *
 * Rules:
 * - `created` and `modified` are ignored: Pulumi bumps `modified` on every update of a resource
 *   (and a refresh can touch it) without the resource itself changing; when something real changed,
 *   that change is reported by its own path.
 * - Secrets are compared by presence only. Two secrets at the same place are equal whatever their
 *   ciphertexts (a passphrase ciphertext has a random nonce, and Pulumi re-encrypts every secret
 *   at least once per operation: pulumi v3.215.0 pkg/resource/stack/secrets.go L107-110, "We don't
 *   use the cache here to ensure that we always re-encrypt all secrets at least once per
 *   operation", so two deploys of one unchanged secret differ in ciphertext); a path
 *   where a secret appeared, disappeared, or a value became/stopped being a secret is listed in
 *   `paths` and in `secrets`. A secret's content is never compared, read or printed.
 * - Paths: `inputs.…`/`outputs.…`/`propertyDependencies.…` are walked down to the differing leaf
 *   (`inputs.environment.variables.FOO`, `inputs.rules[2].port`); an array whose length changed is
 *   reported as one path (`inputs.rules`), not element by element. Other top-level fields are
 *   reported by name (`parent`, `dependencies`, `provider`, `protect`, `retainOnDelete`, `id`,
 *   `type`, `custom`, and unknown fields). Keys that are not plain words are quoted: `tags["a.b"]`.
 *   A walked map missing on one side is walked as `{}` (Pulumi's omitempty, see isAbsent), so a
 *   resource that gains outputs lists `outputs.arn`, as when SST's `{}` gains them.
 * - Duplicate URNs (an invalid checkpoint): the last resource with that URN wins, on both sides;
 *   the diff does not fail.
 *
 * Speed: `diffViews` skips the resources whose bytes did not change (see there); each pair of resources is first compared with a deep-equal that stops at the first
 * difference; only pairs that differ are walked again to collect paths, and then only into the
 * subtrees that differ.
 */
import type { DiffReport } from "../report-types.ts";
import { type CheckpointView, resourceOf, wholeCheckpoint } from "./checkpoint-index.ts";
import { containsSecret, isSecret } from "./redact.ts";
import type { Checkpoint, Resource } from "./types.ts";

/** Top-level fields walked into; every other top-level field is reported by its name. */
const WALKED = new Set(["inputs", "outputs", "propertyDependencies"]);

function isIgnored(k: string): boolean {
  return k === "created" || k === "modified";
}

/** Deep equality of JSON values, secrets equal when both are secrets. Stops at the first difference. */
export function jsonEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!jsonEqual(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  const sa = isSecret(a);
  if (sa || isSecret(b)) return sa && isSecret(b);
  let n = 0;
  for (const k in a) {
    // b[k] of a key b lacks is undefined (or, for names like "constructor", a function): never equal
    if (!jsonEqual(a[k], b[k])) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/**
 * A resource's `inputs`, `outputs` and `propertyDependencies` are Go maps tagged `omitempty`
 * (pulumi/pulumi v3.215.0 sdk/go/common/apitype/core.go L441-443, L460): an empty map and no field
 * are the same state, and SST writes `{}` where Pulumi's own save (e.g. `sst state repair`) drops
 * the field. So an empty WALKED field counts as absent.
 */
function isAbsent(r: Record<string, unknown>, k: string): boolean {
  if (!hasOwn.call(r, k)) return true;
  const v = r[k];
  return WALKED.has(k) && typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function resourceEqual(a: Resource, b: Resource): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in ra) {
    if (isIgnored(k)) continue;
    if (isAbsent(ra, k) && isAbsent(rb, k)) continue;
    if (!hasOwn.call(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (!isIgnored(k) && !hasOwn.call(ra, k) && !isAbsent(rb, k)) return false;
  return true;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$:/@-]*$/;

function child(path: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const hasOwn = Object.prototype.hasOwnProperty;

interface Acc {
  paths: string[];
  secrets: string[];
}

/** Collects the paths under `path` where x and y differ (x, y known or suspected to differ). */
function walk(path: string, x: unknown, y: unknown, acc: Acc): void {
  if (jsonEqual(x, y)) return;
  const sx = isSecret(x);
  const sy = isSecret(y);
  if (sx || sy) {
    // both secrets would be equal: so one side is a secret and the other is not
    acc.paths.push(path);
    acc.secrets.push(path);
    return;
  }
  const ox = typeof x === "object" && x !== null;
  const oy = typeof y === "object" && y !== null;
  if (ox && oy && Array.isArray(x) === Array.isArray(y)) {
    if (Array.isArray(x)) {
      const ya = y as unknown[];
      if (x.length === ya.length) {
        for (let i = 0; i < x.length; i++) walk(`${path}[${i}]`, x[i], ya[i], acc);
      } else {
        acc.paths.push(path);
        if (containsSecret(x) || containsSecret(ya)) acc.secrets.push(path);
      }
      return;
    }
    const a = x as Record<string, unknown>;
    const b = y as Record<string, unknown>;
    for (const k in a) {
      if (hasOwn.call(b, k)) walk(child(path, k), a[k], b[k], acc);
      else leaf(child(path, k), a[k], acc);
    }
    for (const k in b) if (!hasOwn.call(a, k)) leaf(child(path, k), b[k], acc);
    return;
  }
  // different kinds (value vs object, object vs array, two different primitives)
  acc.paths.push(path);
  if (containsSecret(x) || containsSecret(y)) acc.secrets.push(path);
}

/** A value present on one side only. */
function leaf(path: string, v: unknown, acc: Acc): void {
  acc.paths.push(path);
  if (containsSecret(v)) acc.secrets.push(path);
}

/** The paths where two resources with the same URN differ (empty when they are the same). */
export function diffResource(a: Resource, b: Resource): { paths: string[]; secrets: string[] } {
  const acc: Acc = { paths: [], secrets: [] };
  if (resourceEqual(a, b)) return acc;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const visit = (k: string): void => {
    if (isAbsent(ra, k) && isAbsent(rb, k)) return;
    const inA = hasOwn.call(ra, k);
    const inB = hasOwn.call(rb, k);
    if (inA && inB && jsonEqual(ra[k], rb[k])) return;
    // a walked map missing on one side is the empty map (isAbsent): its entries are listed as
    // they are when `{}` gains them, whichever side wrote the `{}`
    if (WALKED.has(k)) walk(k, inA ? ra[k] : {}, inB ? rb[k] : {}, acc);
    else {
      acc.paths.push(k);
      if (containsSecret(ra[k]) || containsSecret(rb[k])) acc.secrets.push(k);
    }
  };
  for (const k in ra) if (!isIgnored(k)) visit(k);
  for (const k in rb) if (!isIgnored(k) && !hasOwn.call(ra, k)) visit(k);
  acc.paths.sort();
  acc.secrets.sort();
  return acc;
}

function byUrn<R extends { urn: string }>(resources: readonly R[]): Map<string, R> {
  const m = new Map<string, R>();
  for (const r of resources) m.set(r.urn, r); // duplicates: the last one wins
  return m;
}

/** What changed from `from` to `to` (DESIGN §4 `diff`). */
export function diffCheckpoints(from: Checkpoint, to: Checkpoint, labels?: { from: string; to: string }): DiffReport {
  return diffKeyed(byUrn(from.resources), byUrn(to.resources), diffResource, labels);
}

/**
 * The same report from two checkpoints read as byte ranges (checkpoint-index.ts): a resource whose
 * bytes are the same in both versions is unchanged (JSON.parse of the same bytes gives the same
 * value), so only the resources whose bytes differ are parsed, and compared by diffResource as
 * diffCheckpoints compares them. A checkpoint that could only be parsed whole is diffed whole.
 */
export function diffViews(from: CheckpointView, to: CheckpointView, labels?: { from: string; to: string }): DiffReport {
  if (from.kind === "parsed" || to.kind === "parsed") return diffCheckpoints(wholeCheckpoint(from), wholeCheckpoint(to), labels);
  const ta = from.text;
  const tb = to.text;
  return diffKeyed(byUrn(from.resources), byUrn(to.resources), (x, y) =>
    x.end - x.start === y.end - y.start && tb.compare(ta, x.start, x.end, y.start, y.end) === 0
      ? { paths: [], secrets: [] }
      : diffResource(resourceOf(ta, x), resourceOf(tb, y)),
  labels);
}

/** The keyed comparison both diffs share: added, removed, changed (by `compare`), unchanged. */
function diffKeyed<R>(
  a: Map<string, R>,
  b: Map<string, R>,
  compare: (ra: R, rb: R) => { paths: string[]; secrets: string[] },
  labels: { from: string; to: string } | undefined,
): DiffReport {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: DiffReport["changed"] = [];
  let unchanged = 0;
  for (const [urn, rb] of b) {
    const ra = a.get(urn);
    if (ra === undefined) {
      added.push(urn);
      continue;
    }
    const d = compare(ra, rb);
    if (d.paths.length === 0) unchanged++;
    else changed.push(d.secrets.length ? { urn, paths: d.paths, secrets: d.secrets } : { urn, paths: d.paths });
  }
  for (const urn of a.keys()) if (!b.has(urn)) removed.push(urn);
  added.sort();
  removed.sort();
  changed.sort((x, y) => (x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0));
  return { from: labels?.from ?? "from", to: labels?.to ?? "to", added, removed, changed, unchanged };
}
