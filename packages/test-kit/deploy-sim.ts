/**
 * A deploy as SST writes it to its home, for the deploy feed's tests, object by object in SST's
 * order (sst/sst 08fa0a6 `pkg/project/provider/provider.go` L237-269 `Lock`: the lock, then the
 * update record with `timeStarted`; `pkg/project/stack.go` L177-200 and L521-563: the state pushed
 * to `app/…` and `snapshot/…/<id>.json`, the record completed, then the deferred unlock; DESIGN §2).
 * The objects have the fields of SST's own structs (`lockData`, `Update`, provider.go L120-147 and
 * L229-235): the local-home test checks the record against one the real `sst` binary writes.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { stateKeys } from "@sst-state/core/state/versions";
import type { Resource } from "@sst-state/core/state/types";

export interface SimHome {
  put(key: string, body: string): Promise<void>;
  del(key: string): Promise<void>;
  read(key: string): Promise<string | null>;
}

/** SST's local home at `root` (the folder holding `state/`): `<root>/state/<key>`, as SST writes it. */
export function localSimHome(root: string): SimHome {
  const file = (key: string) => join(root, "state", ...key.split("/"));
  return {
    async put(key, body) {
      await mkdir(dirname(file(key)), { recursive: true });
      await writeFile(file(key), body);
    },
    del: (key) => rm(file(key), { force: true }),
    read: (key) => readFile(file(key), "utf8").catch(() => null),
  };
}

/** Go's time.RFC3339 (seconds), as SST writes timeStarted / timeCompleted. */
export const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export interface SimDeploy {
  app: string;
  stage: string;
  id: string;
  command: string;
  startedMs: number;
}

/** `sst deploy` begins: the lock, then the record. */
export async function startDeploy(home: SimHome, app: string, stage: string, opts: { command?: string; at: number; runId?: string }): Promise<SimDeploy> {
  const command = opts.command ?? "deploy";
  const id = makeUpdateId(opts.at);
  // lockData: Created time.Time (RFC3339Nano in JSON), UpdateID, RunID, Command, Ignore
  await home.put(stateKeys.lock(app, stage), JSON.stringify({ created: new Date(opts.at).toISOString(), updateID: id, runID: opts.runId ?? "", command, ignore: true }));
  // Update: id, runID (omitempty), version, command, errors (nil → null), timeStarted
  await home.put(stateKeys.update(app, stage, id), JSON.stringify({ id, ...(opts.runId ? { runID: opts.runId } : {}), version: "4.17.1", command, errors: null, timeStarted: rfc3339(opts.at) }));
  return { app, stage, id, command, startedMs: opts.at };
}

/** A save while it runs: the current state only. */
export async function saveState(home: SimHome, d: SimDeploy, checkpoint: string): Promise<void> {
  await home.put(stateKeys.app(d.app, d.stage), checkpoint);
}

/** The end: state and snapshot (unless the build failed), the completed record, then the unlock. */
export async function endDeploy(
  home: SimHome,
  d: SimDeploy,
  opts: { at: number; checkpoint?: string; errors?: { urn: string; message: string }[]; unlock?: boolean },
): Promise<void> {
  if (opts.checkpoint !== undefined) {
    await home.put(stateKeys.app(d.app, d.stage), opts.checkpoint);
    await home.put(stateKeys.snapshot(d.app, d.stage, d.id), opts.checkpoint);
  }
  await home.put(
    stateKeys.update(d.app, d.stage, d.id),
    JSON.stringify({ id: d.id, version: "4.17.1", command: d.command, errors: opts.errors ?? null, timeStarted: rfc3339(d.startedMs), timeCompleted: rfc3339(opts.at) }),
  );
  if (opts.unlock ?? true) await home.del(stateKeys.lock(d.app, d.stage));
}

/** A failed build: SST's deferred unlock runs, the record never gets timeCompleted. */
export async function abandonDeploy(home: SimHome, d: SimDeploy): Promise<void> {
  await home.del(stateKeys.lock(d.app, d.stage));
}

interface Cp {
  version: number;
  checkpoint: { latest: { resources: Resource[] } };
}

/**
 * The checkpoint after a deploy that adds `add`, removes `remove` leaf resources (no other resource
 * names them) and changes the inputs of `change` others, from `before` (JSON text).
 */
export function evolve(before: string, opts: { add: number; remove: number; change: number; tag: string }): string {
  const cp = JSON.parse(before) as Cp;
  const rs = cp.checkpoint.latest.resources;
  const referenced = new Set<string>();
  for (const r of rs) {
    if (r.parent) referenced.add(r.parent);
    for (const d of r.dependencies ?? []) referenced.add(d);
    if (typeof r.provider === "string") referenced.add(r.provider.split("::").slice(0, -1).join("::"));
    for (const ds of Object.values(r.propertyDependencies ?? {})) for (const d of ds ?? []) referenced.add(d);
  }
  const leaves = rs.filter((r) => r.custom && !referenced.has(r.urn) && !r.type.startsWith("pulumi:"));
  const removed = new Set(leaves.slice(0, opts.remove).map((r) => r.urn));
  // changing inputs breaks no reference: any other custom resource will do
  const others = rs.filter((r) => r.custom && !removed.has(r.urn) && !r.type.startsWith("pulumi:"));
  const changed = new Set(others.slice(0, opts.change).map((r) => r.urn));
  if (removed.size !== opts.remove || changed.size !== opts.change) throw new Error("evolve: not enough resources in the state");
  const template = others[others.length - 1]!;
  const out = rs
    .filter((r) => !removed.has(r.urn))
    .map((r) => (changed.has(r.urn) ? { ...r, inputs: { ...(r.inputs ?? {}), feedTestTag: opts.tag } } : r));
  for (let i = 0; i < opts.add; i++) {
    out.push({ ...structuredClone(template), urn: `${template.urn}-${opts.tag}-${i}`, id: `${String(template.id ?? "id")}-${opts.tag}-${i}` });
  }
  cp.checkpoint.latest.resources = out;
  return JSON.stringify(cp);
}
