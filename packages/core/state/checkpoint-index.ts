/**
 * Bytes -> the byte range of every resource, without building the resources. For the commands that
 * read a whole 100 MB state but use little of it (`diff` parses only the resources whose bytes
 * differ between the two versions, `status` only a few fields of each resource), and for those that
 * build every resource from its own bytes rather than from one 100 MB string (a diagnosis's current
 * version: readCheckpoint, readCheckpointInWindows).
 *
 * How: one pass over the bytes that validates the JSON grammar as JSON.parse does (strings with
 * their escapes and no raw control characters, numbers, literals, commas, colons, brackets), and
 * notes where `latest.resources` (in `{"version","checkpoint":{…}}` or the bare `{"latest":…}` form)
 * starts and ends, and in it each resource's range and the value ranges of its top-level fields
 * `urn`, `type`, `parent`, `custom`. The rest of the file (the envelope: manifest, pending
 * operations, secrets provider, …) is then parsed with JSON.parse, with the resources array cut out,
 * and checked by the same `fromJson` as parseCheckpoint.
 *
 * Identical answers: whenever the scan meets anything unusual — invalid JSON, a resource that is
 * not an object or whose `urn`/`type`/`parent`/`provider`/`id`/`dependencies`/`inputs`/`outputs`
 * has the wrong kind, nesting deeper than MAX_DEPTH, a key on the path to the resources given
 * twice (JSON.parse keeps the last), two candidate arrays, gzip that does not decode — it steps
 * aside and the whole file is parsed by parseCheckpoint, which either throws the error it always
 * threw or returns the checkpoint (`{ parsed }`). So every file parseCheckpoint refuses, this
 * refuses with the same error, and every resource a caller builds from a range (JSON.parse of its
 * bytes) equals the one parseCheckpoint returns.
 */
import { fromJson, MAX_DEPTH, parseCheckpoint } from "./parse.ts";
import type { Checkpoint, Resource } from "./types.ts";
import { decodeStored, isGzip } from "./versions.ts";
import type { CurrentStateReader } from "../ports.ts";

/** One resource: its bytes are `text.subarray(start, end)`; the fields' values as ranges. */
export interface ResourceRange {
  urn: string;
  start: number;
  end: number;
  /** value ranges (start, end) of `type`, `parent`, `custom`; -1 when the field is absent */
  typeStart: number;
  typeEnd: number;
  parentStart: number;
  parentEnd: number;
  customStart: number;
  customEnd: number;
}

/** A checkpoint whose resources are byte ranges of `text` (UTF-8, decompressed, no BOM). */
export interface IndexedCheckpoint {
  kind: "indexed";
  text: Buffer;
  /** everything but the resources: `resources` is empty and `raw` lacks them (never write it back) */
  envelope: Checkpoint;
  resources: ResourceRange[];
}

export type CheckpointView = IndexedCheckpoint | { kind: "parsed"; checkpoint: Checkpoint };

/** Parses a checkpoint as ranges when it can, else whole (see the file comment). Throws what parseCheckpoint throws. */
export function indexCheckpoint(bytes: Uint8Array, source?: string): CheckpointView {
  const indexed = tryIndexCheckpoint(bytes, source);
  return indexed ?? { kind: "parsed", checkpoint: parseCheckpoint(bytes, source) };
}

/**
 * Reads a version and indexes it (indexCheckpoint's answer and errors). `read` may be called more
 * than once: an indexer that scans elsewhere reads again and scans here when that fails.
 * `handedOff`: called once the indexer needs nothing more of the calling thread to go on (its
 * bytes are with a worker, or the scan here is about to run), so a caller can start its own long
 * synchronous work then (diagnosis Load's parse). Not called when the read fails.
 */
export type VersionIndexer = (read: () => Promise<Uint8Array>, source: string, handedOff?: () => void) => Promise<CheckpointView>;

/** The indexer that scans in this thread. */
export const indexHere: VersionIndexer = async (read, source, handedOff) => {
  const bytes = await read();
  handedOff?.();
  return indexCheckpoint(bytes, source);
};

/**
 * An indexed view as parts that cross a thread boundary cheaply (postMessage): the bytes go back as
 * they came (shared memory stays shared; a copy the worker owns is moved, see index-worker-entry.ts),
 * the ranges travel as one Int32Array and the URNs as one string, instead of 50k small objects
 * cloned one by one.
 */
export interface PackedIndex {
  text: Uint8Array;
  envelope: Checkpoint;
  /** per resource, in order: start, end, typeStart, typeEnd, parentStart, parentEnd, customStart, customEnd */
  fields: Int32Array;
  urns: string;
  /** the length of each resource's URN in `urns` (UTF-16 code units) */
  urnLengths: Int32Array;
}

const PACKED_FIELDS = 8;

export function packIndex(view: IndexedCheckpoint): PackedIndex {
  const n = view.resources.length;
  const fields = new Int32Array(n * PACKED_FIELDS);
  const urnLengths = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = view.resources[k]!;
    const f = k * PACKED_FIELDS;
    fields[f] = r.start;
    fields[f + 1] = r.end;
    fields[f + 2] = r.typeStart;
    fields[f + 3] = r.typeEnd;
    fields[f + 4] = r.parentStart;
    fields[f + 5] = r.parentEnd;
    fields[f + 6] = r.customStart;
    fields[f + 7] = r.customEnd;
    urnLengths[k] = r.urn.length;
  }
  return { text: view.text, envelope: view.envelope, fields, urns: view.resources.map((r) => r.urn).join(""), urnLengths };
}

export function unpackIndex(packed: PackedIndex): IndexedCheckpoint {
  const { fields, urns, urnLengths } = packed;
  const text = Buffer.from(packed.text.buffer, packed.text.byteOffset, packed.text.byteLength);
  const resources: ResourceRange[] = new Array(urnLengths.length);
  for (let k = 0, at = 0, f = 0; k < urnLengths.length; k++, f += PACKED_FIELDS) {
    const urn = urns.slice(at, (at += urnLengths[k]!));
    resources[k] = {
      urn,
      start: fields[f]!,
      end: fields[f + 1]!,
      typeStart: fields[f + 2]!,
      typeEnd: fields[f + 3]!,
      parentStart: fields[f + 4]!,
      parentEnd: fields[f + 5]!,
      customStart: fields[f + 6]!,
      customEnd: fields[f + 7]!,
    };
  }
  return { kind: "indexed", text, envelope: packed.envelope, resources };
}

/** A resource of the view, built from its bytes (JSON.parse of exactly the bytes parseCheckpoint would parse). */
export function resourceOf(text: Buffer, r: ResourceRange): Resource {
  return JSON.parse(text.toString("utf8", r.start, r.end)) as Resource;
}

/**
 * The whole checkpoint of a view (every resource built from its bytes). For an indexed view `raw`
 * is the envelope's, without the resources: read it, never write it back.
 */
export function wholeCheckpoint(view: CheckpointView): Checkpoint {
  if (view.kind === "parsed") return view.checkpoint;
  return { ...view.envelope, resources: view.resources.map((r) => resourceOf(view.text, r)) };
}

/**
 * parseCheckpoint's checkpoint and errors, for reading (its `raw` lacks the resources: see
 * wholeCheckpoint), built without ever holding the file as one string: the scan finds each
 * resource's bytes and each is parsed on its own. A 100 MB state as one string is 100 MB of fresh
 * memory, and on a virtual machine touching fresh memory is most of what decoding costs (~0.7 s
 * for 100 MB here, about as long as JSON.parse itself), while 50k small strings reuse the same
 * young-generation pages: 1.3 s instead of 1.5 s in-process, and a diagnosis of a 50k-resource
 * state peaks ~100 MB lower. Used for a diagnosis's current version, which every rule reads whole.
 */
export function readCheckpoint(bytes: Uint8Array, source?: string): Checkpoint {
  return wholeCheckpoint(indexCheckpoint(bytes, source));
}

/**
 * The checkpoint of a view with resources built only when they are looked into: each resource is
 * a Proxy that answers `urn` and `type` from the scan and parses its own bytes (once) the first
 * time anything else is asked of it — a property, `in`, its keys, a spread. For the version a
 * diagnosis compares the current one with: the history rules match resources by URN (all of
 * them) and read the few that were removed or added, so a 50k-resource previous version is
 * scanned, not parsed. Every answer equals the one from the parsed resource (resourceOf).
 */
export function lazyCheckpoint(view: CheckpointView): Checkpoint {
  if (view.kind === "parsed") return view.checkpoint;
  const { text } = view;
  const handler: ProxyHandler<LazyTarget> = {
    get: (t, key) => (key === "urn" ? t.range.urn : key === "type" ? typeOf(t) : Reflect.get(full(t), key)),
    has: (t, key) => Reflect.has(full(t), key),
    ownKeys: (t) => Reflect.ownKeys(full(t)),
    getOwnPropertyDescriptor: (t, key) => Reflect.getOwnPropertyDescriptor(full(t), key),
    set: (t, key, value) => Reflect.set(full(t), key, value),
    deleteProperty: (t, key) => Reflect.deleteProperty(full(t), key),
    defineProperty: (t, key, d) => Reflect.defineProperty(full(t), key, d),
  };
  const full = (t: LazyTarget): Resource => (t.value ??= resourceOf(text, t.range));
  const typeOf = (t: LazyTarget): unknown => (t.value ? t.value.type : fieldOf(text, t.range.typeStart, t.range.typeEnd));
  const resources = view.resources.map((range) => new Proxy<LazyTarget>({ range }, handler) as unknown as Resource);
  lazyUrns.set(resources, view.resources.map((r) => r.urn));
  return { ...view.envelope, resources };
}

/** Each lazy checkpoint's URNs, by its resources array: a loop over 50k URNs without 50k Proxy traps. */
const lazyUrns = new WeakMap<readonly Resource[], string[]>();

/** The URNs of `resources`, in order (a lazy checkpoint's from its scan). */
export function urnsOf(resources: readonly Resource[]): string[] {
  return lazyUrns.get(resources) ?? resources.map((r) => r.urn);
}

interface LazyTarget {
  range: ResourceRange;
  value?: Resource;
}

/** The value of a field range (`typeStart`/`typeEnd`, …), or undefined when absent. */
export function fieldOf(text: Buffer, start: number, end: number): unknown {
  if (start < 0) return undefined;
  // the common case, a plain ASCII string without escapes, without JSON.parse
  if (text[start] === 0x22) {
    let plain = true;
    for (let i = start + 1; i < end - 1; i++) {
      const c = text[i]!;
      if (c === 0x5c || c >= 0x80) {
        plain = false;
        break;
      }
    }
    if (plain) return text.toString("latin1", start + 1, end - 1);
  }
  return JSON.parse(text.toString("utf8", start, end));
}

// ---------------------------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OBJ = 1;
const ARR = 2;

/** Keys the scan looks at, by a small number (0 = any other key). */
const KEY_CHECKPOINT = 1;
const KEY_LATEST = 2;
const KEY_RESOURCES = 3;
const KEY_URN = 4;
const KEY_TYPE = 5;
const KEY_PARENT = 6;
const KEY_PROVIDER = 7;
const KEY_ID = 8;
const KEY_DEPENDENCIES = 9;
const KEY_INPUTS = 10;
const KEY_OUTPUTS = 11;
const KEY_CUSTOM = 12;
const KEY_NAMES: [string, number][] = [
  ["checkpoint", KEY_CHECKPOINT],
  ["latest", KEY_LATEST],
  ["resources", KEY_RESOURCES],
  ["urn", KEY_URN],
  ["type", KEY_TYPE],
  ["parent", KEY_PARENT],
  ["provider", KEY_PROVIDER],
  ["id", KEY_ID],
  ["dependencies", KEY_DEPENDENCIES],
  ["inputs", KEY_INPUTS],
  ["outputs", KEY_OUTPUTS],
  ["custom", KEY_CUSTOM],
];
/** KEY_NAMES by length: the bytes of each name with its code (keys are compared as bytes, not built as strings). */
const KEYS_BY_LENGTH: [Uint8Array, number][][] = [];
for (const [name, code] of KEY_NAMES) (KEYS_BY_LENGTH[name.length] ??= []).push([Buffer.from(name, "latin1"), code]);
const KEYS = new Map(KEY_NAMES);

/** Which known key the string token text[s..e) (quotes included) names. */
function keyCode(text: Buffer, s: number, e: number): number {
  const len = e - s - 2;
  const candidates = KEYS_BY_LENGTH[len];
  for (let i = s + 1; i < e - 1; i++) {
    // an escaped key (`"\u0075rn"` is "urn" to JSON.parse)
    if (text[i] === BACKSLASH) return KEYS.get(JSON.parse(text.toString("utf8", s, e)) as string) ?? 0;
  }
  if (candidates === undefined) return 0;
  for (const [name, code] of candidates) {
    let k = 0;
    while (k < len && text[s + 1 + k] === name[k]) k++;
    if (k === len) return code;
  }
  return 0;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** What a token's end is when the bytes end first (-1: the token is not JSON). */
const RAN_OUT = -2;

/**
 * End of the string token starting at `i` (a quote), or -1 when it is not valid JSON (RAN_OUT when
 * the bytes end first). One loop in
 * this thread: most strings of a state are short keys and values, for which a native search
 * (Buffer#indexOf) per string costs more in the call than in the search (~40% of a scan).
 */
function stringEnd(text: Buffer, i: number, n: number): number {
  let j = i + 1;
  while (j < n) {
    const c = text[j]!;
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      if (j + 1 >= n) return RAN_OUT;
      const e = text[j + 1]!;
      if (e === 0x75) {
        if (j + 5 >= n) return RAN_OUT;
        if (!isHex(text[j + 2]!) || !isHex(text[j + 3]!) || !isHex(text[j + 4]!) || !isHex(text[j + 5]!)) return -1;
        j += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) j += 2;
      else return -1;
      continue;
    }
    if (c < 0x20) return -1;
    j++;
  }
  return RAN_OUT;
}

/** End of the number token starting at `i`, or -1 (JSON's grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
function numberEnd(text: Buffer, i: number, n: number): number {
  let j = i;
  if (text[j] === 0x2d) j++;
  if (j >= n) return RAN_OUT;
  if (text[j] === 0x30) j++;
  else if (isDigit(text[j]!)) while (j < n && isDigit(text[j]!)) j++;
  else return -1;
  if (j < n && text[j] === 0x2e) {
    j++;
    if (j >= n) return RAN_OUT;
    if (!isDigit(text[j]!)) return -1;
    while (j < n && isDigit(text[j]!)) j++;
  }
  if (j < n && (text[j] === 0x65 || text[j] === 0x45)) {
    j++;
    if (j < n && (text[j] === 0x2b || text[j] === 0x2d)) j++;
    if (j >= n) return RAN_OUT;
    if (!isDigit(text[j]!)) return -1;
    while (j < n && isDigit(text[j]!)) j++;
  }
  return j;
}

function literalEnd(text: Buffer, i: number, n: number, word: string): number {
  if (i + word.length > n) return RAN_OUT;
  for (let k = 0; k < word.length; k++) if (text[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/**
 * The bytes as parseCheckpoint decodes them: gunzipped when they start like gzip (decodeStored;
 * a stream that does not decode stays as it is and fails the scan at its first byte), `size`
 * counted before a UTF-8 byte order mark is dropped (parseCheckpoint drops U+FEFF after decoding).
 */
function decodeBytes(bytes: Uint8Array): { buf: Buffer; size: number } {
  const raw = decodeStored(bytes);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return { buf: hasBom(buf, buf.length) ? buf.subarray(3) : buf, size: buf.length };
}

/** The first `len` bytes start with a UTF-8 byte order mark. */
function hasBom(buf: Uint8Array, len: number): boolean {
  return len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/**
 * Where a scan stands: kept between the windows of a file read piece by piece (readCheckpointInWindows),
 * fresh for a whole buffer. Positions are offsets into the window being scanned (`arrStart` only until
 * the first window is dropped: the envelope's head is kept as text by then).
 */
interface ScanState {
  /** per open container (depth 1 = the top object): its kind and the code of the key being read */
  kinds: Uint8Array;
  keys: Uint8Array;
  /** path keys seen in the containers at depth 1..3 (a repeated one: JSON.parse keeps the last) */
  seen: number[];
  depth: number;
  /** depth of the resources array once open */
  arrDepth: number;
  arrStart: number;
  arrEnd: number;
  wrappedPath: boolean;
  candidates: number;
  /** a resource the scan cannot vouch for: parse the whole file */
  bad: boolean;
  /** where the scan starts in the window, and in which state (see scan) */
  resumeAt: number;
  resumeState: number;
  resources: ResourceRange[];
  /** just past the last resource that ended (-1: none yet), with the count and `bad` there */
  boundaryAt: number;
  boundaryCount: number;
  boundaryBad: boolean;
  /** the outer containers as they were when the resources array opened: from there to its end only
   *  resources are read, so a scan rolled back to a boundary restores these */
  opened: { kinds: Uint8Array; keys: Uint8Array; seen: number[]; arrDepth: number; arrStart: number; wrappedPath: boolean; candidates: number } | null;
}

function newScanState(): ScanState {
  return {
    kinds: new Uint8Array(MAX_DEPTH + 2),
    keys: new Uint8Array(MAX_DEPTH + 2),
    seen: [0, 0, 0, 0],
    depth: 0,
    arrDepth: -1,
    arrStart: -1,
    arrEnd: -1,
    wrappedPath: false,
    candidates: 0,
    bad: false,
    resumeAt: 0,
    resumeState: 0,
    resources: [],
    boundaryAt: -1,
    boundaryCount: 0,
    boundaryBad: false,
    opened: null,
  };
}

/** How a scan ended: the text is one JSON value, the bytes ended first, or the text is not JSON. */
const SCANNED = 0;
const SCAN_RAN_OUT = 1;
const SCAN_REFUSED = 2;

/**
 * One pass of the file comment's scan over text[st.resumeAt..n) (never a byte at n or beyond: a
 * window's buffer holds stale bytes there): SCANNED when the text is one JSON value (then `st`
 * holds where the resources array starts and ends), SCAN_RAN_OUT when the bytes end before it does
 * (a later window may go on), SCAN_REFUSED when no more bytes could make it JSON. Resource ranges
 * are appended to st.resources; each resource that ends moves st's boundary past it.
 */
function scan(text: Buffer, n: number, st: ScanState): number {
  const { kinds, keys, seen, resources } = st;
  let depth = st.depth;
  let arrDepth = st.arrDepth;
  let arrStart = st.arrStart;
  let arrEnd = st.arrEnd;
  let wrappedPath = st.wrappedPath;
  let candidates = st.candidates;
  let bad = st.bad;
  let cur: ResourceRange | undefined;
  let urnStart = -1;
  let urnEnd = -1;
  let inDeps = false;

  let i = st.resumeAt;
  // states: 0 = a value is expected, 1 = after a value, 2 = a key (or `}` right after `{`)
  let state = st.resumeState;
  let valueStart = 0;
  // a container just ended at i (past its bracket); handled here rather than in a nested function,
  // which would move every variable it touches out of registers into a context for the whole scan
  let justClosed = false;
  for (;;) {
    if (justClosed) {
      justClosed = false;
      depth--;
      if (depth === arrDepth && cur && kinds[depth] === ARR) {
        // a resource object ended
        if (urnStart < 0) bad = true;
        else {
          cur.urn = fieldOf(text, urnStart, urnEnd) as string;
          cur.end = i;
          resources.push(cur);
        }
        cur = undefined;
        st.boundaryAt = i;
        st.boundaryCount = resources.length;
        st.boundaryBad = bad;
      } else if (depth === arrDepth - 1 && arrEnd < 0 && arrDepth > 0) {
        arrEnd = i;
        arrDepth = -2; // no deeper array is the resources array
      } else if (depth === arrDepth + 1) inDeps = false;
      state = 1;
    }
    while (i < n && isWs(text[i]!)) i++;
    if (state === 0) {
      if (i >= n) return SCAN_RAN_OUT;
      const c = text[i]!;
      valueStart = i;
      // a value inside a resource: the top-level fields' kinds (resourceProblem in parse.ts)
      if (depth === arrDepth + 1 && cur) {
        const k = keys[depth]!;
        if (k === KEY_URN && c !== QUOTE) bad = true;
        else if ((k === KEY_TYPE || k === KEY_PARENT || k === KEY_PROVIDER || k === KEY_ID) && c !== QUOTE && c !== 0x6e) bad = true;
        else if ((k === KEY_INPUTS || k === KEY_OUTPUTS) && c !== 0x7b && c !== 0x6e) bad = true;
        else if (k === KEY_DEPENDENCIES && c !== 0x5b && c !== 0x6e) bad = true;
        inDeps = k === KEY_DEPENDENCIES && c === 0x5b;
      } else if (depth === arrDepth + 2 && inDeps && c !== QUOTE) bad = true;
      else if (depth === arrDepth && arrDepth > 0) {
        // a resource
        if (c !== 0x7b) bad = true;
        else {
          cur = { urn: "", start: i, end: -1, typeStart: -1, typeEnd: -1, parentStart: -1, parentEnd: -1, customStart: -1, customEnd: -1 };
          urnStart = -1;
        }
      }
      if (c === 0x7b || c === 0x5b) {
        if (depth > MAX_DEPTH) return SCAN_REFUSED;
        depth++;
        kinds[depth] = c === 0x7b ? OBJ : ARR;
        keys[depth] = 0;
        if (depth <= 3) seen[depth] = 0;
        if (c === 0x5b && depth - 1 >= 1) {
          const atPath =
            (depth === 4 && keys[1] === KEY_CHECKPOINT && keys[2] === KEY_LATEST && keys[3] === KEY_RESOURCES) ||
            (depth === 3 && keys[1] === KEY_LATEST && keys[2] === KEY_RESOURCES);
          if (atPath) {
            candidates++;
            arrDepth = depth;
            arrStart = i;
            wrappedPath = depth === 4;
            st.opened = { kinds: kinds.slice(), keys: keys.slice(), seen: seen.slice(), arrDepth, arrStart, wrappedPath, candidates };
          }
        }
        i++;
        while (i < n && isWs(text[i]!)) i++;
        // an empty container closes at once
        if (i < n && text[i] === (c === 0x7b ? 0x7d : 0x5d)) {
          i++;
          justClosed = true;
        } else state = c === 0x7b ? 2 : 0;
        continue;
      }
      let e: number;
      if (c === QUOTE) e = stringEnd(text, i, n);
      else if (c === 0x74) e = literalEnd(text, i, n, "true");
      else if (c === 0x66) e = literalEnd(text, i, n, "false");
      else if (c === 0x6e) e = literalEnd(text, i, n, "null");
      else e = numberEnd(text, i, n);
      if (e < 0) return e === RAN_OUT ? SCAN_RAN_OUT : SCAN_REFUSED;
      i = e;
      if (depth === arrDepth + 1 && cur) {
        const k = keys[depth]!;
        if (k === KEY_URN) {
          urnStart = valueStart;
          urnEnd = e;
        } else if (k === KEY_TYPE) {
          cur.typeStart = valueStart;
          cur.typeEnd = e;
        } else if (k === KEY_PARENT) {
          cur.parentStart = valueStart;
          cur.parentEnd = e;
        } else if (k === KEY_CUSTOM) {
          cur.customStart = valueStart;
          cur.customEnd = e;
        }
      }
      if (depth === 0) break;
      state = 1;
      continue;
    }
    if (state === 2) {
      if (i >= n) return SCAN_RAN_OUT;
      if (text[i] !== QUOTE) return SCAN_REFUSED;
      const e = stringEnd(text, i, n);
      if (e < 0) return e === RAN_OUT ? SCAN_RAN_OUT : SCAN_REFUSED;
      let code = 0;
      if (depth <= 3 || depth === arrDepth + 1) code = keyCode(text, i, e);
      if (depth <= 3 && code >= KEY_CHECKPOINT && code <= KEY_RESOURCES) {
        const bit = 1 << code;
        if (seen[depth]! & bit) return SCAN_REFUSED;
        seen[depth]! |= bit;
      }
      keys[depth] = code;
      i = e;
      while (i < n && isWs(text[i]!)) i++;
      if (i >= n) return SCAN_RAN_OUT;
      if (text[i] !== 0x3a) return SCAN_REFUSED;
      i++;
      state = 0;
      continue;
    }
    // state 1: after a value
    if (depth === 0) break;
    if (i >= n) return SCAN_RAN_OUT;
    const c = text[i]!;
    if (c === 0x2c) {
      i++;
      state = kinds[depth] === OBJ ? 2 : 0;
      continue;
    }
    if ((c === 0x7d && kinds[depth] === OBJ) || (c === 0x5d && kinds[depth] === ARR)) {
      i++;
      justClosed = true;
      continue;
    }
    return SCAN_REFUSED;
  }
  while (i < n && isWs(text[i]!)) i++;
  if (i !== n) return SCAN_REFUSED;
  st.depth = depth;
  st.arrDepth = arrDepth;
  st.arrStart = arrStart;
  st.arrEnd = arrEnd;
  st.wrappedPath = wrappedPath;
  st.candidates = candidates;
  st.bad = bad;
  return SCANNED;
}

/**
 * The envelope of a scanned file: the bytes before the resources array (`head`: through its `[`)
 * and from its `]` on, parsed and checked as parseCheckpoint checks it; undefined = step aside.
 */
function envelopeOf(st: ScanState, head: string, text: Buffer, n: number, size: number, source: string | undefined): Checkpoint | undefined {
  if (st.bad || st.candidates !== 1 || st.arrEnd < 0) return undefined;
  let envelope: Checkpoint;
  try {
    envelope = fromJson(JSON.parse(head + text.toString("utf8", st.arrEnd - 1, n)), size, source);
  } catch {
    return undefined; // let parseCheckpoint say what is wrong, as it always did
  }
  return envelope.wrapped === st.wrappedPath ? envelope : undefined;
}

/**
 * The scan of the file comment alone: the indexed view, or undefined = "parse the whole file
 * instead" (what indexCheckpoint then does). For a caller that scans elsewhere (a worker thread)
 * and leaves the whole parse, with its errors, to the thread that asked.
 */
export function tryIndexCheckpoint(bytes: Uint8Array, source: string | undefined): IndexedCheckpoint | undefined {
  if (bytes.length === 0) return undefined;
  const decoded = decodeBytes(bytes);
  const text = decoded.buf;
  const st = newScanState();
  if (scan(text, text.length, st) !== SCANNED) return undefined;
  // the envelope: the same bytes with the resources array emptied
  const envelope = envelopeOf(st, text.toString("utf8", 0, st.arrStart + 1), text, text.length, decoded.size, source);
  return envelope && { kind: "indexed", text, envelope, resources: st.resources };
}

/** The window readCheckpointInWindows reads a file through (grown for a resource that does not fit). */
const READ_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * readCheckpointInWindows's answer: the checkpoint and the bytes read, or why it stepped aside:
 * `gzip` (read it whole: readCheckpoint decodes it) or `refused` (the scan does not vouch for it,
 * as tryIndexCheckpoint would not: parse it whole, parseCheckpoint, which answers or throws).
 */
export type WindowedRead = { checkpoint: Checkpoint; size: number } | { stepAside: "gzip" | "refused" };

/**
 * readCheckpoint's checkpoint, from a file read in pieces through one reused window: each resource
 * is parsed as soon as its bytes are in, and the window then moves on. No copy of the file is
 * ever held: a 100 MB state read whole is 100 MB of fresh memory, and on a virtual machine the
 * first touch of fresh pages costs most of the read (~0.5 s for 100 MB here, against ~40 ms for
 * the same bytes through a 4 MiB window).
 *
 * The scan is the one of the file comment. A window ends anywhere, so the scan of a window that is
 * not the file's last is rolled back to the end of its last whole resource (scan's boundary, where
 * only the resources array is open), the bytes before that point are dropped (the part of the
 * envelope before the array is kept as text) and the next window starts there. The last window
 * decides as a whole-file scan decides; a window whose scan is refused, or that ends after a
 * resource the scan cannot vouch for, decides at once (no later byte changes the answer).
 * `read` is CurrentStateReader's (ports.ts); `size`: the bytes read.
 */
export async function readCheckpointInWindows(read: CurrentStateReader["read"], source?: string, windowBytes = READ_WINDOW_BYTES): Promise<WindowedRead> {
  let buf = Buffer.allocUnsafeSlow(windowBytes);
  let len = 0;
  let size = 0;
  let eof = false;
  let first = true;
  let head: string | undefined;
  const resources: Resource[] = [];
  const st = newScanState();
  const refused = { stepAside: "refused" } as const;
  for (;;) {
    while (!eof && len < buf.length) {
      const got = await read(buf, len, buf.length - len);
      if (got === 0) eof = true;
      len += got;
      size += got;
    }
    if (first) {
      first = false;
      if (len === 0) return refused;
      if (isGzip(buf.subarray(0, len))) return { stepAside: "gzip" };
      // parseCheckpoint drops a UTF-8 byte order mark (counted in `size`)
      if (hasBom(buf, len)) buf.copyWithin(0, 3, (len -= 3) + 3);
    }
    const scanned = scan(buf, len, st);
    if (scanned === SCAN_REFUSED) return refused;
    if (eof) {
      if (scanned !== SCANNED) return refused;
      const envelope = envelopeOf(st, head ?? buf.toString("utf8", 0, st.arrStart + 1), buf, len, size, source);
      if (!envelope) return refused;
      for (const r of st.resources) resources.push(resourceOf(buf, r));
      return { checkpoint: { ...envelope, resources }, size };
    }
    // Not the last window: go back to the last boundary (or to the start when none was reached).
    const o = st.opened;
    if (st.boundaryAt < 0 || !o) {
      Object.assign(st, newScanState());
    } else {
      // a resource the scan cannot vouch for: the whole file is parsed in the end, whatever follows
      if (st.boundaryBad) return refused;
      st.kinds.set(o.kinds);
      st.keys.set(o.keys);
      st.seen = o.seen.slice();
      Object.assign(st, { depth: o.arrDepth, arrDepth: o.arrDepth, arrStart: o.arrStart, arrEnd: -1, wrappedPath: o.wrappedPath, candidates: o.candidates });
      st.bad = false;
      st.resources.length = st.boundaryCount;
      st.resumeState = 1;
      for (const r of st.resources) resources.push(resourceOf(buf, r));
      st.resources.length = 0;
      st.boundaryCount = 0;
      // drop the bytes before the boundary (keeping the envelope's head as text)
      head ??= buf.toString("utf8", 0, o.arrStart + 1);
      const keep = st.boundaryAt;
      buf.copyWithin(0, keep, len);
      len -= keep;
      st.resumeAt = st.boundaryAt = 0;
    }
    if (len === buf.length) {
      // one resource bigger than the window: a bigger one
      const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
  }
}
