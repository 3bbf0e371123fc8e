/**
 * RouterKvProbe over the CloudFront KeyValueStore data plane: ListKeys (paged, values included)
 * and GetKey for a chunk the listing did not return. SST's Router keeps its routes under
 * `<ns>:routes` as a JSON array of `"type,routeNs,host,path"` strings, or `{"parts":N}` with the
 * JSON text split over `<ns>:routes:0..N-1` (joined, then parsed: as the Router's function does).
 * The KVS endpoint is signed with SigV4a: `@aws-sdk/signature-v4a` must be loaded.
 */
import "@aws-sdk/signature-v4a";
import { CloudFrontKeyValueStoreClient, GetKeyCommand, paginateListKeys } from "@aws-sdk/client-cloudfront-keyvaluestore";
import type { RouterKvProbe } from "@sst-state/core/diagnosis/ports";
import type { ProbeOutcome } from "@sst-state/core/diagnosis/types";
import { isNotFound, probeFailure } from "./errors.ts";

const ROUTES_KEY = /:routes$/;

export function createRouterKvProbe(opts: { client: CloudFrontKeyValueStoreClient; pageSize?: number }): RouterKvProbe {
  const { client } = opts;
  return {
    async listRouteEntries(kvStoreArn): Promise<ProbeOutcome<Record<string, string[]>>> {
      const what = `the Router KV store ${kvStoreArn}`;
      try {
        const values = new Map<string, string>();
        for await (const page of paginateListKeys({ client, pageSize: opts.pageSize ?? 50 }, { KvsARN: kvStoreArn })) {
          for (const item of page.Items ?? []) if (item.Key !== undefined && item.Value !== undefined) values.set(item.Key, item.Value);
        }
        const get = async (key: string): Promise<string | undefined> => {
          if (values.has(key)) return values.get(key);
          try {
            return (await client.send(new GetKeyCommand({ KvsARN: kvStoreArn, Key: key }))).Value;
          } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
          }
        };
        const routes: Record<string, string[]> = {};
        for (const [key, value] of values) {
          if (!ROUTES_KEY.test(key)) continue;
          routes[key] = await entriesOf(value, (i) => get(`${key}:${i}`));
        }
        return { ok: true, value: routes };
      } catch (e) {
        return { ok: false, why: probeFailure(e, { what, permission: "cloudfront-keyvaluestore:ListKeys (and GetKey)" }) };
      }
    },
  };
}

/** The entries of one `<ns>:routes` value; an unreadable value holds no entries. */
async function entriesOf(value: string, chunk: (i: number) => Promise<string | undefined>): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const parts = (parsed as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parsed) && typeof parts === "number" && parts > 0) {
    const chunks: string[] = [];
    for (let i = 0; i < parts; i++) chunks.push((await chunk(i)) ?? "");
    try {
      parsed = JSON.parse(chunks.join(""));
    } catch {
      return [];
    }
  }
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : [];
}
