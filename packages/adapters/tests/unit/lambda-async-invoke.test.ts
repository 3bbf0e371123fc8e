/**
 * The async invoke without the Lambda client (packages/adapters/lambda-async-invoke.ts): a local
 * HTTP server on 127.0.0.1 stands in for Lambda and records each request as it arrived. Signatures
 * are checked by re-signing the received request with this file's own SigV4 (node:crypto, written
 * from the AWS SigV4 documentation: canonical request → string to sign → HMAC chain), itself
 * checked first against the documentation's worked example.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLambdaAsyncInvoker, type FetchLike, LambdaInvokeError } from "../../lambda-async-invoke.ts";

// --- an independent SigV4 (AWS docs, "Create a signed AWS API request") -----------------------

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
/** URI-encode every byte except the unreserved characters A-Z a-z 0-9 - _ . ~ */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface SignableRequest {
  method: string;
  /** the path as sent on the wire (encoded once) */
  path: string;
  /** the raw query string, without "?" */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

function expectedSignature(req: SignableRequest, o: { secret: string; amzDate: string; region: string; service: string; signedHeaders: string[] }): string {
  // CanonicalURI: each segment encoded again (every service but S3: "URI-encoded twice").
  const canonicalUri = req.path.split("/").map(uriEncode).join("/");
  const canonicalQuery = req.query
    .split("&")
    .filter(Boolean)
    .map((p) => p.split("=").map((x) => uriEncode(decodeURIComponent(x))) as [string, string?])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v ?? ""}`)
    .join("&");
  const canonicalHeaders = o.signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, o.signedHeaders.join(";"), sha256Hex(req.body)].join("\n");
  const date = o.amzDate.slice(0, 8);
  const scope = `${date}/${o.region}/${o.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", o.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, date), o.region), o.service), "aws4_request");
  return createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Parse the Authorization header and re-sign the request as received; returns the parts. */
function verify(req: SignableRequest, secret: string) {
  const m = AUTH.exec(String(req.headers.authorization));
  if (!m) throw new Error(`Authorization header has not the SigV4 shape: ${String(req.headers.authorization)}`);
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string, string];
  const amzDate = String(req.headers["x-amz-date"]);
  const expected = expectedSignature(req, { secret, amzDate, region, service, signedHeaders: signedHeaders.split(";") });
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature, expected, amzDate };
}

// --- the stand-in for Lambda ------------------------------------------------------------------

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang" | "drop";

let server: Server;
let endpoint: string;
let received: Recorded[] = [];
let answers: Answer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      const answer = answers.shift() ?? { status: 202 };
      if (answer === "hang") return; // never answers
      if (answer === "drop") return void req.socket.destroy(); // as a connection closed while the sandbox was frozen
      // A new connection per request: afterEach closes them, which a kept-alive one would not survive.
      res.writeHead(answer.status, { "content-type": "application/json", "x-amzn-requestid": "req-1", connection: "close", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(() => {
  received = [];
  answers = [];
  server.closeAllConnections(); // a "hang" answer leaves its socket open
});

const KEY = "AKIDEXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const job = { kind: "command", command: "status prod", channel: "C0DEPLOYS", user: "U0ALICE", text: "déjà vu ✓" };
const asSignable = (r: Recorded): SignableRequest => {
  const [path = "", query = ""] = r.url.split("?");
  return { method: r.method, path, query, headers: r.headers, body: r.body };
};
const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");

describe("the test's own SigV4", () => {
  it("reproduces the AWS documentation's worked example (IAM ListUsers)", () => {
    // Prepare: the example request of the SigV4 documentation
    const req: SignableRequest = {
      method: "GET",
      path: "/",
      query: "Action=ListUsers&Version=2010-05-08",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", host: "iam.amazonaws.com", "x-amz-date": "20150830T123600Z" },
      body: "",
    };
    // Act
    const signature = expectedSignature(req, { secret: SECRET, amzDate: "20150830T123600Z", region: "us-east-1", service: "iam", signedHeaders: ["content-type", "host", "x-amz-date"] });
    // Assess
    expect(signature).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });
});

describe("createLambdaAsyncInvoker", () => {
  it.each([
    ["a plain name", "sst-state-prod-SlackWorker", "/2015-03-31/functions/sst-state-prod-SlackWorker/invocations"],
    [
      "an ARN with a qualifier",
      "arn:aws:lambda:eu-west-1:123456789012:function:sst-state-prod-SlackWorker:live",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Asst-state-prod-SlackWorker%3Alive/invocations",
    ],
  ])("POSTs the job as an async invoke of %s, signed with SigV4", async (_name, functionName, path) => {
    // Prepare
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    await invoker.invoke(functionName, job);
    // Assess
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe(path);
    expect(req.headers["x-amz-invocation-type"]).toBe("Event");
    expect(JSON.parse(req.body.toString("utf8"))).toEqual(job);
    expect(req.headers["x-amz-security-token"]).toBeUndefined();
    const auth = verify(asSignable(req), SECRET);
    expect(auth).toMatchObject({ accessKeyId: KEY, date: today(), region: "eu-west-1", service: "lambda" });
    expect(auth.amzDate).toMatch(new RegExp(`^${auth.date}T\\d{6}Z$`));
    expect(auth.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-invocation-type"]));
    expect(auth.signature).toBe(auth.expected);
    expect(verify({ ...asSignable(req), body: JSON.stringify({ ...job, command: "restore prod" }) }, SECRET).expected).not.toBe(auth.signature);
  });

  it("takes credentials, region and endpoint from the environment Lambda provides, and signs the session token", async () => {
    // Prepare
    const env = { AWS_ACCESS_KEY_ID: "ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "env-secret", AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjE//token+with/chars==", AWS_REGION: "ap-southeast-2", AWS_ENDPOINT_URL_LAMBDA: endpoint };
    const invoker = createLambdaAsyncInvoker({ env });
    // Act
    await invoker.invoke("worker", { n: 1 });
    // Assess
    const req = received[0]!;
    expect(req.headers["x-amz-security-token"]).toBe(env.AWS_SESSION_TOKEN);
    const auth = verify(asSignable(req), "env-secret");
    expect(auth).toMatchObject({ accessKeyId: "ASIAEXAMPLE", region: "ap-southeast-2", service: "lambda" });
    expect(auth.signedHeaders).toContain("x-amz-security-token");
    expect(auth.signature).toBe(auth.expected);
  });

  it("falls back to AWS_ENDPOINT_URL, and reads the environment at each invoke", async () => {
    // Prepare: the environment is filled after the invoker is made
    const env: Record<string, string | undefined> = {};
    const invoker = createLambdaAsyncInvoker({ env });
    Object.assign(env, { AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_ENDPOINT_URL: endpoint });
    // Act
    await invoker.invoke("worker", null);
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]!.body.toString()).toBe("null");
    const auth = verify(asSignable(received[0]!), SECRET);
    expect(auth.region).toBe("us-east-1"); // a local endpoint without a region signs as us-east-1
    expect(auth.signature).toBe(auth.expected);
  });

  it("targets https://lambda.<region>.amazonaws.com by default, with a Host the signature covers", async () => {
    // Prepare: capture what would be sent
    const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
    const fetch: FetchLike = async (url, init) => {
      sent.push({ url, headers: init.headers, body: init.body });
      return { status: 202, headers: { get: () => null }, text: async () => "" };
    };
    const invoker = createLambdaAsyncInvoker({ region: "eu-central-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {}, fetch });
    // Act
    await invoker.invoke("sst-state-prod-SlackWorker", job);
    // Assess
    expect(sent).toHaveLength(1);
    const url = new URL(sent[0]!.url);
    expect(url.origin).toBe("https://lambda.eu-central-1.amazonaws.com");
    const auth = verify({ method: "POST", path: url.pathname, query: "", headers: { ...sent[0]!.headers, host: url.host }, body: sent[0]!.body }, SECRET);
    expect(auth.signature).toBe(auth.expected);
  });

  it.each([
    ["in the x-amzn-ErrorType header", { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/" }, { Message: "User: arn:aws:sts::123456789012:assumed-role/ingress/fn is not authorized to perform: lambda:InvokeFunction" }],
    ["in the body", {}, { __type: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/ingress/fn is not authorized to perform: lambda:InvokeFunction" }],
  ])("turns 403 AccessDeniedException (code %s) into an error naming the function, status, code and what to do", async (_where, headers, body) => {
    // Prepare
    answers = [{ status: 403, headers, body: JSON.stringify(body) }];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    const error = await invoker.invoke("sst-state-prod-SlackWorker", job).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(LambdaInvokeError);
    const e = error as LambdaInvokeError;
    expect(e).toMatchObject({ functionName: "sst-state-prod-SlackWorker", status: 403, code: "AccessDeniedException" });
    expect(e.message).toContain("sst-state-prod-SlackWorker");
    expect(e.message).toContain("403 AccessDeniedException");
    expect(e.message).toContain("is not authorized to perform: lambda:InvokeFunction");
    expect(e.hint).toContain("lambda:InvokeFunction");
    expect(e.message).toContain(e.hint);
    expect(received).toHaveLength(1); // not retried
  });

  it("turns 404 ResourceNotFoundException into an error naming the function and the region to check", async () => {
    // Prepare
    answers = [{ status: 404, headers: { "x-amzn-errortype": "ResourceNotFoundException" }, body: JSON.stringify({ Type: "User", Message: "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:gone" }) }];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    const error = await invoker.invoke("gone", job).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(LambdaInvokeError);
    const e = error as LambdaInvokeError;
    expect(e).toMatchObject({ functionName: "gone", status: 404, code: "ResourceNotFoundException" });
    expect(e.message).toMatch(/^async invoke of gone answered 404 ResourceNotFoundException: Function not found: /);
    expect(e.hint).toContain("eu-west-1");
    expect(received).toHaveLength(1);
  });

  it("names the status when the answer has no AWS error body", async () => {
    // Prepare
    answers = [{ status: 404, body: "" }];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    const error = await invoker.invoke("worker", job).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: "LambdaInvokeError", status: 404, code: undefined });
    expect((error as Error).message).toMatch(/^async invoke of worker answered 404\. Check that worker is deployed in eu-west-1/);
  });

  it("retries a throttled or failed attempt once, newly signed", async () => {
    // Prepare
    answers = [{ status: 500, body: JSON.stringify({ __type: "ServiceException", message: "internal" }) }, { status: 202 }];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    await invoker.invoke("worker", job);
    // Assess
    expect(received).toHaveLength(2);
    for (const r of received) {
      const auth = verify(asSignable(r), SECRET);
      expect(auth.signature).toBe(auth.expected);
    }
  });

  it("retries an attempt whose connection was dropped", async () => {
    // Prepare
    answers = ["drop", { status: 202 }];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    await invoker.invoke("worker", job);
    // Assess
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body.toString("utf8"))).toEqual(job);
  });

  it("gives up after the attempts with the last answer", async () => {
    // Prepare
    answers = [
      { status: 429, headers: { "x-amzn-errortype": "TooManyRequestsException" }, body: JSON.stringify({ message: "Rate exceeded" }) },
      { status: 429, headers: { "x-amzn-errortype": "TooManyRequestsException" }, body: JSON.stringify({ message: "Rate exceeded" }) },
    ];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {} });
    // Act
    const error = await invoker.invoke("worker", job).catch((e: unknown) => e);
    // Assess
    expect(received).toHaveLength(2);
    expect(error).toMatchObject({ status: 429, code: "TooManyRequestsException" });
    expect((error as Error).message).toContain("async invoke of worker answered 429 TooManyRequestsException: Rate exceeded");
  });

  it("stops waiting at the timeout with an error that says so", async () => {
    // Prepare
    answers = ["hang", "hang"];
    const invoker = createLambdaAsyncInvoker({ endpoint, region: "eu-west-1", credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, env: {}, timeoutMs: 200 });
    // Act
    const error = await invoker.invoke("worker", job).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: "LambdaInvokeError", code: "Timeout", status: undefined });
    expect((error as Error).message).toContain(`async invoke of worker got no answer from ${endpoint} within 200 ms`);
    expect(received).toHaveLength(1); // no second attempt once the time is up
  });

  it("says which variables to set when there are no credentials, and sends nothing", async () => {
    // Prepare
    const invoker = createLambdaAsyncInvoker({ endpoint, env: {} });
    // Act
    const error = await invoker.invoke("worker", job).catch((e: unknown) => e);
    // Assess
    expect((error as Error).message).toContain("AWS_ACCESS_KEY_ID");
    expect(received).toEqual([]);
  });
});
