/**
 * What Pulumi's deserializer refuses before it ever checks a snapshot's integrity: the checkpoint as
 * Go's `encoding/json` decodes it into Pulumi's typed structs, then `DeserializeDeploymentV3`.
 * Mirrors pulumi/pulumi at tag v3.215.0 (the Pulumi that SST 4.17.1 links and installs):
 *  - pkg/resource/stack/checkpoint.go L35-98 `UnmarshalVersionedCheckpointToLatestCheckpoint`:
 *    versions 0-4; for version 4 only, `validateSupportedFeatures` (deployment.go L120-142).
 *  - sdk/go/common/apitype/core.go L91-97 VersionedCheckpoint, L123-130 CheckpointV3, L155-166
 *    DeploymentV3, L264-284 secrets providers and metadata, L429-501 ResourceV3, L510-534 ManifestV1:
 *    the field types Go's decoder insists on (a JSON value of another type is an error; `null` is
 *    always accepted and leaves the zero value; keys match field names case-insensitively, the last
 *    matching key wins).
 *  - pkg/resource/deploy/manifest.go L58-80 `DeserializeManifest`: plugin versions must parse with
 *    blang/semver `ParseTolerant`.
 *  - pkg/resource/stack/deployment.go L710-736 `DeserializeResource` (resources and pending
 *    operations): `urn` and `type` required, `custom: false` with an `id` refused; L848-990
 *    `DeserializePropertyValue`: objects carrying the signature key must be a known, well-formed
 *    asset, archive, secret, resource reference or float.
 * Not mirrored, because sst-state never decrypts: whether ciphertexts decrypt with the stage's
 * passphrase (deployment.go L806-845) and whether the secrets provider loads (L470-489).
 */
import { SIG_KEY, SECRET_SIG } from "../state/types.ts";

/** The field types of Go's decoder, by the Go type of the struct field. */
type Kind = "string" | "bool" | "number" | "strings" | "object" | "stringsMap" | "time" | "frames" | "arrays" | "timeouts" | "any";

/** apitype.ResourceV2 (core.go L390-418): what a version 2 checkpoint's resources are read as. */
const RESOURCE_V2_FIELDS: Record<string, Kind> = {
  urn: "string",
  custom: "bool",
  delete: "bool",
  id: "string",
  type: "string",
  inputs: "object",
  outputs: "object",
  parent: "string",
  protect: "bool",
  external: "bool",
  dependencies: "strings",
  initErrors: "strings",
  provider: "string",
};

/**
 * apitype.ResourceV3 (core.go L429-501): JSON name → kind. Every field of ResourceV2, with the same
 * JSON name and Go type, plus those below (the order of a table does not matter: the decoder
 * looks fields up by name).
 */
const RESOURCE_FIELDS: Record<string, Kind> = {
  ...RESOURCE_V2_FIELDS,
  taint: "bool",
  propertyDependencies: "stringsMap",
  pendingReplacement: "bool",
  additionalSecretOutputs: "strings",
  aliases: "strings",
  customTimeouts: "timeouts",
  importID: "string",
  retainOnDelete: "bool",
  deletedWith: "string",
  replaceWith: "strings",
  created: "time",
  modified: "time",
  sourcePosition: "string",
  stackTrace: "frames",
  ignoreChanges: "strings",
  hideDiff: "arrays",
  replaceOnChanges: "strings",
  replacementTrigger: "any",
  refreshBeforeUpdate: "bool",
  viewOf: "string",
  resourceHooks: "stringsMap",
};

/** apitype.ResourceV1 (core.go L348-374): version 1, and a checkpoint without the version wrapper
 *  (version 0, checkpoint.go L46-58), have no providers yet. */
const RESOURCE_V1_FIELDS: Record<string, Kind> = { ...RESOURCE_V2_FIELDS, defaults: "object" };
delete RESOURCE_V1_FIELDS.external;
delete RESOURCE_V1_FIELDS.provider;

/** apitype.ManifestV1 (core.go L510-519). */
const MANIFEST_FIELDS: Record<string, Kind> = { time: "time", magic: "string", version: "string", plugins: "any" };
/** apitype.PluginInfoV1 (core.go L529-534). */
const PLUGIN_FIELDS: Record<string, Kind> = { name: "string", path: "string", type: "string", version: "string" };
/** apitype.SnapshotIntegrityErrorMetadataV1 (core.go L277-284). */
const INTEGRITY_METADATA_FIELDS: Record<string, Kind> = { version: "string", command: "string", error: "string" };
/** resource.CustomTimeouts (sdk/go/common/resource/custom_timeouts.go L17-21). */
const TIMEOUT_FIELDS: Record<string, Kind> = { create: "number", update: "number", delete: "number" };
const FRAME_FIELDS: Record<string, Kind> = { sourcePosition: "string" };

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The fields of a JSON object as Go's decoder assigns them to a struct: a key matches a field
 * case-insensitively, keys are applied in order (the last one wins), and `null` leaves the field as
 * it was. Returns field → value for the fields present.
 */
export function goFields(obj: Record<string, unknown>, fields: Record<string, Kind>, lower: Map<string, string>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key in obj) {
    const name = Object.hasOwn(fields, key) ? key : lower.get(key.toLowerCase());
    if (name === undefined) continue;
    const v = obj[key];
    if (v !== null) out.set(name, v);
  }
  return out;
}

function lowerIndex(fields: Record<string, Kind>): Map<string, string> {
  return new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
}
const RESOURCE_LOWER = lowerIndex(RESOURCE_FIELDS);
const RESOURCE_V2_LOWER = lowerIndex(RESOURCE_V2_FIELDS);
const RESOURCE_V1_LOWER = lowerIndex(RESOURCE_V1_FIELDS);
const MANIFEST_LOWER = lowerIndex(MANIFEST_FIELDS);
const PLUGIN_LOWER = lowerIndex(PLUGIN_FIELDS);
const METADATA_LOWER = lowerIndex(INTEGRITY_METADATA_FIELDS);
const TIMEOUT_LOWER = lowerIndex(TIMEOUT_FIELDS);
const FRAME_LOWER = lowerIndex(FRAME_FIELDS);

// Go's time.Time.UnmarshalJSON takes an RFC 3339 string (time/format_rfc3339.go); the date and the
// clock must exist.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > MONTH_DAYS[mo - 1]!) return false;
  return !(mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)));
}

/** Why a JSON value does not decode into a Go field of this kind, or undefined when it does. */
function kindError(kind: Kind, v: unknown): string | undefined {
  switch (kind) {
    case "any":
      return undefined;
    case "string":
      return typeof v === "string" ? undefined : "is not a string";
    case "bool":
      return typeof v === "boolean" ? undefined : "is not true or false";
    case "number":
      return typeof v === "number" ? undefined : "is not a number";
    case "object":
      return isObject(v) ? undefined : "is not an object";
    case "time":
      return typeof v === "string" && isRfc3339(v) ? undefined : "is not an RFC 3339 time";
    case "strings":
      return Array.isArray(v) && v.every((x) => x === null || typeof x === "string") ? undefined : "is not a list of strings";
    case "arrays":
      return Array.isArray(v) && v.every((x) => x === null || Array.isArray(x)) ? undefined : "is not a list of property paths";
    case "stringsMap":
      if (!isObject(v)) return "is not an object";
      for (const k in v) {
        const list = v[k];
        if (list !== null && !(Array.isArray(list) && list.every((x) => x === null || typeof x === "string"))) return `has "${k}", which is not a list of strings`;
      }
      return undefined;
    case "frames":
      if (!Array.isArray(v)) return "is not a list";
      for (const f of v) {
        if (f === null) continue;
        if (!isObject(f)) return "holds a frame that is not an object";
        const e = structErrors(f, FRAME_FIELDS, FRAME_LOWER)[0];
        if (e) return `holds a frame whose ${e}`;
      }
      return undefined;
    case "timeouts": {
      if (!isObject(v)) return "is not an object";
      const e = structErrors(v, TIMEOUT_FIELDS, TIMEOUT_LOWER)[0];
      return e ? `has ${e}` : undefined;
    }
  }
}

/** Decoding errors of a JSON object into a Go struct with these fields ("`x` is not a string"). */
function structErrors(obj: Record<string, unknown>, fields: Record<string, Kind>, lower: Map<string, string>): string[] {
  return pushStructErrors(goFields(obj, fields, lower), fields, []);
}

/** structErrors of decoded `values`, pushed onto `out` (no list per resource when there is none). */
function pushStructErrors(values: Map<string, unknown>, fields: Record<string, Kind>, out: string[]): string[] {
  for (const [name, v] of values) {
    const e = kindError(fields[name]!, v);
    if (e) out.push(`\`${name}\` ${e}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resources

/** A resource as Pulumi reads it: the fields VerifyIntegrity looks at, with Go's zero values. */
export interface PulumiResource {
  urn: string;
  type: string;
  custom: boolean;
  id: string;
  delete: boolean;
  pendingReplacement: boolean;
  parent: string;
  provider: string;
  dependencies: string[];
  propertyDependencies: [string, string[]][];
  deletedWith: string;
  replaceWith: string[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
/** A list's entries as strings (Go's zero value "" for any other); a list of strings as it is (read only). */
const strs = (v: unknown): string[] => {
  if (!Array.isArray(v)) return [];
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return v.map(str);
  return v as string[];
};

/**
 * Decodes one resource (of `resources` or of a pending operation) as Pulumi does, and lists why
 * Pulumi would refuse it (decoding errors, then DeserializeResource's checks, deployment.go
 * L712-736). `null` decodes to an empty resource (no urn), as in Go. `schema` is the checkpoint
 * version Pulumi reads it as (0 for a checkpoint without the version wrapper): versions 0-2 are
 * migrated to version 3 first (sdk/go/common/apitype/migrate/resource.go L22-80), which keeps only
 * their own fields, drops the provider of a version 1 resource and sets every input's property
 * dependencies to the resource's dependencies.
 */
export function decodeResource(raw: unknown, schema = 3): { res: PulumiResource; errors: string[] } {
  const errors: string[] = [];
  let values: Record<string, unknown> = {};
  if (isObject(raw)) values = schema >= 3 ? resourceValues(raw, errors) : migrated(raw, schema, errors);
  else if (raw !== null) errors.push("it is not an object");
  const pd = values.propertyDependencies;
  const propertyDependencies: [string, string[]][] = [];
  if (isObject(pd)) for (const k in pd) propertyDependencies.push([k, strs(pd[k])]);
  const res: PulumiResource = {
    urn: str(values.urn),
    type: str(values.type),
    custom: values.custom === true,
    id: str(values.id),
    delete: values.delete === true,
    pendingReplacement: values.pendingReplacement === true,
    parent: str(values.parent),
    provider: str(values.provider),
    dependencies: strs(values.dependencies),
    propertyDependencies,
    deletedWith: str(values.deletedWith),
    replaceWith: strs(values.replaceWith),
  };
  // property values are deserialized before the required fields are checked (L712-724)
  propertiesErrors(values.inputs, "inputs", errors);
  propertiesErrors(values.outputs, "outputs", errors);
  if (values.replacementTrigger !== undefined && values.replacementTrigger !== null) propertyErrors(values.replacementTrigger, ["replacementTrigger"], errors);
  if (res.urn === "") errors.push("resource missing required 'urn' field");
  else if (res.type === "") errors.push(`resource '${res.urn}' missing required 'type' field`);
  else if (!res.custom && res.id !== "") errors.push(`resource '${res.urn}' has 'custom' false but non-empty ID`);
  return { res, errors };
}

/**
 * A version 3+ resource's field values (a `null` value is as good as absent: Go leaves the zero
 * value), its decoding errors pushed onto `errors`. When every key is a field's own name or no
 * field's name in any case (what Pulumi writes), that is `raw` itself, read in place: no copy of
 * 50k resources. A key that names a field in another case (`"URN"`) goes through goFields, which
 * applies Go's case-insensitive, last-key-wins rule.
 */
function resourceValues(raw: Record<string, unknown>, errors: string[]): Record<string, unknown> {
  const before = errors.length;
  for (const key in raw) {
    if (!Object.hasOwn(RESOURCE_FIELDS, key)) {
      if (RESOURCE_LOWER.has(key.toLowerCase())) {
        errors.length = before;
        const values = goFields(raw, RESOURCE_FIELDS, RESOURCE_LOWER);
        pushStructErrors(values, RESOURCE_FIELDS, errors);
        return Object.fromEntries(values);
      }
      continue;
    }
    const v = raw[key];
    if (v === null) continue;
    const e = kindError(RESOURCE_FIELDS[key]!, v);
    if (e) errors.push(`\`${key}\` ${e}`);
  }
  return raw;
}

/**
 * A version 0-2 resource's values after the migration to version 3 (sdk/go/common/apitype/migrate/
 * resource.go L22-80): only its own version's fields, no provider for version 1, and every input's
 * property dependencies set to the resource's dependencies.
 */
function migrated(raw: Record<string, unknown>, schema: number, errors: string[]): Record<string, unknown> {
  const [fields, lower] = schema === 2 ? [RESOURCE_V2_FIELDS, RESOURCE_V2_LOWER] : [RESOURCE_V1_FIELDS, RESOURCE_V1_LOWER];
  const values = goFields(raw, fields, lower);
  pushStructErrors(values, fields, errors);
  const inputs = values.get("inputs");
  const deps = values.get("dependencies") ?? [];
  values.set("propertyDependencies", Object.fromEntries(Object.keys(isObject(inputs) ? inputs : {}).map((k) => [k, deps])));
  return Object.fromEntries(values);
}

/** DeserializeProperties (L792-803) on `inputs` or `outputs`: the map itself is no property value, its entries are. */
function propertiesErrors(v: unknown, field: "inputs" | "outputs", errors: string[]): void {
  if (!isObject(v)) return;
  for (const k in v) {
    const x = v[k];
    if (typeof x === "object" && x !== null) propertyErrors(x, [field, k], errors);
  }
}

// sig.AssetSig, sig.ArchiveSig, sig.ResourceReference (pulumi/pulumi v3.215.0
// sdk/go/common/resource/sig/sig.go L27, L33, L36) and floatSignature (pkg/resource/stack/deployment.go L64)
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const FLOAT_SIG = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c";

/**
 * DeserializePropertyValue (deployment.go L848-990) on one JSON value: the nested values first,
 * then, for an object with the signature key, the checks of its kind. Messages name the property
 * path, never a value (a value may be a secret). `path` holds keys (strings) and list indexes
 * (numbers), formatted only for a message: the walk visits every object of every resource and
 * must not build a string for each.
 */
function propertyErrors(v: unknown, path: (string | number)[], out: string[]): void {
  if (typeof v !== "object" || v === null) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== "object" || x === null) continue;
      path.push(i);
      propertyErrors(x, path, out);
      path.pop();
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  for (const k in obj) {
    const x = obj[k];
    if (typeof x !== "object" || x === null) continue;
    path.push(k);
    propertyErrors(x, path, out);
    path.pop();
  }
  if (!(SIG_KEY in obj)) return;
  const sig = obj[SIG_KEY];
  const bad = (why: string) => out.push(`\`${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").slice(1)}\`: ${why}`);
  const notString = (k: string) => k in obj && typeof obj[k] !== "string";
  switch (sig) {
    case ASSET_SIG: // asset.Deserialize (sdk/go/common/resource/asset/asset.go L184-225)
      for (const k of ["hash", "text", "path", "uri"]) if (notString(k)) bad(`unexpected asset ${k} (not a string)`);
      return;
    case ARCHIVE_SIG: {
      // archive.Deserialize (sdk/go/common/resource/archive/archive.go L233-312)
      if (notString("hash")) return void bad("unexpected archive hash (not a string)");
      if ("path" in obj) {
        if (typeof obj.path !== "string") return void bad("unexpected archive path (not a string)");
        if (obj.path !== "") return;
      }
      if ("uri" in obj) {
        if (typeof obj.uri !== "string") return void bad("unexpected archive URI (not a string)");
        if (obj.uri !== "") return;
      }
      if ("assets" in obj) {
        const assets = obj.assets;
        if (!isObject(assets)) return void bad("unexpected archive contents (not an object)");
        for (const k in assets) {
          const m = assets[k];
          if (!isObject(m) || (m[SIG_KEY] !== ASSET_SIG && m[SIG_KEY] !== ARCHIVE_SIG)) bad(`archive member '${k}' is not an asset or archive`);
        }
      }
      return;
    }
    case SECRET_SIG: {
      // L896-908 and deserializeSecret L806-845: exactly one non-empty `ciphertext` or `plaintext`
      const c = typeof obj.ciphertext === "string" ? obj.ciphertext : undefined;
      const p = typeof obj.plaintext === "string" ? obj.plaintext : undefined;
      if ((c === undefined) === (p === undefined) || (c ?? p) === "") return void bad("malformed secret value: exactly one of `ciphertext` or `plaintext` must be supplied");
      if (p !== undefined) {
        try {
          JSON.parse(p);
        } catch {
          bad("a secret's `plaintext` is not JSON");
        }
      }
      return;
    }
    case RESOURCE_REF_SIG: {
      // L909-961
      if (notString("packageVersion")) return void bad("malformed resource reference: packageVersion must be a string");
      if (typeof obj.urn !== "string") return void bad("malformed resource reference: missing urn");
      if ("id" in obj) {
        const id = obj.id;
        const ok = typeof id === "string" || (isObject(id) && (id.V === undefined || id.V === null || typeof id.V === "string" || isObject(id.V)));
        if (!ok) bad("malformed resource reference: id must be a string");
      }
      return;
    }
    case FLOAT_SIG: {
      // L962-974: strconv.ParseUint(value, 16, 64)
      const hex = obj.value;
      if (typeof hex !== "string") return void bad("malformed float value: missing or non-string 'value' field");
      if (!/^[0-9a-fA-F]+$/.test(hex) || BigInt(`0x${hex}`) > 0xffffffffffffffffn) bad("malformed float value: unable to parse 'value' field");
      return;
    }
    default:
      bad(`unrecognized signature '${typeof sig === "string" ? sig : JSON.stringify(sig)}' in property map`);
  }
}

// ---------------------------------------------------------------------------------------------
// The checkpoint around the resources

/** Deployment features that Pulumi v3.215.0 reads (deployment.go L66-72, L120-128). */
export const SUPPORTED_FEATURES: readonly string[] = ["refreshBeforeUpdate", "views", "hooks", "taint", "replaceWith"];

/**
 * blang/semver v3 `ParseTolerant` (trim spaces, drop a leading "v", pad "1" / "1.2" with ".0" unless
 * that part carries pre-release or build data) followed by the strict `Parse`: numeric parts without
 * leading zeros, pre-release identifiers alphanumeric or "-" (numeric ones without leading zeros),
 * build identifiers alphanumeric or "-", none empty.
 */
export function isTolerantSemver(input: string): boolean {
  let s = input.trim();
  if (s.startsWith("v")) s = s.slice(1);
  const parts = splitN(s, ".", 3);
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1]!)) return false;
    while (parts.length < 3) parts.push("0");
  }
  const [major, minor, rest] = parts as [string, string, string];
  let patch = rest;
  let build: string[] = [];
  let pre: string[] = [];
  const plus = patch.indexOf("+");
  if (plus >= 0) {
    build = patch.slice(plus + 1).split(".");
    patch = patch.slice(0, plus);
  }
  const dash = patch.indexOf("-");
  if (dash >= 0) {
    pre = patch.slice(dash + 1).split(".");
    patch = patch.slice(0, dash);
  }
  const num = (x: string) => /^\d+$/.test(x) && !(x.length > 1 && x[0] === "0") && BigInt(x) <= 0xffffffffffffffffn;
  if (!num(major) || !num(minor) || !num(patch)) return false;
  for (const p of pre) {
    if (p === "" || !/^[0-9A-Za-z-]+$/.test(p)) return false;
    if (/^\d+$/.test(p) && !num(p)) return false;
  }
  for (const b of build) if (b === "" || !/^[0-9A-Za-z-]+$/.test(b)) return false;
  return true;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  out.push(rest);
  return out;
}

export interface CheckpointDecode {
  /** why Pulumi cannot read the checkpoint around the resources (manifest, metadata, shapes) */
  errors: string[];
  /** v4 features that Pulumi v3.215.0 does not support */
  unsupportedFeatures: string[];
  manifest: { magic: string; version: string };
}

/**
 * The wrapper, manifest, secrets providers and metadata of a checkpoint (`raw` is the parsed JSON,
 * wrapped or not) as Pulumi decodes them. Resources and pending operations are decoded one by one
 * with `decodeResource`.
 */
export function decodeCheckpoint(raw: unknown, version: number): CheckpointDecode {
  const errors: string[] = [];
  let unsupportedFeatures: string[] = [];
  const wrapper = isObject(raw) ? raw : {};
  const wrapped = "checkpoint" in wrapper;
  if (wrapped) {
    const features = wrapper.features ?? null;
    if (features !== null && kindError("strings", features)) errors.push("`features` is not a list of strings");
    // checkpoint.go L83-94: only version 4 checks its features
    else if (version === 4 && Array.isArray(features)) unsupportedFeatures = features.map(str).filter((f) => !SUPPORTED_FEATURES.includes(f));
  }
  const inner = wrapped ? wrapper.checkpoint : wrapper;
  const latest = isObject(inner) ? inner.latest : undefined;
  const manifest = { magic: "", version: "" };
  if (!isObject(latest)) return { errors, unsupportedFeatures, manifest };
  if (isObject(inner) && inner.stack !== undefined && inner.stack !== null && typeof inner.stack !== "string") errors.push("`stack` is not a string");

  const m = latest.manifest ?? null;
  if (m !== null && !isObject(m)) errors.push("`manifest` is not an object");
  else if (m !== null) {
    const values = goFields(m, MANIFEST_FIELDS, MANIFEST_LOWER);
    for (const e of pushStructErrors(values, MANIFEST_FIELDS, [])) errors.push(`manifest ${e}`);
    manifest.magic = str(values.get("magic"));
    manifest.version = str(values.get("version"));
    const plugins = values.get("plugins");
    if (plugins !== undefined && !Array.isArray(plugins)) errors.push("manifest `plugins` is not a list");
    else if (Array.isArray(plugins)) {
      for (const p of plugins) {
        if (p === null) continue;
        if (!isObject(p)) {
          errors.push("manifest `plugins` holds an entry that is not an object");
          continue;
        }
        const pv = goFields(p, PLUGIN_FIELDS, PLUGIN_LOWER);
        const pe = pushStructErrors(pv, PLUGIN_FIELDS, []);
        if (pe.length) errors.push(...pe.map((e) => `manifest plugin ${e}`));
        else {
          const v = str(pv.get("version"));
          if (v !== "" && !isTolerantSemver(v)) errors.push(`manifest plugin ${str(pv.get("name")) || "(unnamed)"} has version "${v}", which is not a semantic version`);
        }
      }
    }
  }

  const sp = latest.secrets_providers ?? null;
  if (sp !== null && !isObject(sp)) errors.push("`secrets_providers` is not an object");
  else if (sp !== null && sp.type !== undefined && sp.type !== null && typeof sp.type !== "string") errors.push("`secrets_providers.type` is not a string");

  const md = latest.metadata ?? null;
  if (md !== null && !isObject(md)) errors.push("`metadata` is not an object");
  else if (md !== null) {
    const ie = md.integrity_error ?? null;
    if (ie !== null && !isObject(ie)) errors.push("`metadata.integrity_error` is not an object");
    else if (ie !== null) for (const e of structErrors(ie, INTEGRITY_METADATA_FIELDS, METADATA_LOWER)) errors.push(`metadata.integrity_error ${e}`);
  }

  const ops = latest.pending_operations;
  if (Array.isArray(ops)) {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op !== null && !isObject(op)) errors.push(`pending operation #${i} is not an object`);
      else if (isObject(op) && op.type !== undefined && op.type !== null && typeof op.type !== "string") errors.push(`pending operation #${i} has a \`type\` that is not a string`);
    }
  }
  return { errors, unsupportedFeatures, manifest };
}
