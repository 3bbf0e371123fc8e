import type { Finding, Rule } from "../types.ts";
import type { Resource } from "../../state/types.ts";
import { compareVersions, nameOf } from "../state-index.ts";

const ROUTE = "aws:apigatewayv2/route:Route";

function routeKeyOf(r: Resource): string | undefined {
  const key = r.outputs?.routeKey ?? r.inputs?.routeKey;
  const api = r.outputs?.apiId ?? r.inputs?.apiId;
  return typeof key === "string" && typeof api === "string" ? `${api} ${key}` : undefined;
}

/**
 * An API Gateway v2 route whose URN changed between versions while its api id and `routeKey`
 * stayed the same (SST renamed the route's logical name across versions, #5031, #5059). Pulumi
 * creates the "new" route first: 409 "already exists", later "Invalid API identifier".
 */
export const routeIdentityChange: Rule = {
  name: "route-identity-change",
  group: "history",
  description: "API routes whose identity changed while the route stayed the same",
  run({ current, previous, stage }) {
    const out: Finding[] = [];
    const fix = `Remove the route from your code and \`sst deploy --stage ${stage}\`, then add it back and deploy again (the route is briefly unavailable).`;
    // the same route twice in the current state: the duplicate is already there
    const seen = new Map<string, string>();
    for (const r of current.resources) {
      if (r.type !== ROUTE) continue;
      const k = routeKeyOf(r);
      if (!k) continue;
      const other = seen.get(k);
      if (other) {
        out.push({
          rule: "route-identity-change",
          severity: "error",
          urn: r.urn,
          message: `Route \`${k.slice(k.indexOf(" ") + 1)}\` is in the state twice (${nameOf(other)} and ${nameOf(r.urn)}) for the same API: API Gateway answers 409 "already exists", then "Invalid API identifier".`,
          fix,
        });
      } else seen.set(k, r.urn);
    }
    if (!previous) return out;
    const { removed, added } = compareVersions(current, previous);
    const before = new Map<string, string>();
    for (const r of removed) {
      if (r.type !== ROUTE) continue;
      const k = routeKeyOf(r);
      if (k) before.set(k, r.urn);
    }
    if (before.size === 0) return out;
    for (const r of added) {
      if (r.type !== ROUTE) continue;
      const k = routeKeyOf(r);
      const old = k ? before.get(k) : undefined;
      if (!old || !k) continue;
      out.push({
        rule: "route-identity-change",
        severity: "warning",
        urn: r.urn,
        message:
          `Route \`${k.slice(k.indexOf(" ") + 1)}\` changed identity from ${nameOf(old)} to ${nameOf(r.urn)} while staying the same route of the same API. ` +
          `Pulumi creates the new route before deleting the old one: a duplicate route, 409 "already exists", and then "Invalid API identifier".`,
        fix,
      });
    }
    return out;
  },
};
