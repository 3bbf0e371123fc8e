/**
 * Bytes -> Checkpoint. Accepts Pulumi's VersionedCheckpoint (`{"version":1..4,"checkpoint":…}`; SST
 * stores 3 or 4) and the bare form `sst state export` prints (`{"stack","latest"}`), gzip-compressed
 * or not (sniffed from the magic bytes 1f 8b, never from a file name; SST ≥ v4.13 may compress).
 *
 * Cost: one decode of the bytes to a string and one `JSON.parse`; after that only the envelope is
 * checked, plus one cheap look at each resource (an object with a string `urn`). Resources are
 * returned as parsed, unknown fields included, and `raw` is the parsed JSON itself (not a copy), so
 * that a restore can write back exactly what was read.
 */
import { StateParseError, type StateParseProblem } from "../errors.ts";
import type { Checkpoint, Manifest, PendingOperation, Resource } from "./types.ts";
import { gunzip, isGzip } from "./versions.ts";

// Pulumi v3.215.0 reads checkpoint versions 1 to 4 and migrates 1 and 2 to 3 (pulumi/pulumi v3.215.0,
// pkg/resource/stack/checkpoint.go:45-97; the version-1/2 migrations add no field sst-state reads).
// SST only ever stores 3 or 4, but refusing an older file Pulumi still loads would be a false alarm.
const SUPPORTED_VERSIONS = new Set([1, 2, 3, 4]);

function fail(problem: StateParseProblem, message: string, source: string | undefined, hint?: string, cause?: unknown): never {
  throw new StateParseError(problem, message, { source, hint, cause });
}

function decode(bytes: Uint8Array, source: string | undefined): { text: string; size: number } {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzip(bytes);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // zlib reports a stream that stops before its end as Z_BUF_ERROR ("unexpected end of file")
      if (code === "Z_BUF_ERROR" || /unexpected end/i.test(String((e as Error).message)))
        fail("truncated", "the gzip stream ends early: the file was cut off while it was written or copied.", source, undefined, e);
      fail("not-json", `the file starts like gzip (1f 8b) but is not a valid gzip stream (${(e as Error).message}).`, source, undefined, e);
    }
    if (raw.length === 0) fail("empty", "the file is gzip-compressed but holds nothing.", source, emptyHint);
  }
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return { text: buf.toString("utf8"), size: raw.byteLength };
}

const emptyHint =
  "An empty state usually means a failed write replaced a good version (SST #5759). Pick the previous version with `sst-state history <stage>` and restore it; nothing was changed.";

/** Parses a checkpoint; throws StateParseError (with `problem`) when the bytes are not one. */
export function parseCheckpoint(bytes: Uint8Array | string, source?: string): Checkpoint {
  let text: string;
  let size: number;
  if (typeof bytes === "string") {
    text = bytes;
    size = Buffer.byteLength(bytes, "utf8");
  } else {
    if (bytes.length === 0) fail("empty", "the file is empty (0 bytes).", source, emptyHint);
    ({ text, size } = decode(bytes, source));
  }
  // a UTF-8 byte order mark is not JSON; editors on Windows add one
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    if (text.trim() === "") fail("empty", "the file holds only whitespace.", source, emptyHint);
    throw jsonError(text, e as Error, source);
  }
  return fromJson(json, size, source);
}

/**
 * Classifies a JSON.parse failure: text that ends early is "truncated", anything else "not-json".
 * The SyntaxError is not kept as `cause`: its message quotes part of the text.
 */
function jsonError(text: string, e: Error, source: string | undefined): StateParseError {
  const msg = e.message;
  const m = /at position (\d+)/.exec(msg);
  const pos = m ? Number(m[1]) : undefined;
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  if (/Unexpected end of JSON input|Unterminated/.test(msg) || (pos !== undefined && pos >= end)) {
    return new StateParseError("truncated", `the JSON ends early after ${end} characters: the file was cut off while it was written or copied.`, {
      source,
      hint: "Pick a complete version with `sst-state history <stage>` (each deploy keeps a snapshot); nothing was changed.",
    });
  }
  let where = "";
  if (pos !== undefined) {
    let line = 1;
    let col = 1;
    for (let i = 0; i < pos && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    where = ` at line ${line}, column ${col} (position ${pos})`;
  }
  // V8 quotes a snippet of the text (`…, "snippet" is not valid JSON`): it may hold secret
  // material, so only the reason is kept
  const detail = msg.replace(/,\s*(\.\.\.)?".*$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  return new StateParseError("not-json", `the file is not valid JSON${where}: ${detail}.`, {
    source,
    hint: "The file was edited by hand or is not a state file; fix it or pick another version with `sst-state history <stage>`. Nothing was changed.",
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Why `r` is not a resource, or undefined. The fields the code reads, with Pulumi's types
 * (ResourceV3, pulumi/pulumi v3.215.0 sdk/go/common/apitype/core.go): `urn`, `type`, `parent`,
 * `provider` strings; `dependencies` a list of URNs; `inputs` / `outputs` objects.
 */
function resourceProblem(r: unknown): string | undefined {
  if (!isObject(r)) return `is ${describe(r)}, not an object`;
  if (typeof r.urn !== "string") return `has no "urn"`;
  for (const k of ["type", "parent", "provider", "id"] as const) {
    if (r[k] !== undefined && r[k] !== null && typeof r[k] !== "string") return `has a "${k}" that is ${describe(r[k])}, not a string`;
  }
  if (r.dependencies !== undefined && r.dependencies !== null && (!Array.isArray(r.dependencies) || r.dependencies.some((d) => typeof d !== "string")))
    return `has "dependencies" that are not a list of URNs`;
  for (const k of ["inputs", "outputs"] as const) {
    if (r[k] !== undefined && r[k] !== null && !isObject(r[k])) return `has "${k}" that are ${describe(r[k])}, not an object`;
  }
  return undefined;
}

/** Deeper than any real state (property values of real SST states nest a few dozen levels). */
export const MAX_DEPTH = 256;

/**
 * Where `value` nests deeper than `limit` (a short path), found without recursion. Only objects
 * and arrays are pushed (a 100 MB state holds millions of strings and numbers), on two parallel
 * stacks, so the walk allocates nothing per value.
 */
function tooDeep(value: unknown, limit: number): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const values: object[] = [value];
  const depths: number[] = [0];
  while (values.length) {
    const v = values.pop()!;
    const d = depths.pop()! + 1;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x !== "object" || x === null) continue;
        if (d > limit) return `depth ${d}`;
        values.push(x);
        depths.push(d);
      }
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (typeof x !== "object" || x === null) continue;
        if (d > limit) return `depth ${d}`;
        values.push(x);
        depths.push(d);
      }
    }
  }
  return undefined;
}

function describe(json: unknown): string {
  if (json === null) return "null";
  if (Array.isArray(json)) return "an array";
  if (typeof json !== "object") return `a ${typeof json}`;
  const keys = Object.keys(json).slice(0, 6);
  return keys.length ? `an object with ${keys.map((k) => `"${k}"`).join(", ")}` : "an empty object";
}

const notCheckpointHint = "Point at `app/<app>/<stage>.json` or a `snapshot/…` object; nothing was changed.";

/** Builds a Checkpoint from already-parsed JSON (the envelope checks of parseCheckpoint). */
export function fromJson(json: unknown, size: number, source?: string): Checkpoint {
  if (!isObject(json)) fail("not-a-checkpoint", `expected a Pulumi checkpoint object but found ${describe(json)}.`, source, notCheckpointHint);
  let version: number;
  let wrapped: boolean;
  let inner: Record<string, unknown>;
  let features: string[] = [];
  if ("checkpoint" in json) {
    wrapped = true;
    const v = json.version;
    if (typeof v !== "number" || !SUPPORTED_VERSIONS.has(v)) {
      const newer = typeof v === "number" && v > 4;
      fail(
        "unsupported-version",
        `checkpoint version ${JSON.stringify(v) ?? "(missing)"} is not supported; sst-state reads versions 1 to 4, as Pulumi does.`,
        source,
        newer
          ? "This state was written by a newer Pulumi/SST than sst-state knows: upgrade sst-state. Nothing was changed."
          : "No Pulumi writes this version: the file was edited by hand or is not a checkpoint. Pick another version with `sst-state history <stage>`. Nothing was changed.",
      );
    }
    version = v;
    if (!isObject(json.checkpoint)) fail("not-a-checkpoint", `"checkpoint" is ${describe(json.checkpoint)}, not an object.`, source, notCheckpointHint);
    inner = json.checkpoint;
    if (Array.isArray(json.features)) features = json.features.filter((f): f is string => typeof f === "string");
  } else if ("latest" in json || ("stack" in json && !("version" in json) && !("id" in json))) {
    // `sst state export`: the inner checkpoint without the wrapper
    wrapped = false;
    version = 3;
    inner = json;
  } else if ("deployment" in json) {
    fail("not-a-checkpoint", "this is a `pulumi stack export` deployment, not the checkpoint SST stores.", source, notCheckpointHint);
  } else if ("timeStarted" in json || "command" in json || "updateID" in json) {
    fail("not-a-checkpoint", `this looks like an SST update record or lock (${describe(json)}), not a checkpoint.`, source, notCheckpointHint);
  } else {
    fail("not-a-checkpoint", `expected {"version","checkpoint"} or {"stack","latest"} but found ${describe(json)}.`, source, notCheckpointHint);
  }

  const stack = typeof inner.stack === "string" ? inner.stack : "";
  const latest = inner.latest;
  if (latest === undefined || latest === null) {
    fail(
      "missing-latest",
      `the checkpoint${stack ? ` of ${stack}` : ""} has no "latest" deployment: the stage was created but never deployed.`,
      source,
      "Deploy the stage once (`sst deploy --stage <stage>`), or pick a version that has resources with `sst-state history <stage>`. Nothing was changed.",
    );
  }
  if (!isObject(latest)) fail("not-a-checkpoint", `"latest" is ${describe(latest)}, not an object.`, source, notCheckpointHint);

  const rawResources = latest.resources ?? [];
  if (!Array.isArray(rawResources)) fail("not-a-checkpoint", `"latest.resources" is ${describe(rawResources)}, not an array.`, source, notCheckpointHint);
  for (let i = 0; i < rawResources.length; i++) {
    const why = resourceProblem(rawResources[i]);
    if (why) fail("not-a-checkpoint", `resource #${i} in "latest.resources" ${why}.`, source, notCheckpointHint);
  }
  const rawPending = latest.pending_operations ?? [];
  if (!Array.isArray(rawPending)) fail("not-a-checkpoint", `"latest.pending_operations" is ${describe(rawPending)}, not an array.`, source, notCheckpointHint);
  // Pulumi's OperationV2 (pulumi/pulumi v3.215.0 sdk/go/common/apitype/core.go:314-319):
  // `{ "resource": ResourceV3, "type": OperationType }`
  for (let i = 0; i < rawPending.length; i++) {
    const op = rawPending[i] as unknown;
    const why = !isObject(op) ? `is ${describe(op)}, not an object` : typeof op.type !== "string" ? `has no "type"` : resourceProblem(op.resource);
    if (why) fail("not-a-checkpoint", `pending operation #${i} in "latest.pending_operations" ${why.startsWith("is ") || why.startsWith("has ") ? why : `has a resource that ${why}`}.`, source, notCheckpointHint);
  }
  // Every walk over the state (diff, redaction, rules) recurses into property values; a state
  // nested deeper than any real one is refused here, once, instead of overflowing the stack there.
  const deep = tooDeep(latest, MAX_DEPTH);
  if (deep) fail("not-a-checkpoint", `the checkpoint nests values more than ${MAX_DEPTH} levels deep (${deep}); no SST state does.`, source, notCheckpointHint);

  const sp = latest.secrets_providers;
  return {
    version,
    wrapped,
    features,
    stack,
    manifest: isObject(latest.manifest) ? (latest.manifest as Manifest) : {},
    secretsProviderType: isObject(sp) && typeof sp.type === "string" ? sp.type : undefined,
    resources: rawResources as Resource[],
    pendingOperations: rawPending as PendingOperation[],
    metadata: isObject(latest.metadata) ? latest.metadata : undefined,
    size,
    raw: json,
  };
}
