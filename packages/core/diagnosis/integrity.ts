/**
 * Would Pulumi refuse this checkpoint? One pass that mirrors, at pulumi/pulumi tag v3.215.0 (the
 * Pulumi SST 4.17.1 links and installs), what happens when a deploy loads the state:
 *  1. pkg/backend/diy/state.go L129-165 `getSnapshot`: decode the checkpoint (pulumi-decode.ts),
 *     then `VerifyIntegrity`, and refuse with "snapshot integrity failure; refusing to use it".
 *  2. pkg/resource/deploy/snapshot.go L585-753 `VerifyIntegrity`, rule by rule (cited below).
 * Pulumi stops at the first problem; this lists every problem, each of which alone makes Pulumi
 * refuse the state (severity "error"), plus the one thing Pulumi only logs (severity "warning").
 * The structure rules (dangling-*, dependency-order, duplicate-urn, manifest-magic,
 * unsupported-features, malformed-*) are views of this one list.
 */
import { createHash } from "node:crypto";
import type { Checkpoint } from "../state/types.ts";
import { isProviderType, ROOT_STACK_TYPE } from "../state/summary.ts";
import { decodeCheckpoint, decodeResource, goFields, isObject, type PulumiResource } from "./pulumi-decode.ts";

export type IntegrityRule =
  | "malformed-checkpoint"
  | "unsupported-features"
  | "manifest-magic"
  | "malformed-resource"
  | "dangling-parent"
  | "dangling-dependency"
  | "dangling-provider"
  | "dependency-order"
  | "duplicate-urn"
  | "parent-urn-mismatch";

/** The field of a resource that holds a reference (resource.StateDependency types, plus the provider). */
export type RefField = "parent" | "dependencies" | "propertyDependencies" | "deletedWith" | "replaceWith" | "provider";

export interface IntegrityProblem {
  rule: IntegrityRule;
  severity: "error" | "warning";
  /** position in `resources` */
  index?: number;
  /** position in `pending_operations` */
  pending?: number;
  urn?: string;
  /** the reference at fault: the URN it names, the property for a property dependency, the
   *  provider id it names and, when a provider with that URN exists with another id, that id */
  ref?: { field: RefField; urn: string; key?: string; id?: string; stateId?: string };
  /** Pulumi's own words for the problem */
  pulumi: string;
}

export interface IntegrityReport {
  problems: IntegrityProblem[];
  /** true when Pulumi v3.215.0 refuses the state */
  refused: boolean;
  /** the manifest's version and the magic cookie Pulumi expects for it */
  manifest: { version: string; magic: string; expectedMagic: string };
}

const URN_PREFIX = "urn:pulumi:";
/** providers.UnknownID (sdk/go/common/providers/reference.go L30-32) */
const UNKNOWN_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Manifest.NewMagic (pkg/resource/deploy/manifest.go L82-89): "" without a version, else sha256 hex of it. */
export function magicFor(version: string): string {
  return version === "" ? "" : createHash("sha256").update(version).digest("hex");
}

/** URN.QualifiedType (urn.go L134-136, getComponentN L149-173): what lies between the second and
 *  the third "::" after the `urn:pulumi:` prefix (to the end when there is no third). */
function qualifiedType(urn: string): string {
  const start = URN_PREFIX.length;
  const first = urn.indexOf("::", start);
  if (first < 0) return urn.slice(start);
  const second = urn.indexOf("::", first + 2);
  if (second < 0) return urn.slice(start);
  const third = urn.indexOf("::", second + 2);
  return third < 0 ? urn.slice(second + 2) : urn.slice(second + 2, third);
}

/** URN.Type (urn.go L176-182): the last element of the type chain. */
function ownType(urn: string): string {
  const q = qualifiedType(urn);
  return q.slice(q.lastIndexOf("$") + 1);
}

/** tokens.Type Module/Name (sdk/go/common/tokens/tokens.go L63-65, L195-205, L236-253); `null` where
 *  Go's assertion fails (a type with exactly one ":" is neither primitive nor a module member). */
function moduleAndName(type: string): { module: string; name: string } | null {
  const first = type.indexOf(":");
  if (first < 0) return { module: "", name: type };
  const second = type.indexOf(":", first + 1);
  if (second < 0) return null;
  return { module: type.slice(0, second), name: type.slice(second + 1) };
}

/** providers.validateURN (reference.go L64-76): why a provider URN is not one, or undefined. */
function providerUrnError(urn: string): string | undefined {
  if (!urn.startsWith(URN_PREFIX) || urn.split("::").length - 1 < 3) return `${urn} is not a valid URN`;
  const mn = moduleAndName(ownType(urn));
  if (mn === null) return `${urn} has a malformed type`;
  if (mn.module !== "pulumi:providers") return `invalid module in type: expected 'pulumi:providers', got '${mn.module}'`;
  if (mn.name === "") return "provider URNs must specify a type name";
  return undefined;
}

const cache = new WeakMap<Checkpoint, IntegrityReport>();

export function checkIntegrity(cp: Checkpoint): IntegrityReport {
  const hit = cache.get(cp);
  if (hit) return hit;
  const problems: IntegrityProblem[] = [];
  const top = decodeCheckpoint(cp.raw, cp.version);
  // the schema Pulumi reads the resources as: a checkpoint without the version wrapper is version 0
  // (pkg/resource/stack/checkpoint.go L46-58)
  const schema = cp.wrapped ? cp.version : 0;
  for (const e of top.errors) problems.push({ rule: "malformed-checkpoint", severity: "error", pulumi: e });
  if (top.unsupportedFeatures.length)
    problems.push({
      rule: "unsupported-features",
      severity: "error",
      pulumi: `this stack's deployment needs support for the following features: ${top.unsupportedFeatures.join(", ")}`,
    });
  const expectedMagic = magicFor(top.manifest.version);
  // snapshot.go L587-590
  if (top.manifest.magic !== expectedMagic) problems.push({ rule: "manifest-magic", severity: "error", pulumi: "magic cookie mismatch; possible tampering/corruption detected" });

  // DeserializeOperation (deployment.go L782-789) decodes a pending operation's resource like any other
  cp.pendingOperations.forEach((op, p) => {
    const fields = isObject(op) ? goFields(op, { resource: "any", type: "string" }, new Map([["resource", "resource"], ["type", "type"]])) : new Map<string, unknown>();
    const { res, errors } = decodeResource(fields.get("resource") ?? null, schema);
    for (const e of errors) problems.push({ rule: "malformed-resource", severity: "error", pending: p, ...(res.urn ? { urn: res.urn } : {}), pulumi: e });
  });

  const resources = cp.resources.map((raw, index) => {
    const { res, errors } = decodeResource(raw, schema);
    for (const e of errors) problems.push({ rule: "malformed-resource", severity: "error", index, ...(res.urn ? { urn: res.urn } : {}), pulumi: e });
    return res;
  });
  verify(resources, problems);
  const report = { problems, refused: problems.some((p) => p.severity === "error"), manifest: { version: top.manifest.version, magic: top.manifest.magic, expectedMagic } };
  cache.set(cp, report);
  return report;
}

/** VerifyIntegrity's walk over the resources (snapshot.go L592-749). */
function verify(resources: PulumiResource[], problems: IntegrityProblem[]): void {
  // Pulumi walks the resources once and adds each URN to a set after checking the resource's
  // references (L597-729): a reference is good when its URN is in the set by then. The same
  // question, "is there a copy of this URN before resource i?", is answered here by where each
  // URN first occurs (one map, filled in one pass before the walk), and the URNs that occur more
  // than once are set aside for the duplicate check (L731-749). Every resource with a URN counts,
  // whether or not its own checks pass (Pulumi stops at the first problem; this goes on as if the
  // resource were there, so one bad resource does not make its dependents look dangling).
  const firstAt = new Map<string, number>();
  const repeated = new Set<string>();
  const providerIds = new Map<string, string[]>();
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    if (r.urn === "") continue;
    if (firstAt.has(r.urn)) repeated.add(r.urn);
    else firstAt.set(r.urn, i);
    if (isProviderType(r.type)) providerIds.set(r.urn, [...(providerIds.get(r.urn) ?? []), r.id || UNKNOWN_ID]);
  }
  const before = (urn: string, i: number) => (firstAt.get(urn) ?? i) < i;
  // where each URN occurs last, to tell "comes after" from "missing": built for the first reference at fault
  let lastAtMap: Map<string, number> | undefined;
  const lastAt = (urn: string): number => {
    if (!lastAtMap) {
      const m = new Map<string, number>();
      resources.forEach((r, i) => m.set(r.urn, i));
      lastAtMap = m;
    }
    return lastAtMap.get(urn) ?? -1;
  };
  // providers registered so far: URN → ids
  const providers = new Map<string, Set<string>>();
  // provider references (`<URN>::<id>`) parsed once per distinct text: most resources share a few
  const providerRefs = new Map<string, { urn: string; id: string; err?: string }>();
  const parseProviderRef = (text: string): { urn: string; id: string; err?: string } => {
    const sep = text.lastIndexOf("::");
    if (sep < 0) return { urn: "", id: "", err: `expected '::' in provider reference '${text}'` };
    const urn = text.slice(0, sep);
    const err = providerUrnError(urn);
    return { urn, id: text.slice(sep + 2), ...(err ? { err } : {}) };
  };
  // one reference of resource i (objects are built only for a problem: this runs for every reference)
  const checkRef = (r: PulumiResource, i: number, field: RefField, refUrn: string, propertyKey?: string) => {
    if (before(refUrn, i)) {
      if (field === "parent") checkParentUrn(r.urn, refUrn, i, problems);
      return;
    }
    const ref = { field, urn: refUrn, ...(propertyKey !== undefined ? { key: propertyKey } : {}) };
    const later = lastAt(refUrn) > i;
    problems.push({
      rule: later ? "dependency-order" : field === "parent" ? "dangling-parent" : "dangling-dependency",
      severity: "error",
      index: i,
      urn: r.urn,
      ref,
      pulumi: pulumiRefText(r.urn, ref, later),
    });
  };

  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    const urn = r.urn;
    // L597-606 repeat DeserializeResource's checks (reported by decodeResource)
    if (urn === "" || r.type === "" || (!r.custom && r.id !== "")) continue;
    // L608-614: a provider is registered under its URN and id (an empty id is UnknownID)
    if (isProviderType(r.type)) {
      const err = providerUrnError(urn);
      if (err) problems.push({ rule: "malformed-resource", severity: "error", index: i, urn, pulumi: `provider ${urn} is not referenceable: ${err}` });
      else providers.set(urn, (providers.get(urn) ?? new Set<string>()).add(r.id || UNKNOWN_ID));
    }

    // L616-626: the provider reference `<URN>::<id>` must name a provider listed earlier with that URN
    // AND that id (providers.ParseReference, reference.go L147-159); pendingReplacement is exempt
    if (r.provider !== "") {
      let p = providerRefs.get(r.provider);
      if (!p) providerRefs.set(r.provider, (p = parseProviderRef(r.provider)));
      if (p.err) problems.push({ rule: "malformed-resource", severity: "error", index: i, urn, pulumi: `failed to parse provider reference for resource ${urn}: ${p.err}` });
      else if (!providers.get(p.urn)?.has(p.id) && !r.pendingReplacement) {
        const ids = providerIds.get(p.urn) ?? [];
        const later = lastAt(p.urn) > i && ids.includes(p.id);
        const ref = { field: "provider" as const, urn: p.urn, id: p.id, ...(ids.length && !ids.includes(p.id) ? { stateId: ids[0]! } : {}) };
        problems.push({ rule: later ? "dependency-order" : "dangling-provider", severity: "error", index: i, urn, ref, pulumi: `resource ${urn} refers to unknown provider ${r.provider}` });
      }
    }

    // L628-727: parent, dependencies, property dependencies, deletedWith and replaceWith must each
    // name a resource listed earlier (resource_state.go L336-362 lists them; empty entries are skipped)
    if (r.parent !== "") checkRef(r, i, "parent", r.parent);
    for (const d of r.dependencies) if (d !== "") checkRef(r, i, "dependencies", d);
    for (const [k, list] of r.propertyDependencies) for (const d of list) if (d !== "") checkRef(r, i, "propertyDependencies", d, k);
    if (r.deletedWith !== "") checkRef(r, i, "deletedWith", r.deletedWith);
    for (const d of r.replaceWith) if (d !== "") checkRef(r, i, "replaceWith", d);
  }

  // L731-749: a URN may repeat only when all copies, or all but one, are marked `delete: true`
  // (the old copy of a resource being replaced); reported in the order the URNs first occur
  if (repeated.size === 0) return;
  const copies = new Map<string, { count: number; deletes: number }>();
  for (const r of resources) {
    if (!repeated.has(r.urn)) continue;
    const c = copies.get(r.urn) ?? { count: 0, deletes: 0 };
    c.count++;
    if (r.delete) c.deletes++;
    copies.set(r.urn, c);
  }
  for (const [urn, { count, deletes }] of copies) {
    if (deletes !== count - 1 && deletes !== count)
      problems.push({ rule: "duplicate-urn", severity: "error", urn, index: firstAt.get(urn)!, pulumi: `duplicate resource ${urn} (not marked for deletion)` });
  }
}

/** Pulumi's message for a reference that is missing or comes after (snapshot.go L640-725). */
function pulumiRefText(urn: string, ref: { field: RefField; urn: string; key?: string }, later: boolean): string {
  switch (ref.field) {
    case "parent":
      return later ? `child resource ${urn}'s parent ${ref.urn} comes after it` : `child resource ${urn} refers to missing parent ${ref.urn}`;
    case "dependencies":
      return later ? `resource ${urn}'s dependency ${ref.urn} comes after it` : `resource ${urn}'s dependency ${ref.urn} refers to missing resource`;
    case "propertyDependencies":
      return `resource ${urn}'s property dependency ${ref.urn} (from property ${ref.key}) ${later ? "comes after it" : "refers to missing resource"}`;
    case "deletedWith":
      return `resource ${urn} is specified as being deleted with ${ref.urn}, which ${later ? "comes after it" : "is missing"}`;
    case "replaceWith":
      return `resource ${urn} is specified as being replaced with ${ref.urn}, which ${later ? "comes after it" : "is missing"}`;
    default:
      return `resource ${urn} refers to unknown provider ${ref.urn}`;
  }
}

/**
 * snapshot.go L649-659: a child's URN should carry its parent's type chain. Pulumi only logs a
 * warning when it does not; but `URN.URNName` asserts the `urn:pulumi:` prefix of both URNs
 * (urn.go L117-121), so Pulumi crashes on a child or parent URN without it.
 */
function checkParentUrn(urn: string, parent: string, index: number, problems: IntegrityProblem[]): void {
  const at = { index, urn };
  if (!urn.startsWith(URN_PREFIX) || !parent.startsWith(URN_PREFIX)) {
    const bad = urn.startsWith(URN_PREFIX) ? parent : urn;
    problems.push({ rule: "malformed-resource", severity: "error", ...at, pulumi: `${bad} does not start with "${URN_PREFIX}": Pulumi stops with an internal error when it checks ${urn} against its parent` });
    return;
  }
  const pq = qualifiedType(parent);
  const expected = pq === ROOT_STACK_TYPE ? ownType(urn) : `${pq}$${ownType(urn)}`;
  if (qualifiedType(urn) !== expected)
    problems.push({ rule: "parent-urn-mismatch", severity: "warning", ...at, ref: { field: "parent", urn: parent }, pulumi: `child resource ${urn} has parent ${parent} but its URN doesn't match` });
}
