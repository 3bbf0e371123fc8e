/**
 * Faults the repair tests put into a state document (SST's `app/<app>/<stage>.json`) by hand, the
 * way a hand edit or a broken deploy leaves them. Each edits the resource list in place.
 */
import type { Resource } from "@sst-state/core/state";

/** The part of a state document these faults edit. */
export type StateDoc = { checkpoint: { latest: { resources: Resource[]; pending_operations?: unknown[] } } };

/** A custom resource whose parent is a component (not the stack), so that moving its parent matters. */
export function nestedResource(rs: Resource[]): Resource {
  const found = rs.find((r) => r.custom && rs.some((p) => p.urn === r.parent && p.type !== "pulumi:pulumi:Stack"));
  if (!found) throw new Error("the state has no custom resource nested in a component: generate it with more resources");
  return found;
}

/**
 * Two faults at once: a parent listed after its child (moved to the end of the list), and on
 * another custom resource a dependency on `Gone`, a resource that is not in the state.
 */
export function breakOrderAndDependency(rs: Resource[], at: { app: string; stage: string }): { child: Resource; parent: Resource; dangling: Resource } {
  const child = nestedResource(rs);
  const parent = rs.find((p) => p.urn === child.parent)!;
  rs.splice(rs.indexOf(parent), 1);
  rs.push(parent);
  const dangling = rs.find((r) => r.custom && r !== child && r !== parent)!;
  dangling.dependencies = [...(dangling.dependencies ?? []), `urn:pulumi:${at.stage}::${at.app}::aws:s3/bucket:Bucket::Gone`];
  return { child, parent, dangling };
}
