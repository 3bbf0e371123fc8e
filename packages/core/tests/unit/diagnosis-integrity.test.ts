/**
 * The details of Pulumi v3.215.0's reading that the real-state test cannot reach with one-field
 * mutations of real files: Go's decoder (case-insensitive keys, field types, times), property
 * signatures, plugin versions, provider ids, and what Pulumi only logs.
 */
import { describe, expect, it } from "vitest";
import { fromJson, type Resource } from "../../state/index.ts";
import { checkIntegrity, magicFor } from "../../diagnosis/integrity.ts";
import { isTolerantSemver } from "../../diagnosis/pulumi-decode.ts";

const P = "urn:pulumi:prod::shop::";
const STACK = `${P}pulumi:pulumi:Stack::shop-prod`;
const PROVIDER = `${P}pulumi:providers:aws::default_6_66_2`;
const SIG = "4dabf18193072939515e22adb298388d";

/** A valid SST-shaped state (stack, provider, a bucket) with `extra` resources appended and `edit` applied. */
function state(edit: (rs: Resource[], manifest: Record<string, unknown>) => void = () => {}) {
  const resources: Resource[] = [
    { urn: STACK, custom: false, type: "pulumi:pulumi:Stack" },
    { urn: PROVIDER, custom: true, id: "p-1", type: "pulumi:providers:aws" },
    { urn: `${P}aws:s3/bucketV2:BucketV2::Uploads`, custom: true, id: "uploads", type: "aws:s3/bucketV2:BucketV2", parent: STACK, provider: `${PROVIDER}::p-1` },
  ];
  const manifest: Record<string, unknown> = { time: "2026-01-01T00:00:00Z", magic: magicFor("v3.215.0"), version: "v3.215.0" };
  edit(resources, manifest);
  return fromJson({ version: 3, checkpoint: { stack: "organization/shop/prod", latest: { manifest, resources } } }, 0);
}
const rules = (cp: ReturnType<typeof state>) => checkIntegrity(cp).problems.map((p) => `${p.severity} ${p.rule}`);
const bucket = (rs: Resource[]) => rs[2]! as Record<string, unknown>;

describe("checkIntegrity", () => {
  it("accepts the valid state", () => {
    expect(rules(state())).toEqual([]);
  });

  it("reads keys case-insensitively, as Go's decoder does: `Parent` is the parent Pulumi checks", () => {
    expect(rules(state((rs) => void (bucket(rs).Parent = `${P}sst:aws:Bucket::Gone`)))).toEqual(["error dangling-parent"]);
  });

  it("refuses field values of the wrong type and times that are not RFC 3339", () => {
    expect(rules(state((rs) => void (bucket(rs).protect = "yes")))).toEqual(["error malformed-resource"]);
    expect(rules(state((rs) => void (bucket(rs).created = "yesterday")))).toEqual(["error malformed-resource"]);
    expect(rules(state((rs) => void (bucket(rs).created = "2026-02-30T00:00:00Z")))).toEqual(["error malformed-resource"]);
    expect(rules(state((rs) => void (bucket(rs).created = "2024-02-29T23:59:59.123456789+01:00")))).toEqual([]);
    expect(rules(state((rs) => void (bucket(rs).dependencies = null)))).toEqual([]);
  });

  it("treats a missing `custom` as false, so an id makes the resource unreadable", () => {
    expect(rules(state((rs) => void delete bucket(rs).custom))).toEqual(["error malformed-resource"]);
  });

  it("checks the signature objects in inputs and outputs", () => {
    const both = { [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc:def", plaintext: "\"x\"" };
    expect(rules(state((rs) => void (bucket(rs).outputs = { secret: both })))).toEqual(["error malformed-resource"]);
    expect(rules(state((rs) => void (bucket(rs).outputs = { nested: [{ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4" }] })))).toEqual(["error malformed-resource"]);
    // the message names where the value sits: keys with dots, list positions in brackets
    const deep = checkIntegrity(state((rs) => void (bucket(rs).outputs = { nested: [{ a: 1 }, { inner: { [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4" } }] }))).problems;
    expect(deep.map((p) => p.pulumi).join("\n")).toContain("`outputs.nested[1].inner`: unrecognized signature 'd0e6a833031e9bbcd3f4e8bde6ca49a4' in property map");
    const asset = { [SIG]: "c44067f5952c0a294b673a41bacd8c17", hash: "abc", path: "./a.txt" };
    expect(rules(state((rs) => void (bucket(rs).inputs = { source: asset })))).toEqual([]);
    // a signature key at the top of the inputs map is no property value
    expect(rules(state((rs) => void (bucket(rs).inputs = { [SIG]: "anything" })))).toEqual([]);
  });

  it("reads plugin versions with blang/semver's ParseTolerant", () => {
    expect(["v3.215.0", "3.1", "1", " v1.2.3-beta.1+build.5 "].map(isTolerantSemver)).toEqual([true, true, true, true]);
    expect(["", "1.2-beta", "01.2.3", "1.2.3-01", "x.y.z"].map(isTolerantSemver)).toEqual([false, false, false, false, false]);
    expect(rules(state((_rs, m) => void (m.plugins = [{ name: "aws", path: "", type: "resource", version: "six" }])))).toEqual(["error malformed-checkpoint"]);
  });

  it("matches providers by URN and id; a provider without an id is registered as UnknownID", () => {
    expect(rules(state((rs) => void (bucket(rs).provider = `${PROVIDER}::p-2`)))).toEqual(["error dangling-provider"]);
    expect(checkIntegrity(state((rs) => void (bucket(rs).provider = `${PROVIDER}::p-2`))).problems[0]!.ref).toMatchObject({ id: "p-2", stateId: "p-1" });
    const noId = (ref: string) =>
      state((rs) => {
        delete (rs[1] as Record<string, unknown>).id;
        bucket(rs).provider = ref;
      });
    expect(rules(noId(`${PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`))).toEqual([]);
    expect(rules(noId(`${PROVIDER}::`))).toEqual(["error dangling-provider"]);
    expect(rules(state((rs) => void (bucket(rs).provider = "no-separator")))).toEqual(["error malformed-resource"]);
  });

  it("calls a provider listed after its user dependency-order", () => {
    expect(rules(state((rs) => void rs.push(rs.splice(1, 1)[0]!)))).toEqual(["error dependency-order"]);
  });

  it("only warns about a child URN that does not carry its parent's type, as Pulumi only logs it", () => {
    const child = { urn: `${P}aws:s3/bucketPolicy:BucketPolicy::UploadsPolicy`, custom: true, id: "pol", type: "aws:s3/bucketPolicy:BucketPolicy", parent: `${P}aws:s3/bucketV2:BucketV2::Uploads`, provider: `${PROVIDER}::p-1` };
    const cp = state((rs) => void rs.push(child));
    expect(rules(cp)).toEqual(["warning parent-urn-mismatch"]);
    expect(checkIntegrity(cp).refused).toBe(false);
  });

  it("reads a checkpoint without the version wrapper as version 0: its resources have no providers yet", () => {
    // Prepare: the same state unwrapped (what `sst state export` prints), with a provider reference to nothing
    const wrapped = state((rs) => void (bucket(rs).provider = `${P}pulumi:providers:aws::gone::x`));
    const bare = fromJson((wrapped.raw as { checkpoint: unknown }).checkpoint, 0);
    // Act + Assess: Pulumi migrates version 0/1 resources and drops `provider` (apitype/migrate/resource.go L45-46)
    expect(rules(wrapped)).toEqual(["error dangling-provider"]);
    expect(rules(bare)).toEqual([]);
  });

  it("refuses a URN repeated without `delete: true` on all copies but one", () => {
    const copy = (del: boolean[]) => state((rs) => void rs.push(...del.map((d) => ({ ...structuredClone(rs[2]!), ...(d ? { delete: true } : {}) }))));
    expect(rules(copy([false]))).toEqual(["error duplicate-urn"]);
    expect(rules(copy([true]))).toEqual([]);
    expect(rules(copy([true, true]))).toEqual([]);
    expect(rules(copy([true, false]))).toEqual(["error duplicate-urn"]);
  });
});
