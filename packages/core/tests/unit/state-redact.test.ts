import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffCheckpoints } from "../../state/diff.ts";
import { evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../state/parse.ts";
import { ASSET_SIG, collectSecretMaterial, containsSecretMaterial, isSecret, redact, REDACTED } from "../../state/redact.ts";
import { summarize } from "../../state/summary.ts";
import { SECRET_SIG, SIG_KEY } from "../../state/types.ts";

const fixtures = new URL("../../../../fixtures/public-state/", import.meta.url);

/** The secret strings of `source` found in `output` (none, when nothing leaked). */
function leaks(output: unknown, source: unknown): string[] {
  const text = JSON.stringify(output);
  return collectSecretMaterial(source).filter((s) => text.includes(s));
}

describe("isSecret / redact", () => {
  it("recognises secrets by their signature only", () => {
    // Prepare
    const secret = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc:def" };
    const asset = { [SIG_KEY]: ASSET_SIG, text: "hello" };
    // Act / Assess
    expect(isSecret(secret)).toBe(true);
    expect(isSecret({ [SIG_KEY]: SECRET_SIG, plaintext: "\"x\"" })).toBe(true);
    expect(isSecret(asset)).toBe(false);
    expect(isSecret({ ciphertext: "v1:abc:def" })).toBe(false);
    expect(isSecret("[secret]")).toBe(false);
  });

  it("replaces every secret, however deep, and leaves the input untouched", () => {
    // Prepare
    const secret = () => ({ [SIG_KEY]: SECRET_SIG, ciphertext: "v1:NONCE:CIPHER" });
    const input = { a: secret(), b: [1, { c: secret() }], d: { e: "plain" } };
    const before = JSON.stringify(input);
    // Act
    const out = redact(input);
    // Assess
    expect(out).toEqual({ a: REDACTED, b: [1, { c: REDACTED }], d: { e: "plain" } });
    expect(JSON.stringify(input)).toBe(before);
    expect(out.d).not.toBe(input.d);
  });

  it("keeps assets but shortens a long asset text", () => {
    // Prepare
    const input = { small: { [SIG_KEY]: ASSET_SIG, text: "ok" }, big: { [SIG_KEY]: ASSET_SIG, text: "x".repeat(5000) } };
    // Act
    const out = redact(input);
    // Assess
    expect(out.small).toEqual(input.small);
    expect(out.big).toEqual({ [SIG_KEY]: ASSET_SIG, text: "[5000 characters]" });
  });

  it("finds secret material in a text", () => {
    // Prepare
    const source = { x: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:NONCE123:CIPHER456" } };
    // Act / Assess
    expect(containsSecretMaterial('{"value":"v1:NONCE123:CIPHER456"}', source)).toBe(true);
    expect(containsSecretMaterial('{"value":"[secret]"}', source)).toBe(false);
  });
});

describe("nothing that leaves the engine holds a ciphertext", () => {
  it("on the public secrets fixture (summary, diff both ways, redacted resources)", () => {
    // Prepare
    const bytes = readFileSync(new URL("pulumi-checkpoint-secrets.json", fixtures));
    const secrets = parseCheckpoint(bytes);
    const plain = parseCheckpoint(readFileSync(new URL("pulumi-checkpoint-v3.json", fixtures)));
    const material = collectSecretMaterial(secrets.raw);
    // Act
    const outputs = [summarize(secrets), diffCheckpoints(plain, secrets), diffCheckpoints(secrets, plain), redact(secrets.resources)];
    // Assess
    expect(material.length).toBeGreaterThan(5);
    for (const s of material) expect(bytes.toString("utf8")).toContain(s); // the search would find them
    for (const out of outputs) expect(leaks(out, secrets.raw)).toEqual([]);
  });

  it("on generated states and their evolution", () => {
    // Prepare
    const prev = generateCheckpoint({ app: "shop", stage: "prod", resources: 600, seed: 31, providers: ["cloudflare"] });
    const next = evolveCheckpoint(prev, { seed: 32, add: 20, remove: 20, change: 30 });
    const a = parseCheckpoint(serializeCheckpoint(prev));
    const b = parseCheckpoint(serializeCheckpoint(next));
    const material = [...collectSecretMaterial(a.raw), ...collectSecretMaterial(b.raw)];
    // Act
    const outputs = [summarize(a), summarize(b), diffCheckpoints(a, b), redact(a.raw), redact(b.resources)];
    // Assess
    expect(material.length).toBeGreaterThan(100);
    for (const out of outputs) expect(leaks(out, [a.raw, b.raw])).toEqual([]);
    // and the check itself would catch a leak
    expect(leaks(a.resources, a.raw).length).toBeGreaterThan(0);
  });
});
