/**
 * A seeded generator of realistic SST-shaped checkpoints (DESIGN §2), of any size: the states of the
 * demo home (`generate-home.ts`, behind `sst-state demo`), which tests and benchmarks also use through
 * `@sst-state/test-kit/generate` (that wrapper adds the test-only edits: pending operations, mutations). The same options (and seed) always give the same object, byte for byte once
 * serialized. Nothing here is real: account ids, ARNs and ciphertexts are made up; ciphertexts have
 * the shape of the passphrase provider's (`v1:<b64 nonce>:<b64 ciphertext>`) but decrypt to nothing.
 *
 * Shape of what is produced (in this order, which is a valid Pulumi dependency order: every
 * parent, provider and dependency comes before the resources that refer to it):
 * - the root `pulumi:pulumi:Stack` (`<app>-<stage>`), outputs `_protect` and app outputs, one secret;
 * - default providers `pulumi:providers:aws::default_6_66_2` and `pulumi:providers:pulumi-nodejs::default`
 *   (plus `random` / `cloudflare` when asked), and `sst:sst:Version`;
 * - then "units" until the wanted count is reached: `sst:aws:Function` (role, log group with the
 *   fixed name `/aws/lambda/<fn>`, function with environment variables and a secret `SST_KEY`),
 *   `sst:aws:Bucket` (+ LinkRef), `sst:aws:Dynamo` (a retained table, + LinkRef), `sst:aws:Router`
 *   (KV store, CloudFront function and distribution, and one `pulumi-nodejs:dynamic:Resource`
 *   `<Name>Route<i>.sst.aws.KvRoutesUpdate` per route), `sst:aws:ApiGatewayV2` (api, stage, access
 *   log, and per route an `sst:aws:ApiGatewayV2LambdaRoute` with integration, `routeKey` route and
 *   permission), and one-resource `sst:sst:Secret` components to land exactly on the count.
 *
 * `resources` is the exact length of `latest.resources` whenever it is at least the fixed base (4
 * resources: stack, aws and pulumi-nodejs providers, Version; +1 per optional provider); below
 * that, the base alone is produced.
 */
import { createHash } from "node:crypto";
import { isProviderType, SST_VERSION_TYPE } from "./summary.ts";
import { SECRET_SIG, SIG_KEY, type Resource } from "./types.ts";

export type ExtraProvider = "random" | "cloudflare";

export interface GenerateOptions {
  app: string;
  stage: string;
  /** exact number of resources in `latest.resources` (see the file comment for the minimum) */
  resources: number;
  seed?: number;
  /** the deploy time in ms since the epoch (manifest time, latest `modified`); default 2025-06-02T09:30:00Z */
  time?: number;
  /** encode secrets (default true); false puts plain values where secrets would be */
  secrets?: boolean;
  /** extra default providers to include (default none) */
  providers?: ExtraProvider[];
}

export interface EvolveOptions {
  seed: number;
  /** about this many resources are added (whole units; exact when possible) */
  add?: number;
  /** about this many resources are removed (whole top-level components with their descendants) */
  remove?: number;
  /** this many custom resources get changed inputs/outputs */
  change?: number;
  /** the new deploy's time (ms); default: the previous manifest time + 1 hour */
  time?: number;
}

export const DEFAULT_TIME = Date.UTC(2025, 5, 2, 9, 30, 0);
export const PULUMI_VERSION = "v3.215.0";
const AWS_PROVIDER_VERSION = "6.66.2";

// ---------------------------------------------------------------------------------------------
// seeded randomness

/** mulberry32: small, fast, good enough for test data. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = "0123456789abcdef";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = createRng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += HEX[this.int(16)];
    return s;
  }
  /** base64 text of `bytes` random bytes (with padding) */
  b64(bytes: number): string {
    const chars = Math.ceil((bytes * 4) / 3);
    let s = "";
    for (let i = 0; i < chars; i++) s += B64[this.int(64)];
    while (s.length % 4) s += "=";
    return s;
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + this.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// generation context

interface Ctx {
  app: string;
  stage: string;
  r: Random;
  /** deploy time (ms) */
  time: number;
  secrets: boolean;
  region: string;
  account: string;
  out: Resource[];
  urns: Set<string>;
  rootUrn: string;
  awsProvider: string;
  nodejsProvider: string;
  randomProvider: string | undefined;
  /** ARNs and URNs of the functions generated so far (API routes point at them) */
  functions: { urn: string; arn: string; name: string }[];
  /** names of the buckets and tables generated so far (functions link them) */
  linkables: string[];
  pick<T>(xs: readonly T[]): T;
}

function urnOf(ctx: Ctx, typeChain: string, name: string): string {
  return `urn:pulumi:${ctx.stage}::${ctx.app}::${typeChain}::${name}`;
}

/** The type part of a child's URN: the parent's chain, `$`, the child's type (the root is left out). */
function chainOf(parentUrn: string | undefined, rootUrn: string, type: string): string {
  if (!parentUrn || parentUrn === rootUrn) return type;
  const parts = parentUrn.split("::");
  return `${parts[2]}$${type}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function ciphertext(r: Random, plainLength: number): string {
  return `v1:${r.b64(12)}:${r.b64(plainLength + 16)}`;
}

/** A secret as Pulumi stores it; with `secrets: false`, the plain value. */
function secret(ctx: Ctx, plain: unknown): unknown {
  if (!ctx.secrets) return plain;
  const len = JSON.stringify(plain).length;
  return { [SIG_KEY]: SECRET_SIG, ciphertext: ciphertext(ctx.r, len) };
}

function tags(ctx: Ctx): Record<string, string> {
  return { "sst:app": ctx.app, "sst:stage": ctx.stage };
}

function times(ctx: Ctx): { created: string; modified: string } {
  // created some time in the 90 days before the deploy, modified between then and the deploy
  const created = ctx.time - 1000 * (60 + ctx.r.int(90 * 86400));
  const modified = ctx.r.next() < 0.6 ? created : created + ctx.r.int(ctx.time - created);
  return { created: iso(created), modified: iso(modified) };
}

/** A resource to add: its own fields (types.ts), named instead of addressed (`add` builds the URN), plus any `extra` field. */
type AddSpec = Pick<Resource, "type" | "parent" | "id" | "inputs" | "outputs" | "provider" | "dependencies"> & {
  name: string;
  custom: boolean;
  propertyDependencies?: Record<string, string[]>;
  extra?: Record<string, unknown>;
};

function cloneJson<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out as T;
}

/** Appends a resource (with Pulumi's field order) and returns its URN. */
function add(ctx: Ctx, s: AddSpec): string {
  const parent = s.parent ?? ctx.rootUrn;
  const urn = urnOf(ctx, chainOf(parent, ctx.rootUrn, s.type), s.name);
  const res: Resource = { urn, custom: s.custom, type: s.type };
  if (s.id !== undefined) res.id = s.id;
  if (s.inputs) res.inputs = s.inputs;
  // outputs are often built from the inputs: copy them so that no object is shared (as after JSON.parse)
  if (s.outputs) res.outputs = cloneJson(s.outputs);
  res.parent = parent;
  if (s.extra) Object.assign(res, s.extra);
  if (s.custom) res.provider = s.provider ?? ctx.awsProvider;
  if (s.dependencies) res.dependencies = s.dependencies;
  if (s.propertyDependencies) res.propertyDependencies = s.propertyDependencies;
  Object.assign(res, times(ctx));
  ctx.out.push(res);
  ctx.urns.add(urn);
  return urn;
}

function uniqueName(ctx: Ctx, base: string, type: string): string {
  let name = base;
  for (let i = 2; ctx.urns.has(urnOf(ctx, type, name)); i++) name = `${base}${i}`;
  return name;
}

// ---------------------------------------------------------------------------------------------
// units: each returns the number of resources it appended

const FN_NAMES = ["Api", "Worker", "Cron", "Auth", "Webhook", "Processor", "Resize", "Notify", "Sync", "Export"];
const BUCKET_NAMES = ["Uploads", "Assets", "Media", "Reports", "Backups", "Exports"];
const TABLE_NAMES = ["Orders", "Users", "Sessions", "Carts", "Events", "Inventory"];
const PATHS = ["/", "/api", "/auth", "/images", "/docs", "/app", "/static", "/admin"];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];

function functionUnit(ctx: Ctx, base: string): number {
  const name = uniqueName(ctx, base, "sst:aws:Function");
  const comp = add(ctx, { type: "sst:aws:Function", name, custom: false, outputs: {} });
  const suffix = ctx.r.hex(7);
  const fnName = `${ctx.app}-${ctx.stage}-${name}Function-${suffix}`;
  const roleName = `${ctx.app}-${ctx.stage}-${name}Role-${ctx.r.hex(8)}`;
  const roleArn = `arn:aws:iam::${ctx.account}:role/${roleName}`;
  const assume = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } }],
  });
  const role = add(ctx, {
    type: "aws:iam/role:Role",
    name: `${name}Role`,
    parent: comp,
    custom: true,
    id: roleName,
    inputs: { __defaults: [], assumeRolePolicy: assume, managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"], name: roleName, tags: tags(ctx), tagsAll: tags(ctx) },
    outputs: { arn: roleArn, assumeRolePolicy: assume, createDate: iso(ctx.time - 86400000), id: roleName, maxSessionDuration: 3600, name: roleName, path: "/", tags: tags(ctx), tagsAll: tags(ctx), uniqueId: `AROA${ctx.r.hex(16).toUpperCase()}` },
    propertyDependencies: { assumeRolePolicy: [], name: [], tags: [] },
  });
  const logName = `/aws/lambda/${fnName}`;
  const log = add(ctx, {
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: `${name}LogGroup`,
    parent: comp,
    custom: true,
    id: logName,
    inputs: { __defaults: ["skipDestroy"], name: logName, retentionInDays: 30, skipDestroy: false, tags: tags(ctx), tagsAll: tags(ctx) },
    outputs: { arn: `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:${logName}`, id: logName, kmsKeyId: "", logGroupClass: "STANDARD", name: logName, retentionInDays: 30, skipDestroy: false, tags: tags(ctx), tagsAll: tags(ctx) },
  });
  const link = ctx.linkables.length ? ctx.pick(ctx.linkables) : undefined;
  const variables: Record<string, unknown> = {
    SST_RESOURCE_App: JSON.stringify({ name: ctx.app, stage: ctx.stage }),
    SST_KEY: secret(ctx, ctx.r.b64(32)),
    SST_KEY_FILE: "resource.enc",
    NODE_OPTIONS: "--enable-source-maps",
    LOG_LEVEL: ctx.r.pick(["info", "debug", "warn"]),
  };
  if (link) variables[`SST_RESOURCE_${link}`] = JSON.stringify({ name: `${ctx.app}-${ctx.stage}-${link.toLowerCase()}`, type: "sst.aws.Bucket" });
  const arn = `arn:aws:lambda:${ctx.region}:${ctx.account}:function:${fnName}`;
  const codeHash = ctx.r.b64(32);
  const fnInputs = {
    __defaults: [],
    architectures: ["arm64"],
    environment: { variables },
    handler: `packages/functions/src/${name.toLowerCase()}.handler`,
    loggingConfig: { logFormat: "Text", logGroup: logName },
    memorySize: ctx.r.pick([128, 512, 1024, 1769]),
    name: fnName,
    role: roleArn,
    runtime: "nodejs20.x",
    s3Bucket: `sst-asset-${ctx.r.hex(12)}`,
    s3Key: `${ctx.app}-${ctx.stage}-${name}-code-${ctx.r.hex(40)}.zip`,
    sourceCodeHash: codeHash,
    tags: tags(ctx),
    timeout: ctx.r.pick([10, 20, 30, 60, 900]),
  };
  const { __defaults: _omit, ...fnOutputs } = fnInputs;
  const fn = add(ctx, {
    type: "aws:lambda/function:Function",
    name: `${name}Function`,
    parent: comp,
    custom: true,
    id: fnName,
    inputs: fnInputs,
    outputs: {
      ...fnOutputs,
      arn,
      invokeArn: `arn:aws:apigateway:${ctx.region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
      lastModified: iso(ctx.time - ctx.r.int(86400000)),
      qualifiedArn: `${arn}:$LATEST`,
      version: "$LATEST",
      tagsAll: tags(ctx),
    },
    dependencies: [role, log],
    propertyDependencies: { environment: [], loggingConfig: [log], name: [], role: [role] },
  });
  ctx.functions.push({ urn: fn, arn, name });
  return 4;
}

function bucketUnit(ctx: Ctx, base: string): number {
  const name = uniqueName(ctx, base, "sst:aws:Bucket");
  const comp = add(ctx, { type: "sst:aws:Bucket", name, custom: false, outputs: {} });
  const bucket = `${ctx.app}-${ctx.stage}-${name.toLowerCase()}bucket-${ctx.r.hex(8)}`;
  const b = add(ctx, {
    type: "aws:s3/bucketV2:BucketV2",
    name: `${name}Bucket`,
    parent: comp,
    custom: true,
    id: bucket,
    inputs: { __defaults: ["bucketPrefix"], bucket, forceDestroy: true, tags: tags(ctx) },
    outputs: { arn: `arn:aws:s3:::${bucket}`, bucket, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${ctx.region}.amazonaws.com`, forceDestroy: true, hostedZoneId: "Z3AQBSTGFYJSTF", id: bucket, region: ctx.region, tags: tags(ctx), tagsAll: tags(ctx) },
  });
  const pab = add(ctx, {
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: `${name}PublicAccessBlock`,
    parent: comp,
    custom: true,
    id: bucket,
    inputs: { __defaults: [], blockPublicAcls: true, blockPublicPolicy: true, bucket, ignorePublicAcls: true, restrictPublicBuckets: true },
    outputs: { blockPublicAcls: true, blockPublicPolicy: true, bucket, id: bucket, ignorePublicAcls: true, restrictPublicBuckets: true },
    dependencies: [b],
    propertyDependencies: { bucket: [b] },
  });
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
  add(ctx, {
    type: "aws:s3/bucketPolicy:BucketPolicy",
    name: `${name}Policy`,
    parent: comp,
    custom: true,
    id: bucket,
    inputs: { __defaults: [], bucket, policy },
    outputs: { bucket, id: bucket, policy },
    dependencies: [b, pab],
    propertyDependencies: { bucket: [b], policy: [b] },
  });
  add(ctx, {
    type: "sst:sst:LinkRef",
    name: `${name}LinkRef`,
    parent: comp,
    custom: false,
    outputs: { include: [{ actions: ["s3:*"], effect: "allow", resources: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], type: "aws.permission" }], properties: { name: bucket } },
  });
  ctx.linkables.push(name);
  return 5;
}

function dynamoUnit(ctx: Ctx, base: string): number {
  const name = uniqueName(ctx, base, "sst:aws:Dynamo");
  const comp = add(ctx, { type: "sst:aws:Dynamo", name, custom: false, outputs: {} });
  const table = `${ctx.app}-${ctx.stage}-${name}Table-${ctx.r.hex(6)}`;
  const attrs = [{ name: "pk", type: "S" }, { name: "sk", type: "S" }];
  add(ctx, {
    type: "aws:dynamodb/table:Table",
    name: `${name}Table`,
    parent: comp,
    custom: true,
    id: table,
    inputs: { __defaults: [], attributes: attrs, billingMode: "PAY_PER_REQUEST", hashKey: "pk", name: table, pointInTimeRecovery: { enabled: true }, rangeKey: "sk", streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES", tags: tags(ctx) },
    outputs: { arn: `arn:aws:dynamodb:${ctx.region}:${ctx.account}:table/${table}`, attributes: attrs, billingMode: "PAY_PER_REQUEST", hashKey: "pk", id: table, name: table, rangeKey: "sk", streamArn: `arn:aws:dynamodb:${ctx.region}:${ctx.account}:table/${table}/stream/${iso(ctx.time - 86400000 * 30).replace(/Z$/, "")}`, streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES", tags: tags(ctx), tagsAll: tags(ctx) },
    // tables default to `removal: "retain"`: Pulumi forgets them but AWS keeps them
    extra: { retainOnDelete: true },
  });
  ctx.linkables.push(name);
  return 2;
}

function routerUnit(ctx: Ctx, base: string, routes: number): number {
  const name = uniqueName(ctx, base, "sst:aws:Router");
  const comp = add(ctx, { type: "sst:aws:Router", name, custom: false, outputs: {} });
  const kvName = `${ctx.app}-${ctx.stage}-${name}KvStore-${ctx.r.hex(6)}`;
  const kvArn = `arn:aws:cloudfront::${ctx.account}:key-value-store/${ctx.r.uuid()}`;
  const kv = add(ctx, {
    type: "aws:cloudfront/keyValueStore:KeyValueStore",
    name: `${name}KvStore`,
    parent: comp,
    custom: true,
    id: kvName,
    inputs: { __defaults: [], name: kvName },
    outputs: { arn: kvArn, comment: "", etag: ctx.r.hex(14).toUpperCase(), id: kvName, lastModifiedTime: iso(ctx.time), name: kvName },
  });
  const cfFnName = `${ctx.app}-${ctx.stage}-${name}CloudfrontFunctionRequest-${ctx.r.hex(6)}`;
  const cfFn = add(ctx, {
    type: "aws:cloudfront/function:Function",
    name: `${name}CloudfrontFunctionRequest`,
    parent: comp,
    custom: true,
    id: cfFnName,
    inputs: { __defaults: [], code: "import cf from \"cloudfront\";\nasync function handler(event) { /* route lookup in the KV store */ return event.request; }", keyValueStoreAssociations: [kvArn], name: cfFnName, publish: true, runtime: "cloudfront-js-2.0" },
    outputs: { arn: `arn:aws:cloudfront::${ctx.account}:function/${cfFnName}`, etag: ctx.r.hex(14).toUpperCase(), id: cfFnName, keyValueStoreAssociations: [kvArn], name: cfFnName, publish: true, runtime: "cloudfront-js-2.0", status: "UNASSOCIATED" },
    dependencies: [kv],
    propertyDependencies: { keyValueStoreAssociations: [kv] },
  });
  const distId = `E${ctx.r.hex(13).toUpperCase()}`;
  const domain = `d${ctx.r.hex(12)}.cloudfront.net`;
  add(ctx, {
    type: "aws:cloudfront/distribution:Distribution",
    name: `${name}Cdn`,
    parent: comp,
    custom: true,
    id: distId,
    inputs: { __defaults: [], comment: `${ctx.app}-${ctx.stage} ${name}`, enabled: true, defaultCacheBehavior: { allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"], functionAssociations: [{ eventType: "viewer-request", functionArn: `arn:aws:cloudfront::${ctx.account}:function/${cfFnName}` }], targetOriginId: "default", viewerProtocolPolicy: "redirect-to-https" }, tags: tags(ctx), waitForDeployment: false },
    outputs: { arn: `arn:aws:cloudfront::${ctx.account}:distribution/${distId}`, domainName: domain, enabled: true, etag: ctx.r.hex(14).toUpperCase(), hostedZoneId: "Z2FDTNDATAQYW2", id: distId, status: "Deployed", tags: tags(ctx), tagsAll: tags(ctx) },
    dependencies: [cfFn],
    propertyDependencies: { defaultCacheBehavior: [cfFn] },
  });
  const ns = ctx.r.hex(12);
  for (let i = 0; i < routes; i++) {
    const path = i === 0 ? "/" : `${ctx.r.pick(PATHS)}${i}`;
    const routeNs = `${ns}-${i}`;
    const entry = `url,${routeNs},,${path}`;
    add(ctx, {
      type: "pulumi-nodejs:dynamic:Resource",
      name: `${name}Route${i}.sst.aws.KvRoutesUpdate`,
      parent: comp,
      custom: true,
      id: `${kvArn}/${ns}:routes/${path}`,
      provider: ctx.nodejsProvider,
      inputs: { __provider: secret(ctx, "exports.handler = __f0; /* serialized KvRoutesUpdate provider */"), entry, namespace: ns, store: kvArn },
      outputs: { __provider: secret(ctx, "exports.handler = __f0; /* serialized KvRoutesUpdate provider */"), entry, key: `${ns}:routes`, namespace: ns, store: kvArn },
      dependencies: [kv],
      propertyDependencies: { entry: [], namespace: [], store: [kv] },
    });
  }
  return 4 + routes;
}

function apiUnit(ctx: Ctx, base: string, routes: number): number {
  const name = uniqueName(ctx, base, "sst:aws:ApiGatewayV2");
  const comp = add(ctx, { type: "sst:aws:ApiGatewayV2", name, custom: false, outputs: {} });
  const apiId = ctx.r.hex(10);
  const endpoint = `https://${apiId}.execute-api.${ctx.region}.amazonaws.com`;
  const api = add(ctx, {
    type: "aws:apigatewayv2/api:Api",
    name: `${name}Api`,
    parent: comp,
    custom: true,
    id: apiId,
    inputs: { __defaults: [], corsConfiguration: { allowHeaders: ["*"], allowMethods: ["*"], allowOrigins: ["*"] }, name: `${ctx.app}-${ctx.stage}-${name}Api-${ctx.r.hex(6)}`, protocolType: "HTTP", tags: tags(ctx) },
    outputs: { apiEndpoint: endpoint, arn: `arn:aws:apigateway:${ctx.region}::/apis/${apiId}`, executionArn: `arn:aws:execute-api:${ctx.region}:${ctx.account}:${apiId}`, id: apiId, protocolType: "HTTP", routeSelectionExpression: "$request.method $request.path", tags: tags(ctx), tagsAll: tags(ctx) },
  });
  const logName = `/aws/vendedlogs/apis/${ctx.app}-${ctx.stage}-${name}-${apiId}`;
  const log = add(ctx, {
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: `${name}AccessLog`,
    parent: comp,
    custom: true,
    id: logName,
    inputs: { __defaults: [], name: logName, retentionInDays: 30, tags: tags(ctx) },
    outputs: { arn: `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:${logName}`, id: logName, name: logName, retentionInDays: 30, tags: tags(ctx), tagsAll: tags(ctx) },
  });
  add(ctx, {
    type: "aws:apigatewayv2/stage:Stage",
    name: `${name}Stage`,
    parent: comp,
    custom: true,
    id: "$default",
    inputs: { __defaults: [], accessLogSettings: { destinationArn: `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:${logName}`, format: "{\"requestId\":\"$context.requestId\"}" }, apiId, autoDeploy: true, name: "$default" },
    outputs: { apiId, autoDeploy: true, id: "$default", invokeUrl: `${endpoint}/`, name: "$default" },
    dependencies: [api, log],
    propertyDependencies: { accessLogSettings: [log], apiId: [api] },
  });
  let n = 4;
  for (let i = 0; i < routes; i++) {
    const fn = ctx.functions.length ? ctx.pick(ctx.functions) : undefined;
    const routeKey = `${ctx.r.pick(METHODS)} ${ctx.r.pick(PATHS)}${i ? `/${i}` : ""}`;
    const rname = `${name}Route${ctx.r.hex(6)}`;
    const rcomp = add(ctx, { type: "sst:aws:ApiGatewayV2LambdaRoute", name: rname, parent: comp, custom: false, outputs: {}, dependencies: fn ? [fn.urn] : [] });
    const integrationId = ctx.r.hex(7);
    const integ = add(ctx, {
      type: "aws:apigatewayv2/integration:Integration",
      name: `${rname}Integration`,
      parent: rcomp,
      custom: true,
      id: integrationId,
      inputs: { __defaults: [], apiId, integrationType: "AWS_PROXY", integrationUri: fn?.arn ?? "", payloadFormatVersion: "2.0" },
      outputs: { apiId, connectionType: "INTERNET", id: integrationId, integrationType: "AWS_PROXY", integrationUri: fn?.arn ?? "", payloadFormatVersion: "2.0", timeoutMilliseconds: 30000 },
      dependencies: fn ? [api, fn.urn] : [api],
      propertyDependencies: { apiId: [api], integrationUri: fn ? [fn.urn] : [] },
    });
    add(ctx, {
      type: "aws:apigatewayv2/route:Route",
      name: `${rname}Route`,
      parent: rcomp,
      custom: true,
      id: ctx.r.hex(7),
      inputs: { __defaults: [], apiId, routeKey, target: `integrations/${integrationId}` },
      outputs: { apiId, apiKeyRequired: false, authorizationType: "NONE", routeKey, target: `integrations/${integrationId}` },
      dependencies: [api, integ],
      propertyDependencies: { apiId: [api], routeKey: [], target: [integ] },
    });
    add(ctx, {
      type: "aws:lambda/permission:Permission",
      name: `${rname}Permissions`,
      parent: rcomp,
      custom: true,
      id: `${rname}Permissions-${ctx.r.hex(7)}`,
      inputs: { __defaults: [], action: "lambda:InvokeFunction", function: fn?.arn ?? "", principal: "apigateway.amazonaws.com", sourceArn: `arn:aws:execute-api:${ctx.region}:${ctx.account}:${apiId}/*/*` },
      outputs: { action: "lambda:InvokeFunction", function: fn?.arn ?? "", id: `${rname}Permissions`, principal: "apigateway.amazonaws.com" },
      dependencies: fn ? [api, fn.urn] : [api],
    });
    n += 4;
  }
  return n;
}

function secretUnit(ctx: Ctx, base: string): number {
  const name = uniqueName(ctx, base, "sst:sst:Secret");
  add(ctx, { type: "sst:sst:Secret", name, custom: false, outputs: { _name: name, value: secret(ctx, ctx.r.b64(24)) } });
  return 1;
}

function withPick(ctx: Omit<Ctx, "pick">): Ctx {
  return Object.assign(ctx, { pick: <T>(xs: readonly T[]): T => ctx.r.pick(xs) });
}

/** Appends units until exactly `budget` more resources were appended. */
function fill(ctx: Ctx, budget: number, tag: string): void {
  let left = budget;
  let i = 0;
  while (left > 0) {
    i++;
    const roll = ctx.r.next();
    // sizes: function 4, bucket 5, dynamo 2, router 4+k, api 4+4k, secret 1
    if (roll < 0.45 && left >= 4) left -= functionUnit(ctx, `${ctx.pick(FN_NAMES)}${tag}${i}`);
    else if (roll < 0.58 && left >= 5) left -= bucketUnit(ctx, `${ctx.pick(BUCKET_NAMES)}${tag}${i}`);
    else if (roll < 0.7 && left >= 2) left -= dynamoUnit(ctx, `${ctx.pick(TABLE_NAMES)}${tag}${i}`);
    else if (roll < 0.8 && left >= 6) left -= routerUnit(ctx, `Router${tag}${i}`, Math.min(left - 4, 2 + ctx.r.int(5)));
    else if (roll < 0.95 && left >= 8) left -= apiUnit(ctx, `Api${tag}${i}`, Math.min(Math.floor((left - 4) / 4), 1 + ctx.r.int(6)));
    else if (left < 4 || roll >= 0.95) left -= secretUnit(ctx, `Secret${tag}${i}`);
  }
}

function providerResource(ctx: Ctx, pkg: string, name: string, inputs: Record<string, unknown>): string {
  const id = ctx.r.uuid();
  const urn = add(ctx, { type: `pulumi:providers:${pkg}`, name, custom: true, id, inputs, outputs: inputs, provider: "" });
  delete ctx.out[ctx.out.length - 1]!.provider; // providers have no provider
  return `${urn}::${id}`;
}

function defaultTime(t: number | undefined): number {
  return t ?? DEFAULT_TIME;
}

/** A wrapped checkpoint object (`{version:3, checkpoint:{stack, latest}}`), see the file comment. */
export function generateCheckpoint(opts: GenerateOptions): { version: 3; checkpoint: Record<string, unknown> } & Record<string, unknown> {
  const { app, stage } = opts;
  const time = defaultTime(opts.time);
  const r = new Random(opts.seed ?? 1);
  const rootUrn = `urn:pulumi:${stage}::${app}::pulumi:pulumi:Stack::${app}-${stage}`;
  const ctx = withPick({
    app,
    stage,
    r,
    time,
    secrets: opts.secrets ?? true,
    region: r.pick(["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]),
    account: String(100000000000 + r.int(899999999999)),
    out: [],
    urns: new Set(),
    rootUrn,
    awsProvider: "",
    nodejsProvider: "",
    randomProvider: undefined,
    functions: [],
    linkables: [],
  });
  // the root stack: its outputs are filled in at the end (they name things generated below)
  const root: Resource = { urn: rootUrn, custom: false, type: "pulumi:pulumi:Stack", outputs: {}, ...times(ctx) };
  ctx.out.push(root);
  ctx.urns.add(rootUrn);
  ctx.awsProvider = providerResource(ctx, "aws", `default_${AWS_PROVIDER_VERSION.replace(/\./g, "_")}`, {
    __internal: {},
    defaultTags: JSON.stringify({ tags: tags(ctx) }),
    region: ctx.region,
    skipCredentialsValidation: "false",
    version: AWS_PROVIDER_VERSION,
  });
  ctx.nodejsProvider = providerResource(ctx, "pulumi-nodejs", "default", {});
  for (const p of opts.providers ?? []) {
    if (p === "random") ctx.randomProvider = providerResource(ctx, "random", "default_4_16_7", { version: "4.16.7" });
    else providerResource(ctx, "cloudflare", "default_5_49_1", { apiToken: secret(ctx, ctx.r.b64(30)), version: "5.49.1" });
  }
  add(ctx, { type: SST_VERSION_TYPE, name: app, custom: false, outputs: { target: 3 } });
  fill(ctx, opts.resources - ctx.out.length, "");
  root.outputs = rootOutputs(ctx);
  const resources = ctx.out;
  const latest: Record<string, unknown> = {
    manifest: manifest(time),
    secrets_providers: { type: "passphrase", state: { salt: `v1:${r.b64(8)}:v1:${r.b64(12)}:${r.b64(22)}` } },
    resources,
  };
  return { version: 3, checkpoint: { stack: `organization/${app}/${stage}`, latest } };
}

function manifest(time: number): Record<string, unknown> {
  return {
    time: iso(time),
    magic: createHash("sha256").update(PULUMI_VERSION).digest("hex"),
    version: PULUMI_VERSION,
  };
}

function rootOutputs(ctx: Ctx): Record<string, unknown> {
  const outputs: Record<string, unknown> = { _protect: false };
  const api = ctx.out.find((x) => x.type === "aws:apigatewayv2/api:Api");
  if (api) outputs.api = (api.outputs as Record<string, unknown>).apiEndpoint;
  const cdn = ctx.out.find((x) => x.type === "aws:cloudfront/distribution:Distribution");
  if (cdn) outputs.router = `https://${(cdn.outputs as Record<string, unknown>).domainName as string}`;
  const bucket = ctx.out.find((x) => x.type === "aws:s3/bucketV2:BucketV2");
  if (bucket) outputs.bucket = bucket.id;
  outputs.region = ctx.region;
  outputs.webhookSecret = secret(ctx, ctx.r.b64(24));
  return outputs;
}

// ---------------------------------------------------------------------------------------------
// evolution: the next deploy's state

function isSecretObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Re-encrypts every secret in place: same (unknown) value, new nonce and ciphertext. */
function reencrypt(v: unknown, r: Random): void {
  if (typeof v !== "object" || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) reencrypt(x, r);
    return;
  }
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) {
    if (typeof o.ciphertext === "string") {
      const body = o.ciphertext.split(":")[2] ?? "";
      o.ciphertext = `v1:${r.b64(12)}:${r.b64(Math.max(1, Math.floor((body.length * 3) / 4)))}`;
    }
    return;
  }
  for (const k in o) reencrypt(o[k], r);
}

/**
 * The state after one more deploy of `prev` (a wrapped checkpoint object as generated above; not
 * modified): about `remove` resources removed (whole top-level units, references to them dropped
 * from the survivors), `change` custom resources with changed properties, about `add` resources
 * added, every secret re-encrypted (new ciphertext, same value), manifest time moved on.
 */
export function evolveCheckpoint(prev: object, opts: EvolveOptions): { version: 3; checkpoint: Record<string, unknown> } & Record<string, unknown> {
  const next = structuredClone(prev) as { version: 3; checkpoint: { stack: string; latest: Record<string, unknown> } } & Record<string, unknown>;
  const latest = next.checkpoint.latest;
  let resources = latest.resources as Resource[];
  const prevTime = Date.parse(String((latest.manifest as Record<string, unknown> | undefined)?.time ?? "")) || DEFAULT_TIME;
  const time = opts.time ?? prevTime + 3600_000;
  const r = new Random(opts.seed);
  const root = resources.find((x) => x.type === "pulumi:pulumi:Stack");
  const rootUrn = root?.urn ?? "";
  const [stage = "", app = ""] = rootUrn.slice("urn:pulumi:".length).split("::");
  const iso2 = iso(time);

  // 1. remove whole top-level units (components whose parent is the root), with their descendants
  if (opts.remove && opts.remove > 0) {
    const children = new Map<string, string[]>();
    for (const res of resources) {
      if (!res.parent) continue;
      const list = children.get(res.parent);
      if (list) list.push(res.urn);
      else children.set(res.parent, [res.urn]);
    }
    const tops = resources.filter((x) => x.parent === rootUrn && x.custom === false && x.type.startsWith("sst:aws:"));
    const gone = new Set<string>();
    while (gone.size < opts.remove && tops.length) {
      const top = takeAt(tops, r.int(tops.length));
      const stack = [top.urn];
      while (stack.length) {
        const u = stack.pop()!;
        gone.add(u);
        for (const c of children.get(u) ?? []) stack.push(c);
      }
    }
    resources = resources.filter((x) => !gone.has(x.urn));
    for (const res of resources) {
      let touched = false;
      if (res.dependencies?.some((d) => gone.has(d))) {
        res.dependencies = res.dependencies.filter((d) => !gone.has(d));
        touched = true;
      }
      if (res.propertyDependencies) {
        for (const [k, list] of Object.entries(res.propertyDependencies)) {
          if (list?.some((d) => gone.has(d))) {
            res.propertyDependencies[k] = list.filter((d) => !gone.has(d));
            touched = true;
          }
        }
      }
      if (touched) res.modified = iso2;
    }
  }

  // 2. change some custom resources (not providers)
  if (opts.change && opts.change > 0) {
    const candidates = resources.filter((x) => x.custom && !isProviderType(x.type));
    const n = Math.min(opts.change, candidates.length);
    for (let i = 0; i < n; i++) {
      const res = takeAt(candidates, r.int(candidates.length));
      changeResource(res, r, iso2);
    }
  }

  // 3. add new units, in dependency order, at the end
  if (opts.add && opts.add > 0) {
    const findProvider = (pkg: string): string => {
      const p = resources.find((x) => x.type === `pulumi:providers:${pkg}`);
      return p ? `${p.urn}::${p.id ?? ""}` : "";
    };
    const firstLambda = resources.find((x) => x.type === "aws:lambda/function:Function");
    const region = /^arn:aws:lambda:([^:]+):(\d+):/.exec(String(firstLambda?.outputs?.arn ?? ""));
    const ctx = withPick({
      app,
      stage,
      r,
      time,
      secrets: resources.some((x) => JSON.stringify(x.outputs ?? {}).includes(SIG_KEY)),
      region: region?.[1] ?? "us-east-1",
      account: region?.[2] ?? "123456789012",
      out: [],
      urns: new Set(resources.map((x) => x.urn)),
      rootUrn,
      awsProvider: findProvider("aws"),
      nodejsProvider: findProvider("pulumi-nodejs"),
      randomProvider: undefined,
      functions: resources
        .filter((x) => x.type === "aws:lambda/function:Function")
        .map((x) => ({ urn: x.urn, arn: String(x.outputs?.arn ?? ""), name: x.urn.split("::")[3] ?? "" })),
      linkables: resources.filter((x) => x.type === "sst:aws:Bucket" || x.type === "sst:aws:Dynamo").map((x) => x.urn.split("::")[3] ?? ""),
    });
    fill(ctx, opts.add, `N${opts.seed.toString(36)}`);
    for (const res of ctx.out) {
      res.created = iso2;
      res.modified = iso2;
    }
    resources = resources.concat(ctx.out);
  }

  // 4. every secret gets a new ciphertext; the manifest moves on
  reencrypt(resources, r);
  latest.resources = resources;
  latest.manifest = { ...(latest.manifest as Record<string, unknown>), time: iso2 };
  return next;
}

/** Removes and returns xs[i] in O(1) (the last element takes its place). */
function takeAt<T>(xs: T[], i: number): T {
  const x = xs[i]!;
  xs[i] = xs[xs.length - 1]!;
  xs.pop();
  return x;
}

/** Changes one resource the way a code or config change would. */
function changeResource(res: Resource, r: Random, time: string): void {
  const inputs = (res.inputs ??= {});
  const outputs = (res.outputs ??= {});
  switch (res.type) {
    case "aws:lambda/function:Function": {
      const hash = r.b64(32);
      inputs.sourceCodeHash = hash;
      outputs.sourceCodeHash = hash;
      const env = inputs.environment as { variables?: Record<string, unknown> } | undefined;
      if (env?.variables) env.variables.FEATURE_FLAG = r.pick(["on", "off", "beta"]);
      const oenv = outputs.environment as { variables?: Record<string, unknown> } | undefined;
      if (oenv?.variables && env?.variables) oenv.variables.FEATURE_FLAG = env.variables.FEATURE_FLAG;
      outputs.lastModified = time;
      break;
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const days = r.pick([7, 14, 60, 90]);
      inputs.retentionInDays = days;
      outputs.retentionInDays = days;
      break;
    }
    case "aws:apigatewayv2/route:Route": {
      const key = `${r.pick(METHODS)} ${r.pick(PATHS)}/v${r.int(9)}`;
      inputs.routeKey = key;
      outputs.routeKey = key;
      break;
    }
    case "pulumi-nodejs:dynamic:Resource": {
      // a Router route moved to another path
      const entry = typeof inputs.entry === "string" ? inputs.entry.replace(/,[^,]*$/, `,/v${r.int(9)}${r.pick(PATHS)}`) : `url,${r.hex(12)},,/`;
      inputs.entry = entry;
      outputs.entry = entry;
      break;
    }
    default: {
      if (inputs.tags && typeof inputs.tags === "object") {
        const t = { ...(inputs.tags as Record<string, string>), owner: `team-${r.hex(4)}` };
        inputs.tags = t;
        outputs.tags = { ...t };
        outputs.tagsAll = { ...t };
      } else {
        // resources without tags (policies, functions' code…): a changed setting
        const v = `${r.hex(8)}`;
        inputs.revision = v;
        outputs.revision = v;
      }
    }
  }
  res.modified = time;
}

/** Pulumi writes checkpoints as JSON indented with 4 spaces; `compact` gives one line. */
export function serializeCheckpoint(obj: unknown, opts: { compact?: boolean } = {}): string {
  return opts.compact ? JSON.stringify(obj) : JSON.stringify(obj, null, 4);
}
