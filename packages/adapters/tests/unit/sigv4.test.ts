/**
 * sigv4.ts against the SDK's own signer (@smithy/signature-v4, kept for this comparison): the same
 * request, credentials and date must give the same headers, signature included, byte for byte.
 * (lambda-async-invoke.test.ts checks what the invoker sends with an independent SigV4 written
 * from AWS's documentation.)
 */
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { signV4, type SigV4Credentials, type SigV4Request } from "../../sigv4.ts";

const KEYS: SigV4Credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const WHEN = new Date("2026-11-30T23:59:58.123Z");

async function sdkSigned(req: SigV4Request, credentials: SigV4Credentials, region: string, service: string, when: Date): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256, uriEscapePath: true });
  const host = req.headers.host ?? "";
  const signed = await signer.sign(
    { method: req.method, protocol: "https:", hostname: host.split(":")[0]!, path: req.path, query: {}, headers: { ...req.headers }, body: req.body },
    { signingDate: when },
  );
  return signed.headers as Record<string, string>;
}

const invoke = (fn: string, headers: Record<string, string> = {}): SigV4Request => ({
  method: "POST",
  path: `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`,
  headers: { host: "lambda.eu-west-1.amazonaws.com", "content-type": "application/json", "x-amz-invocation-type": "Event", ...headers },
  body: JSON.stringify({ command: "status prod", text: "<!channel> ünïcødé" }),
});

describe("signV4", () => {
  it.each<[string, SigV4Request, SigV4Credentials]>([
    ["an async invoke by function name", invoke("sst-state-prod-SlackWorker"), KEYS],
    ["an invoke by ARN (its colons signed as %253A)", invoke("arn:aws:lambda:eu-west-1:123456789012:function:worker:live"), KEYS],
    ["a session token (Lambda's role credentials)", invoke("worker"), { ...KEYS, sessionToken: "IQoJb3JpZ2luX2VjE//token+with/slashes==" }],
    ["headers in mixed case with folded blanks", invoke("worker", { "X-Custom-Thing": "  a \t  b\r\nc  " }), KEYS],
    ["unsignable headers (user-agent, trace id, proxy-*, sec-*) left out", invoke("worker", { "user-agent": "x/1", "x-amzn-trace-id": "Root=1-abc", "proxy-authorization": "p", "sec-fetch-mode": "cors" }), KEYS],
    ["a caller's own authorization and x-amz-date replaced", invoke("worker", { authorization: "old", "x-amz-date": "19700101T000000Z" }), KEYS],
    ["a path with dot segments and a trailing slash", { ...invoke("worker"), path: "/a/./b/../c//d/" }, KEYS],
    ["an empty body", { ...invoke("worker"), body: "" }, KEYS],
    ["a caller's own payload hash (UNSIGNED-PAYLOAD), in any case", invoke("worker", { "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" }), KEYS],
    ["a path without its leading slash", { ...invoke("worker"), path: "2015-03-31/functions/worker/invocations" }, KEYS],
    ["an empty path", { ...invoke("worker"), path: "" }, KEYS],
  ])("gives the SDK signer's headers for %s", async (_name, req, credentials) => {
    // Act
    const ours = signV4(req, { credentials, region: "eu-west-1", service: "lambda", now: WHEN });
    const sdk = await sdkSigned(req, credentials, "eu-west-1", "lambda", WHEN);
    // Assess
    expect(ours).toEqual(sdk);
    expect(ours.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261130\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
  });

  it("refuses credentials without a secret, as the SDK's signer does, instead of signing with a missing key", () => {
    // Act
    const signing = () => signV4(invoke("worker"), { credentials: { accessKeyId: "AKID" } as SigV4Credentials, region: "eu-west-1", service: "lambda", now: WHEN });
    // Assess
    expect(signing).toThrow("Resolved credential object is not valid");
  });

  it("signs what it is given: another body, region, key or second gives another signature", () => {
    // Prepare
    const req = invoke("worker");
    const sig = (r: SigV4Request, o: Partial<{ region: string; credentials: SigV4Credentials; now: Date }> = {}) =>
      signV4(r, { credentials: KEYS, region: "eu-west-1", service: "lambda", now: WHEN, ...o }).authorization!.split("Signature=")[1];
    // Act
    const base = sig(req);
    const others = [
      sig({ ...req, body: req.body.replace("prod", "dev") }),
      sig(req, { region: "eu-west-2" }),
      sig(req, { credentials: { ...KEYS, secretAccessKey: `${KEYS.secretAccessKey}x` } }),
      sig(req, { now: new Date(WHEN.getTime() + 1000) }),
    ];
    // Assess
    expect(new Set([base, ...others]).size).toBe(5);
  });
});
