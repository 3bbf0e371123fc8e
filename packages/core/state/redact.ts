/**
 * Secrets never leave the engine (CONTRIBUTING, DESIGN §2). Pulumi marks special values with the
 * signature key `4dabf18193072939515e22adb298388d`:
 *   - `1b47061264138c4ac30d75fd1eb44270` secret (`ciphertext`, or `plaintext` in memory)
 *   - `d0e6a833031e9bbcd3f4e8bde6ca49a4` output value; with `secret: true` it is a secret too
 *   - `c44067f5952c0a294b673a41bacd8c17` asset, `0def7320c3a5731c473e5ecbe6d01bc7` archive,
 *     `5cf8f73096256a8f31e491e813e4eb8e` resource reference: not secret, kept.
 * Nothing here decrypts; a secret is recognised by its shape only.
 */
import { SECRET_SIG, SIG_KEY } from "./types.ts";

export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** What a secret is replaced by in everything the engine returns. */
export const REDACTED = "[secret]";

/** Asset `text` longer than this is replaced by a short description. */
const MAX_ASSET_TEXT = 1024;

/** True for a secret value (or a secret output value); its content must never be shown. */
export function isSecret(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const sig = (v as Record<string, unknown>)[SIG_KEY];
  if (sig === SECRET_SIG) return true;
  return sig === OUTPUT_VALUE_SIG && (v as Record<string, unknown>).secret === true;
}

/** True when a secret occurs anywhere inside `v`. */
export function containsSecret(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (isSecret(v)) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (containsSecret(x)) return true;
    return false;
  }
  for (const k in v as Record<string, unknown>) if (containsSecret((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * A deep copy of `value` with every secret replaced by "[secret]"; asset/archive/reference objects
 * are kept, except that an asset's `text` longer than 1 KiB becomes "[N characters]".
 */
export function redact<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = redactValue(v[i]);
    return out;
  }
  const o = v as Record<string, unknown>;
  const sig = o[SIG_KEY];
  if (sig === SECRET_SIG || (sig === OUTPUT_VALUE_SIG && o.secret === true)) return REDACTED;
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const x = o[k];
    if (sig === ASSET_SIG && k === "text" && typeof x === "string" && x.length > MAX_ASSET_TEXT) out[k] = `[${x.length} characters]`;
    else out[k] = redactValue(x);
  }
  return out;
}

/**
 * Every ciphertext/plaintext string found in secrets inside `value` (a checkpoint, its raw JSON,
 * resources…), strings of at least `minLength` characters only. For tests and self-checks: search
 * any output for these to prove that no secret material leaked.
 */
export function collectSecretMaterial(value: unknown, minLength = 4): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (isSecret(o)) {
      for (const k of ["ciphertext", "plaintext", "value"]) {
        const s = o[k];
        if (typeof s === "string" && s.length >= minLength) found.add(s);
        else if (s !== undefined && k === "value") {
          const j = JSON.stringify(s);
          if (j.length >= minLength) found.add(j);
        }
      }
      return;
    }
    for (const k in o) walk(o[k]);
  };
  walk(value);
  return [...found];
}

/** True when any secret string of `source` (see collectSecretMaterial) occurs in `text`. */
export function containsSecretMaterial(text: string, source: unknown): boolean {
  return collectSecretMaterial(source).some((s) => text.includes(s));
}
