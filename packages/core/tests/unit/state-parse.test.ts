import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { StateParseError, type StateParseProblem } from "../../errors.ts";
import { generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { MAX_DEPTH, parseCheckpoint } from "../../state/parse.ts";

const fixtures = new URL("../../../../fixtures/public-state/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));

/** Runs `fn` and returns the StateParseError it throws (fails the test when it throws nothing else). */
function parseError(fn: () => unknown): StateParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StateParseError);
    return e as StateParseError;
  }
  throw new Error("expected a StateParseError, but parsing succeeded");
}

describe("parseCheckpoint on Pulumi's public fixtures", () => {
  it("reads the version 3 envelope", () => {
    // Prepare
    const bytes = fixture("pulumi-checkpoint-v3.json");
    const json = JSON.parse(bytes.toString("utf8"));
    // Act
    const cp = parseCheckpoint(bytes, "v3");
    // Assess
    expect(cp.version).toBe(3);
    expect(cp.wrapped).toBe(true);
    expect(cp.features).toEqual([]);
    expect(cp.stack).toBe("");
    expect(cp.resources).toHaveLength(json.checkpoint.latest.resources.length);
    expect(cp.resources[0]!.urn).toBe(json.checkpoint.latest.resources[0].urn);
    expect(cp.size).toBe(bytes.length);
    expect(cp.pendingOperations).toEqual([]);
  });

  it("reads the version 4 envelope with its features and the resource's extra field", () => {
    // Prepare
    const bytes = fixture("pulumi-checkpoint-v4.json");
    // Act
    const cp = parseCheckpoint(bytes);
    // Assess
    expect(cp.version).toBe(4);
    expect(cp.features).toEqual(["refreshBeforeUpdate"]);
    expect(cp.resources.some((r) => r.refreshBeforeUpdate === true)).toBe(true);
  });

  it("reads the secrets fixture and reports its secrets provider", () => {
    // Prepare
    const bytes = fixture("pulumi-checkpoint-secrets.json");
    // Act
    const cp = parseCheckpoint(bytes);
    // Assess
    expect(cp.secretsProviderType).toBe("b64");
    expect(JSON.stringify(cp.resources)).toContain("ciphertext");
  });

  it("sniffs gzip from the bytes, whatever the name says", () => {
    // Prepare
    const plain = fixture("pulumi-checkpoint-v3.json");
    const gz = gzipSync(plain);
    // Act
    const cp = parseCheckpoint(gz, "app/shop/prod.json");
    // Assess
    expect(gz[0]).toBe(0x1f);
    expect(cp.resources).toHaveLength(parseCheckpoint(plain).resources.length);
    expect(cp.size).toBe(plain.length);
  });

  it("accepts the bare `sst state export` form as version 3", () => {
    // Prepare
    const wrapped = generateCheckpoint({ app: "shop", stage: "dev", resources: 30, seed: 4 });
    const bare = serializeCheckpoint(wrapped.checkpoint);
    // Act
    const cp = parseCheckpoint(bare);
    // Assess
    expect(cp.wrapped).toBe(false);
    expect(cp.version).toBe(3);
    expect(cp.stack).toBe("organization/shop/dev");
    expect(cp.resources).toHaveLength(30);
  });

  it("keeps unknown fields of resources and of the envelope", () => {
    // Prepare
    const obj = generateCheckpoint({ app: "shop", stage: "dev", resources: 10, seed: 5 });
    const latest = obj.checkpoint.latest as { resources: Record<string, unknown>[] };
    latest.resources[3]!.someFutureField = { nested: [1, 2, 3] };
    (obj as Record<string, unknown>).futureTopLevel = "kept";
    // Act
    const cp = parseCheckpoint(JSON.stringify(obj));
    // Assess
    expect(cp.resources[3]!.someFutureField).toEqual({ nested: [1, 2, 3] });
    expect((cp.raw as Record<string, unknown>).futureTopLevel).toBe("kept");
  });

  it("returns the pending operations of an interrupted deploy", () => {
    // Prepare
    const resource = { urn: "urn:pulumi:prod::shop::sst:aws:Function$aws:lambda/function:Function::ApiFunction", custom: true, type: "aws:lambda/function:Function" };
    const obj = generateCheckpoint({ app: "shop", stage: "prod", resources: 12, seed: 6, pending: [{ type: "creating", resource }] });
    // Act
    const cp = parseCheckpoint(Buffer.from(JSON.stringify(obj)));
    // Assess
    expect(cp.pendingOperations).toHaveLength(1);
    expect(cp.pendingOperations[0]!.type).toBe("creating");
    expect(cp.pendingOperations[0]!.resource.urn).toBe(resource.urn);
  });
});

describe("parseCheckpoint on malformed input", () => {
  const valid = serializeCheckpoint(generateCheckpoint({ app: "shop", stage: "prod", resources: 40, seed: 9 }));

  const cases: { name: string; input: () => Uint8Array | string; problem: StateParseProblem; says: RegExp }[] = [
    { name: "zero bytes", input: () => new Uint8Array(0), problem: "empty", says: /empty/ },
    { name: "whitespace only", input: () => "  \n\t ", problem: "empty", says: /whitespace/ },
    { name: "gzip of nothing", input: () => gzipSync(Buffer.alloc(0)), problem: "empty", says: /nothing/ },
    { name: "text that is not JSON", input: () => "{\n  \"version\": 3,\n  oops\n}", problem: "not-json", says: /line 3, column 3/ },
    { name: "JSON with trailing garbage", input: () => "{} and more", problem: "not-json", says: /not valid JSON/ },
    { name: "JSON cut off in the middle", input: () => valid.slice(0, Math.floor(valid.length / 2)), problem: "truncated", says: /ends early/ },
    { name: "JSON cut off inside a string", input: () => valid.slice(0, valid.indexOf("urn:pulumi") + 5), problem: "truncated", says: /ends early/ },
    { name: "JSON cut off after a number", input: () => '{"version": 3', problem: "truncated", says: /ends early/ },
    { name: "gzip stream cut off", input: () => { const gz = gzipSync(valid); return gz.subarray(0, gz.length - 100); }, problem: "truncated", says: /gzip stream ends early/ },
    { name: "version 0 in a wrapper", input: () => '{"version":0,"checkpoint":{"latest":{}}}', problem: "unsupported-version", says: /version 0 is not supported.*1 to 4/ },
    { name: "version 5", input: () => '{"version":5,"checkpoint":{"latest":{}}}', problem: "unsupported-version", says: /version 5 is not supported/ },
    { name: "version as a string", input: () => '{"version":"3","checkpoint":{"latest":{}}}', problem: "unsupported-version", says: /version "3"/ },
    { name: "a stack never deployed (wrapped)", input: () => '{"version":3,"checkpoint":{"stack":"organization/shop/prod"}}', problem: "missing-latest", says: /never deployed/ },
    { name: "a stack never deployed (bare)", input: () => '{"stack":"organization/shop/prod","latest":null}', problem: "missing-latest", says: /never deployed/ },
    { name: "an update record", input: () => '{"id":"ffff","version":"3.2.1","command":"deploy","errors":[],"timeStarted":1}', problem: "not-a-checkpoint", says: /update record/ },
    { name: "an array", input: () => "[1,2,3]", problem: "not-a-checkpoint", says: /array/ },
    { name: "resources that are not an array", input: () => '{"version":3,"checkpoint":{"latest":{"resources":{"a":1}}}}', problem: "not-a-checkpoint", says: /not an array/ },
    { name: "a resource without a urn", input: () => '{"version":3,"checkpoint":{"latest":{"resources":[{"type":"x"}]}}}', problem: "not-a-checkpoint", says: /resource #0/ },
  ];

  for (const c of cases) {
    it(`reports ${c.problem} for ${c.name}`, () => {
      // Prepare
      const input = c.input();
      // Act
      const err = parseError(() => parseCheckpoint(input, "app/shop/prod.json"));
      // Assess
      expect(err.problem).toBe(c.problem);
      expect(err.code).toBe(`state-${c.problem}`);
      expect(err.message).toMatch(c.says);
      expect(err.message.startsWith("app/shop/prod.json: ")).toBe(true);
      expect(err.hint).toBeTruthy();
      expect(err.exitCode).toBe(2);
    });
  }
});

describe("parseCheckpoint's nesting limit (MAX_DEPTH levels below `latest`)", () => {
  // `latest` is level 0, `resources` 1, a resource 2, its `inputs` 3: k nested arrays there reach 3 + k
  const nested = (k: number) =>
    JSON.stringify({ version: 3, checkpoint: { latest: { resources: [{ urn: "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod", type: "pulumi:pulumi:Stack", custom: false, inputs: { deep: JSON.parse("[".repeat(k) + "]".repeat(k)), tags: { a: [1, "x", null, { b: 2 }] } } }] } } });

  it("reads a state nested exactly to the limit", () => {
    expect(parseCheckpoint(nested(MAX_DEPTH - 3)).resources[0]!.inputs!.tags).toEqual({ a: [1, "x", null, { b: 2 }] });
  });

  it("refuses one level more, saying how deep", () => {
    expect(() => parseCheckpoint(nested(MAX_DEPTH - 2))).toThrow(`more than ${MAX_DEPTH} levels deep (depth ${MAX_DEPTH + 1})`);
  });
});

describe("parse errors never quote the text", () => {
  it("keeps a nearby ciphertext out of the message and the error's cause", () => {
    // Prepare: invalid JSON right after a secret (V8's own message would quote the neighbourhood)
    const ct = "v1:NONCEnonceNONCE:CIPHERcipherCIPHERcipher";
    const text = `{"version":3,"checkpoint":{"latest":{"resources":[{"urn":"u","outputs":{"s":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"${ct}"}, oops}}]}}}`;
    // Act
    const err = parseError(() => parseCheckpoint(text));
    // Assess
    expect(err.problem).toBe("not-json");
    const everything = `${err.message} ${err.hint} ${String(err.cause)} ${err.stack}`;
    for (const piece of [ct, ct.slice(-12), "CIPHER"]) expect(everything).not.toContain(piece);
  });
});
