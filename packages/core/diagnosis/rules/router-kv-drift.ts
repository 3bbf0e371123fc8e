import type { Finding, Rule } from "../types.ts";
import type { Resource } from "../../state/types.ts";
import { nameOf, stateRemoveCaveat, stateRemoveCommand } from "../state-index.ts";

export interface RouteEntryRef {
  urn: string;
  kvStoreArn: string;
  /** the KV key: `<ns>:routes` */
  kvKey: string;
  entry: string;
}

/** The Router route entries the state says were written: one per `*.sst.aws.KvRoutesUpdate` dynamic resource. */
export function routeEntriesOf(resources: Resource[]): RouteEntryRef[] {
  const out: RouteEntryRef[] = [];
  for (const r of resources) {
    if (r.type !== "pulumi-nodejs:dynamic:Resource" || !r.urn.endsWith(".sst.aws.KvRoutesUpdate")) continue;
    const o = { ...(r.inputs ?? {}), ...(r.outputs ?? {}) };
    const { entry, namespace, key, store } = o as Record<string, unknown>;
    if (typeof entry !== "string" || typeof store !== "string") continue;
    // SST passes key "routes" and the namespace separately; the KV key is `<ns>:routes`
    const k = typeof key === "string" && key ? key : "routes";
    const kvKey = k.includes(":") || typeof namespace !== "string" ? k : `${namespace}:${k}`;
    out.push({ urn: r.urn, kvStoreArn: store, kvKey, entry });
  }
  return out;
}

/**
 * The Router's CloudFront KeyValueStore missing route entries that the state says were written
 * (#5584, #5604): errors swallowed during deploy, or racing writes. Needs the RouterKvProbe.
 */
export const routerKvDrift: Rule = {
  name: "router-kv-drift",
  group: "probe",
  description: "Router routes missing from the CloudFront KeyValueStore",
  run({ current, probes, stage }) {
    const refs = routeEntriesOf(current.resources);
    if (refs.length === 0) return [];
    const probe = probes?.routerKv;
    if (!probe) return { skipped: "the Router KV probe did not run" };
    if (!probe.ok) return { skipped: probe.why };
    const stores = new Map(probe.value.map((s) => [s.kvStoreArn, s]));
    const out: Finding[] = [];
    for (const ref of refs) {
      const store = stores.get(ref.kvStoreArn);
      if (!store) continue; // not probed (e.g. another account): nothing to say
      const entries = store.routes[ref.kvKey];
      if (entries?.includes(ref.entry)) continue;
      const [type, , host, path] = ref.entry.split(",");
      out.push({
        rule: "router-kv-drift",
        severity: "error",
        urn: ref.urn,
        message:
          `Router route ${host ? `${host}` : ""}${path ?? ""} (${type ?? "route"}, ${nameOf(ref.urn).replace(/\.sst\.aws\.KvRoutesUpdate$/, "")}) is in the state but missing from the KV store's \`${ref.kvKey}\`` +
          `${entries ? "" : " (the key itself is missing)"}: requests for it get no route although the deploy looked green.`,
        fix:
          `Make SST write the entry again: \`${stateRemoveCommand(ref.urn, stage)}\` ${stateRemoveCaveat(ref.urn)} then \`sst deploy --stage ${stage}\` (the route update is recreated and rewrites \`${ref.kvKey}\`). ` +
          `Avoid running two deploys of routes that share this Router at the same time.`,
      });
    }
    return out;
  },
};
