import { beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { AccessDeniedException, CloudFrontKeyValueStoreClient, GetKeyCommand, ListKeysCommand } from "@aws-sdk/client-cloudfront-keyvaluestore";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, ThrottledException } from "@aws-sdk/client-resource-groups-tagging-api";
import { createAwsProbes, createRouterKvProbe, createTaggedResourcesProbe, hasAwsAccess } from "../../probes/index.ts";

const KVS = "arn:aws:cloudfront::123456789012:key-value-store/8b1c2d3e-0000-4000-8000-000000000001";
const kvMock = mockClient(CloudFrontKeyValueStoreClient);
const tagMock = mockClient(ResourceGroupsTaggingAPIClient);

const named = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

beforeEach(() => {
  kvMock.reset();
  tagMock.reset();
});

describe("Router KV probe", () => {
  const probe = () => createRouterKvProbe({ client: new CloudFrontKeyValueStoreClient({ region: "us-east-1" }) });

  it("reads every page and returns each <ns>:routes key's entries", async () => {
    // Prepare
    kvMock
      .on(ListKeysCommand)
      .resolvesOnce({ Items: [{ Key: "abc:routes", Value: JSON.stringify(["url,abc-0,,/", "url,abc-1,,/api"]) }, { Key: "abc:metadata", Value: "{}" }], NextToken: "page2" })
      .resolvesOnce({ Items: [{ Key: "def:routes", Value: JSON.stringify(["bucket,def-0,,/assets"]) }] });
    // Act
    const out = await probe().listRouteEntries(KVS);
    // Assess
    expect(out).toEqual({ ok: true, value: { "abc:routes": ["url,abc-0,,/", "url,abc-1,,/api"], "def:routes": ["bucket,def-0,,/assets"] } });
    const calls = kvMock.commandCalls(ListKeysCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.KvsARN).toBe(KVS);
    expect(calls[1]!.args[0].input.NextToken).toBe("page2");
  });

  it("joins chunked routes ({parts:N}), fetching a chunk the listing did not return", async () => {
    const text = JSON.stringify(["url,abc-0,,/", "url,abc-1,,/docs", "url,abc-2,,/admin"]);
    kvMock.on(ListKeysCommand).resolves({
      Items: [
        { Key: "abc:routes", Value: JSON.stringify({ parts: 3 }) },
        { Key: "abc:routes:0", Value: text.slice(0, 10) },
        { Key: "abc:routes:1", Value: text.slice(10, 25) },
      ],
    });
    kvMock.on(GetKeyCommand, { KvsARN: KVS, Key: "abc:routes:2" }).resolves({ Key: "abc:routes:2", Value: text.slice(25) });
    const out = await probe().listRouteEntries(KVS);
    expect(out).toEqual({ ok: true, value: { "abc:routes": ["url,abc-0,,/", "url,abc-1,,/docs", "url,abc-2,,/admin"] } });
  });

  it("turns access denied into a note naming the missing permission", async () => {
    kvMock.on(ListKeysCommand).rejects(new AccessDeniedException({ message: "User is not authorized", $metadata: {} }));
    const out = await probe().listRouteEntries(KVS);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.why).toContain("cloudfront-keyvaluestore:ListKeys");
  });

  it("turns throttling (after the SDK's retries) into a note, never a crash", async () => {
    kvMock.on(ListKeysCommand).rejects(named("ThrottlingException", "Rate exceeded"));
    const out = await probe().listRouteEntries(KVS);
    expect(out).toEqual({ ok: false, why: expect.stringContaining("throttled") });
  });
});

describe("tagged resources probe", () => {
  const probe = () => createTaggedResourcesProbe({ client: new ResourceGroupsTaggingAPIClient({ region: "eu-west-1" }) });

  it("filters by sst:app and sst:stage and follows PaginationToken", async () => {
    tagMock
      .on(GetResourcesCommand)
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: "arn:aws:s3:::a" }, { ResourceARN: "arn:aws:lambda:eu-west-1:1:function:f" }], PaginationToken: "next" })
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: "arn:aws:dynamodb:eu-west-1:1:table/t" }], PaginationToken: "" });
    const out = await probe().listTaggedArns("shop", "prod");
    expect(out).toEqual({ ok: true, value: ["arn:aws:s3:::a", "arn:aws:lambda:eu-west-1:1:function:f", "arn:aws:dynamodb:eu-west-1:1:table/t"] });
    const calls = tagMock.commandCalls(GetResourcesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.TagFilters).toEqual([
      { Key: "sst:app", Values: ["shop"] },
      { Key: "sst:stage", Values: ["prod"] },
    ]);
    expect(calls[1]!.args[0].input.PaginationToken).toBe("next");
  });

  it("reports throttling and access denied as notes", async () => {
    tagMock.on(GetResourcesCommand).rejects(new ThrottledException({ message: "slow down", $metadata: {} }));
    expect(await probe().listTaggedArns("shop", "prod")).toEqual({ ok: false, why: expect.stringContaining("ThrottledException") });
    tagMock.reset();
    tagMock.on(GetResourcesCommand).rejects(named("AccessDeniedException", "User: x is not authorized to perform: tag:GetResources"));
    expect(await probe().listTaggedArns("shop", "prod")).toEqual({ ok: false, why: expect.stringContaining("tag:GetResources") });
  });
});

describe("createAwsProbes", () => {
  it("builds no probes without AWS credentials, or when turned off, and says why", () => {
    const none = createAwsProbes({ env: { HOME: "/nonexistent-home" } });
    expect(none.routerKv).toBeUndefined();
    expect(none.unavailable).toContain("no AWS credentials");
    expect(createAwsProbes({ enabled: false, env: { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" } }).unavailable).toContain("turned off");
  });

  it("sees credentials from the environment, a profile or the shared files", () => {
    expect(hasAwsAccess({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, () => false)).toBe(true);
    expect(hasAwsAccess({ AWS_PROFILE: "dev" }, () => false)).toBe(true);
    expect(hasAwsAccess({ HOME: "/h" }, (p) => p === "/h/.aws/config")).toBe(true);
    expect(hasAwsAccess({ HOME: "/h" }, () => false)).toBe(false);
    const probes = createAwsProbes({ env: { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", AWS_REGION: "eu-west-1" } });
    expect(probes.routerKv).toBeDefined();
    expect(probes.tagged).toBeDefined();
  });
});
