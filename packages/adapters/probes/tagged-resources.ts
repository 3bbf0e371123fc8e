/**
 * TaggedResourcesProbe over the Resource Groups Tagging API: GetResources with the tag filters
 * `sst:app=<app>` and `sst:stage=<stage>`, every page. Only ARNs leave this module (no tags).
 * The Tagging API is regional: it sees the resources of the client's region.
 */
import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { TaggedResourcesProbe } from "@sst-state/core/diagnosis/ports";
import type { ProbeOutcome } from "@sst-state/core/diagnosis/types";
import { probeFailure } from "./errors.ts";

export function createTaggedResourcesProbe(opts: { client: ResourceGroupsTaggingAPIClient }): TaggedResourcesProbe {
  const { client } = opts;
  return {
    async listTaggedArns(app, stage): Promise<ProbeOutcome<string[]>> {
      try {
        const arns: string[] = [];
        // The API ends the listing with an empty PaginationToken, which the paginator takes as the end.
        const pages = paginateGetResources(
          { client, pageSize: 100 },
          {
            TagFilters: [
              { Key: "sst:app", Values: [app] },
              { Key: "sst:stage", Values: [stage] },
            ],
          },
        );
        for await (const page of pages) for (const m of page.ResourceTagMappingList ?? []) if (m.ResourceARN) arns.push(m.ResourceARN);
        return { ok: true, value: arns };
      } catch (e) {
        return { ok: false, why: probeFailure(e, { what: `the resources tagged sst:app=${app}, sst:stage=${stage}`, permission: "tag:GetResources" }) };
      }
    },
  };
}
