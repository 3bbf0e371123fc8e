/**
 * TaggedResourcesProbe over the Resource Groups Tagging API: GetResources with the tag filters
 * `sst:app=<app>` and `sst:stage=<stage>`, every page. Only ARNs leave this module (no tags).
 * The Tagging API is regional: it sees the resources of the client's region.
 */
import { GetResourcesCommand, type ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { TaggedResourcesProbe } from "@sst-state/core/diagnosis/ports";
import type { ProbeOutcome } from "@sst-state/core/diagnosis/types";
import { probeFailure } from "./errors.ts";

export function createTaggedResourcesProbe(opts: { client: ResourceGroupsTaggingAPIClient }): TaggedResourcesProbe {
  const { client } = opts;
  return {
    async listTaggedArns(app, stage): Promise<ProbeOutcome<string[]>> {
      try {
        const arns: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(
            new GetResourcesCommand({
              TagFilters: [
                { Key: "sst:app", Values: [app] },
                { Key: "sst:stage", Values: [stage] },
              ],
              ResourcesPerPage: 100,
              ...(token ? { PaginationToken: token } : {}),
            }),
          );
          for (const m of page.ResourceTagMappingList ?? []) if (m.ResourceARN) arns.push(m.ResourceARN);
          token = page.PaginationToken || undefined;
        } while (token);
        return { ok: true, value: arns };
      } catch (e) {
        return { ok: false, why: probeFailure(e, { what: `the resources tagged sst:app=${app}, sst:stage=${stage}`, permission: "tag:GetResources" }) };
      }
    },
  };
}
