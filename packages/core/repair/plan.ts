/**
 * The repair planner (issue "Fix it from Slack: approved repairs of broken state"): from a
 * checkpoint Pulumi refuses, the checkpoint with every mechanical fix applied, the list of what
 * changed (resource by resource, with the reason), and — before anything is proposed — the same
 * integrity check Pulumi runs (integrity.ts). Pure: bytes in, bytes out; it is run once when the
 * request is made and again, on the same current state, when the approved request is written (the
 * repaired bytes must hash to what the approver saw), so nothing large is stored with a request.
 *
 * What Pulumi's own `pulumi state repair` does (pulumi/pulumi v3.215.0
 * pkg/cmd/pulumi/state/state_repair.go L150-187): skip a state that already verifies, `Toposort`,
 * then `Prune`, then `VerifyIntegrity` again and write nothing if that still fails. This planner does
 * the same steps, with these differences, each for a reason:
 *  - the sort is stable (snapshot.go L228-265 + L416-493 walk the dependencies of each resource
 *    from a Go map, so their order is random): a resource moves only when something it refers to
 *    is listed after it, and a state that is already in order comes back unchanged;
 *  - a missing parent is NOT handled as Prune does (snapshot.go L125-129 clears the parent and
 *    rewrites the resource's URN without the parent's type, so the next deploy, which registers the
 *    resource under its parent again, sees a new URN: it creates the resource again and deletes the
 *    old one), nor as SST's `sst state repair` does (it deletes the child and what is under it from
 *    the state, so they stay in AWS untracked and the next deploy fails with "already exists" for
 *    fixed names; integrity-findings.ts). The child is re-parented to the stack resource and keeps
 *    its URN: it stays tracked, the next deploy recreates the missing parent component and finds
 *    the child under the URN it registers, as an update. Pulumi only warns that such a URN does not
 *    nest under its parent's type (snapshot.go L649-659, rule parent-urn-mismatch);
 *  - duplicate URNs are repaired too (Pulumi's repair leaves them to VerifyIntegrity): see
 *    `dedupe`; pending operations are removed only with a person's answer (see `answerPending`);
 *  - references are pruned against the whole state, not "seen so far", so a reference to a
 *    resource listed later is never removed as missing (the sort fixes it instead).
 * A dangling provider reference is left, as Prune leaves it (snapshot.go L109-111: a resource must
 * have a provider), and blocks the repair with the reason.
 */
import { checkIntegrity, type IntegrityProblem, type IntegrityReport, type IntegrityRule } from "../diagnosis/integrity.ts";
import { isObject } from "../diagnosis/pulumi-decode.ts";
import { nameOf } from "../diagnosis/state-index.ts";
import { parseCheckpoint } from "../state/parse.ts";
import { ROOT_STACK_TYPE } from "../state/summary.ts";
import type { Checkpoint } from "../state/types.ts";
import { REPAIR_RULES, isRepairRule, type RepairRule } from "./rules.ts";

/** What a person said about a pending operation's resource: it exists in AWS, or it does not. */
export type PendingAnswer = "exists" | "gone";

export interface RepairInput {
  /** only these fixes (default: all of them) */
  rules?: readonly RepairRule[];
  /** per pending operation's resource URN, what a person said about it in AWS */
  answers?: Readonly<Record<string, PendingAnswer>>;
}

export type RepairAction = "moved" | "reference-removed" | "reparented" | "copy-removed" | "pending-removed" | "unlock";

/** One change, for the approver: which resource, what, and why. Never holds a property value. */
export interface RepairChange {
  rule: RepairRule;
  urn: string;
  action: RepairAction;
  /** what changes, in a few words: "dependency on `Bucket` removed" */
  detail: string;
  /** why this change is the fix */
  reason: string;
}

/** A pending operation that needs a person's answer before it can be removed. */
export interface RepairQuestion {
  /** position in `pending_operations` */
  index: number;
  urn: string;
  type: string;
  /** creating | updating | deleting | reading */
  operation: string;
}

/** What keeps the repaired state from being proposed (or a fix from being made). */
export interface RepairBlock {
  rule: string;
  urn?: string;
  reason: string;
}

export interface RepairPlan {
  changes: RepairChange[];
  /** pending operations still waiting for an answer (they stay in the state) */
  questions: RepairQuestion[];
  /** problems left that make Pulumi refuse the repaired state: when any, nothing is proposed */
  blocked: RepairBlock[];
  /** the repaired checkpoint, only when it changes something and Pulumi's rules accept it */
  bytes: Uint8Array | null;
  checkpoint: Checkpoint | null;
  before: IntegrityReport;
  after: IntegrityReport | null;
}

/** The choice made for a missing parent, as the approver reads it. */
export const REPARENT_CHOICE =
  "re-parented to the stack, keeping its URN: the resource stays tracked and the next deploy, which recreates the missing parent, finds it under the same URN and updates it. " +
  "Not removed as `sst state repair` does (it would stay in AWS untracked, and a fixed name then fails with \"already exists\"), and its URN is not rewritten as `pulumi state repair` does (the next deploy would create it again and delete the old one).";

const ORDER_REASON = "Pulumi requires every provider, parent and dependency to be listed before the resource that names it (snapshot.go L616-727); a stable sort moves only what must move";
const DANGLING_REASON = "it names a resource that is not in the state; Pulumi refuses such a reference (snapshot.go L628-727) and, as `pulumi state repair` does (snapshot.go L140-171), the reference is dropped";

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The `latest` object of a parsed checkpoint's raw JSON (wrapped or bare). */
function latestOf(raw: unknown): Json | null {
  if (!isObject(raw)) return null;
  const inner = isObject(raw.checkpoint) ? raw.checkpoint : raw;
  return isObject(inner.latest) ? inner.latest : null;
}

/** The references of a resource, in a fixed order: provider, parent, dependencies, property dependencies, deletedWith, replaceWith. */
function refsOf(r: Json): string[] {
  const out: string[] = [];
  const provider = str(r.provider);
  if (provider) {
    const sep = provider.lastIndexOf("::");
    if (sep > 0) out.push(provider.slice(0, sep));
  }
  if (str(r.parent)) out.push(str(r.parent));
  if (Array.isArray(r.dependencies)) for (const d of r.dependencies) if (str(d)) out.push(str(d));
  if (isObject(r.propertyDependencies)) for (const list of Object.values(r.propertyDependencies)) if (Array.isArray(list)) for (const d of list) if (str(d)) out.push(str(d));
  if (str(r.deletedWith)) out.push(str(r.deletedWith));
  if (Array.isArray(r.replaceWith)) for (const d of r.replaceWith) if (str(d)) out.push(str(d));
  return out;
}

export function planRepair(current: Checkpoint, input: RepairInput = {}): RepairPlan {
  const rules = new Set<RepairRule>(input.rules?.length ? input.rules : REPAIR_RULES);
  const before = checkIntegrity(current);
  const doc = structuredClone(current.raw) as Json;
  const latest = latestOf(doc);
  const none = (blocked: RepairBlock[]): RepairPlan => ({ changes: [], questions: [], blocked, bytes: null, checkpoint: null, before, after: null });
  if (!latest) return none([{ rule: "malformed-checkpoint", reason: "the checkpoint has no `latest` section to repair" }]);
  // a checkpoint built for reading (readCheckpoint, wholeCheckpoint of a scan) keeps only the
  // envelope in `raw`: written back, it would be a state without resources
  if ((Array.isArray(latest.resources) ? latest.resources.length : 0) !== current.resources.length)
    throw new Error("planRepair needs the checkpoint as parseCheckpoint reads it: this one's `raw` does not hold its resources.");
  const resources: Json[] = Array.isArray(latest.resources) ? (latest.resources as unknown[]).filter(isObject) : [];
  if (Array.isArray(latest.resources) && resources.length !== latest.resources.length) {
    return none([{ rule: "malformed-resource", reason: "an entry of `resources` is not an object; what it was meant to be cannot be known" }]);
  }
  const changes: RepairChange[] = [];
  const blocked: RepairBlock[] = [];

  let list = resources;
  if (rules.has("duplicate-urn")) list = dedupe(list, before, changes, blocked);
  if (rules.has("dangling-parent") || rules.has("dangling-dependency")) prune(list, rules, changes);
  if (rules.has("dependency-order")) {
    const sorted = stableToposort(list);
    if ("cycle" in sorted) blocked.push({ rule: "dependency-order", urn: sorted.cycle[0]!, reason: `the references form a cycle (${sorted.cycle.map((u) => `\`${nameOf(u)}\``).join(" → ")}): no order lists every reference first, so only a person can say which reference is wrong` });
    else {
      for (const p of before.problems) {
        if (p.rule !== "dependency-order" || p.index === undefined || !p.ref) continue;
        const r = resources[p.index];
        if (!r || !list.includes(r)) continue;
        changes.push({ rule: "dependency-order", urn: p.urn!, action: "moved", detail: `now listed after its ${p.ref.field === "provider" ? "provider" : p.ref.field === "parent" ? "parent" : "dependency"} \`${nameOf(p.ref.urn)}\``, reason: ORDER_REASON });
      }
      list = sorted.list;
    }
  }
  const questions: RepairQuestion[] = [];
  if (rules.has("pending-operations") && Array.isArray(latest.pending_operations)) {
    latest.pending_operations = answerPending(latest.pending_operations as unknown[], input.answers ?? {}, changes, questions);
  }
  if (Array.isArray(latest.resources)) latest.resources = list;

  // merge the per-reference changes of one resource and field into one line each, in state order
  const merged = mergeChanges(changes);
  if (merged.length === 0) {
    const left = blockersOf(before, rules, blocked);
    return { changes: [], questions, blocked: left, bytes: null, checkpoint: null, before, after: null };
  }
  const { indent, newline } = layoutOf(current);
  const bytes = new TextEncoder().encode(`${JSON.stringify(doc, null, indent)}${newline ? "\n" : ""}`);
  const repaired = parseCheckpoint(bytes, "the repaired state");
  const after = checkIntegrity(repaired);
  const left = blockersOf(after, rules, blocked);
  if (left.length) return { changes: merged, questions, blocked: left, bytes: null, checkpoint: null, before, after };
  return { changes: merged, questions, blocked: [], bytes, checkpoint: repaired, before, after };
}

/**
 * The layout of the text the checkpoint was read from (it is not kept): the indentation and final
 * newline whose serialisation has the stored size, else the closest. Only the layout: values are
 * written back as they were read.
 */
function layoutOf(cp: Checkpoint): { indent: number; newline: boolean } {
  const enc = new TextEncoder();
  let best = { indent: 0, newline: false, off: Infinity };
  for (const indent of [0, 4, 2]) {
    const n = enc.encode(JSON.stringify(cp.raw, null, indent)).length;
    if (n === cp.size || n + 1 === cp.size) return { indent, newline: n + 1 === cp.size };
    // Go escapes <, > and & as \u003c…, so an SST file can be longer than any re-serialisation
    if (Math.abs(cp.size - n) < best.off) best = { indent, newline: false, off: Math.abs(cp.size - n) };
  }
  return { indent: best.indent, newline: best.newline };
}

/**
 * Duplicate URNs Pulumi refuses (more than one copy not marked `delete`, snapshot.go L731-749).
 * The copy kept is the one Pulumi itself resolves the URN to: when it sorts a snapshot, a later
 * live copy replaces an earlier one in its lookup (snapshot.go L246-254, `newsByURN[state.URN] =
 * state`), so the last live copy is kept and the other live copies are removed — only when they
 * describe the same resource in AWS (the same `id`). Copies with different ids are different
 * resources in AWS: removing either leaves one untracked, and only a person knows which is live.
 */
function dedupe(list: Json[], before: IntegrityReport, changes: RepairChange[], blocked: RepairBlock[]): Json[] {
  const refused = new Set(before.problems.filter((p) => p.rule === "duplicate-urn" && p.urn).map((p) => p.urn!));
  if (!refused.size) return list;
  const drop = new Set<Json>();
  for (const urn of refused) {
    const live = list.filter((r) => r.urn === urn && r.delete !== true);
    const ids = [...new Set(live.map((r) => str(r.id)))];
    if (ids.length > 1) {
      blocked.push({ rule: "duplicate-urn", urn, reason: `its ${live.length} live copies name different resources in AWS (ids ${ids.map((i) => `\`${i || "(none)"}\``).join(", ")}): keeping one leaves the other untracked, and only a person can say which is the live one` });
      continue;
    }
    const keep = live.at(-1)!;
    for (const r of live) if (r !== keep) drop.add(r);
    changes.push({
      rule: "duplicate-urn",
      urn,
      action: "copy-removed",
      detail: `${live.length - 1} extra cop${live.length === 2 ? "y" : "ies"} removed (same id \`${ids[0] || "(none)"}\`); the last one is kept`,
      reason: "Pulumi allows one live copy of a URN (snapshot.go L731-749) and resolves the URN to the last live copy (snapshot.go L246-254); the copies describe the same resource in AWS, so nothing becomes untracked",
    });
  }
  return list.filter((r) => !drop.has(r));
}

/** Missing references removed (dependencies, property dependencies, deletedWith, replaceWith) and missing parents re-parented. */
function prune(list: Json[], rules: Set<RepairRule>, changes: RepairChange[]): void {
  const present = new Set(list.map((r) => str(r.urn)));
  const stack = list.find((r) => r.type === ROOT_STACK_TYPE && r.delete !== true && str(r.urn));
  for (const r of list) {
    const urn = str(r.urn);
    if (rules.has("dangling-dependency")) {
      const gone = (d: unknown) => str(d) !== "" && !present.has(str(d));
      /** `refs` without the missing references (each one a change), or undefined when none is missing. */
      const kept = (refs: unknown, detail: (name: string) => string): unknown[] | undefined => {
        if (!Array.isArray(refs) || !refs.some(gone)) return undefined;
        for (const d of refs.filter(gone)) changes.push({ rule: "dangling-dependency", urn, action: "reference-removed", detail: detail(nameOf(str(d))), reason: DANGLING_REASON });
        return refs.filter((d) => !gone(d));
      };
      const dependencies = kept(r.dependencies, (n) => `dependency on \`${n}\` removed`);
      if (dependencies) r.dependencies = dependencies;
      if (isObject(r.propertyDependencies)) {
        for (const [key, deps] of Object.entries(r.propertyDependencies)) {
          const keep = kept(deps, (n) => `property dependency of \`${key}\` on \`${n}\` removed`);
          if (!keep) continue;
          // Prune keeps a property's entry only for the dependencies it keeps (snapshot.go L148-155)
          if (keep.length) r.propertyDependencies[key] = keep;
          else delete r.propertyDependencies[key];
        }
      }
      if (gone(r.deletedWith)) {
        const d = str(r.deletedWith);
        delete r.deletedWith;
        changes.push({ rule: "dangling-dependency", urn, action: "reference-removed", detail: `deletedWith \`${nameOf(d)}\` removed`, reason: DANGLING_REASON });
      }
      const replaceWith = kept(r.replaceWith, (n) => `replaceWith \`${n}\` removed`);
      if (replaceWith) r.replaceWith = replaceWith;
    }
    if (rules.has("dangling-parent") && str(r.parent) && !present.has(str(r.parent))) {
      const old = str(r.parent);
      if (stack && stack !== r) r.parent = stack.urn;
      else delete r.parent;
      changes.push({ rule: "dangling-parent", urn, action: "reparented", detail: `parent \`${nameOf(old)}\` (not in the state) replaced by ${stack && stack !== r ? `the stack \`${nameOf(str(stack.urn))}\`` : "no parent"}`, reason: REPARENT_CHOICE });
    }
  }
}

/**
 * A post-order depth-first sort as Pulumi's `Toposort` (snapshot.go L228-265, L416-493), made
 * stable: resources are visited in state order and the references of each in state order, so a
 * resource moves only when something it names is listed after it. References resolve as Pulumi's
 * `lookup` does (L436-452): with an old (`delete: true`) and a new copy of a URN, an old resource
 * refers to the old copy and a new one to the new copy.
 */
export function stableToposort(list: Json[]): { list: Json[] } | { cycle: string[] } {
  const olds = new Map<string, Json>();
  const news = new Map<string, Json>();
  const position = new Map<Json, number>();
  list.forEach((r, i) => {
    (r.delete === true ? olds : news).set(str(r.urn), r);
    position.set(r, i);
  });
  const sorted: Json[] = [];
  const state = new Map<Json, "visiting" | "done">();
  const path: Json[] = [];
  const lookup = (from: Json, urn: string) => {
    const o = olds.get(urn);
    const n = news.get(urn);
    if (o && n) return from.delete === true ? o : n;
    return o ?? n;
  };
  let cycle: string[] | null = null;
  const visit = (r: Json): boolean => {
    const s = state.get(r);
    if (s === "done") return true;
    if (s === "visiting") {
      cycle = [...path.slice(path.indexOf(r)), r].map((x) => str(x.urn));
      return false;
    }
    state.set(r, "visiting");
    path.push(r);
    const next = [...new Set(refsOf(r).map((u) => lookup(r, u)).filter((x): x is Json => x !== undefined && x !== r))].sort((a, b) => position.get(a)! - position.get(b)!);
    for (const n of next) if (!visit(n)) return false;
    path.pop();
    state.set(r, "done");
    sorted.push(r);
    return true;
  };
  for (const r of list) if (!visit(r)) return { cycle: cycle! };
  return { list: sorted };
}

/**
 * Pending operations are removed only for resources a person has answered for: only a person can
 * know whether an interrupted create made the resource in AWS. The answer decides the next step
 * told to the approver; the state change is the same (the entry leaves `pending_operations`).
 * Pulumi itself keeps pending creates "because these must require user intervention"
 * (pkg/backend/snapshot.go L711-728) and drops the other kinds at the next operation.
 */
function answerPending(ops: unknown[], answers: Readonly<Record<string, PendingAnswer>>, changes: RepairChange[], questions: RepairQuestion[]): unknown[] {
  return ops.filter((op, index) => {
    const res = isObject(op) && isObject(op.resource) ? op.resource : {};
    const urn = str(res.urn);
    const operation = isObject(op) ? str(op.type) : "";
    const answer = urn ? answers[urn] : undefined;
    if (!answer) {
      questions.push({ index, urn, type: str(res.type) || "unknown", operation });
      return true;
    }
    const create = operation === "creating";
    changes.push({
      rule: "pending-operations",
      urn,
      action: "pending-removed",
      detail: `pending ${operation || "operation"} removed (a person said it ${answer === "exists" ? "exists" : "does not exist"} in AWS)`,
      reason: create
        ? answer === "gone"
          ? "the interrupted create made nothing in AWS, so the next deploy creates it cleanly"
          : "it exists in AWS but the state does not track it: import it (or delete it in AWS) before the next deploy, which otherwise fails with \"already exists\""
        : `\`sst refresh\` reads it back from AWS${answer === "gone" ? " and drops it from the state" : ""}; the pending ${operation} only blocks that`,
    });
    return false;
  });
}

/** One line per resource, rule and action (a resource with three missing dependencies gets one line). */
function mergeChanges(changes: RepairChange[]): RepairChange[] {
  const out = new Map<string, RepairChange>();
  for (const c of changes) {
    const k = `${c.urn}\u0000${c.rule}\u0000${c.action}`;
    const seen = out.get(k);
    if (seen) {
      if (!seen.detail.includes(c.detail)) seen.detail = `${seen.detail}; ${c.detail}`;
    } else out.set(k, { ...c });
  }
  return [...out.values()];
}

/** Why each problem Pulumi still refuses has no mechanical fix here. */
const NO_FIX: Partial<Record<IntegrityRule, string>> = {
  "malformed-checkpoint": "the checkpoint cannot be read as Pulumi reads it; which value was meant cannot be known",
  "malformed-resource": "a resource cannot be read as Pulumi reads it (a missing urn or type, a value of the wrong kind); which value was meant cannot be known",
  "unsupported-features": "the state needs features of a newer Pulumi; dropping them would drop what they record. Upgrade SST instead",
  "manifest-magic": "the magic cookie is Pulumi's tamper check (manifest.go L82-89); recomputing it would hide a corruption instead of repairing it",
  "dangling-provider": "a custom resource must have its provider (its region, credentials and version), which cannot be guessed; Pulumi's repair leaves it too (snapshot.go L109-111)",
};

function blockersOf(report: IntegrityReport, rules: Set<RepairRule>, known: RepairBlock[]): RepairBlock[] {
  const out = [...known];
  const seen = new Set(known.map((b) => `${b.rule}\u0000${b.urn ?? ""}`));
  for (const p of report.problems) {
    if (p.severity !== "error") continue;
    const k = `${p.rule}\u0000${p.urn ?? ""}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ rule: p.rule, ...(p.urn ? { urn: p.urn } : {}), reason: reasonFor(p, rules) });
  }
  return out;
}

function reasonFor(p: IntegrityProblem, rules: Set<RepairRule>): string {
  const fix = NO_FIX[p.rule];
  if (fix) return `no mechanical fix, because ${fix} (Pulumi: "${p.pulumi}")`;
  if (isRepairRule(p.rule) && !rules.has(p.rule)) return `left as it is: the fix \`${p.rule}\` was not chosen (--rule) (Pulumi: "${p.pulumi}")`;
  return `still refused after the repair (Pulumi: "${p.pulumi}")`;
}
