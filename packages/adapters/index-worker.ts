/**
 * A VersionIndexer (core/state/checkpoint-index.ts) that scans in a worker thread.
 *
 * Why: a diagnosis reads two whole versions, the current state (parsed: every rule looks into it)
 * and the one before it (scanned for byte ranges: the history rules match by URN). On one thread
 * the scan of a 100 MB version (~0.8 s) waits for the parse of the other (~1.5 s) or the reverse;
 * in a worker the two run side by side on two cores. Used where every step of the workflow runs in
 * one process (the CLI and `serve`); a Lambda step has one job and keeps the default.
 *
 * Protocol, one worker per scan:
 * 1. this thread reads the bytes and posts them to the worker. Bytes in shared memory (the local
 *    home reads big files into a SharedArrayBuffer) are shared, not copied; any other bytes are
 *    copied. They are never moved (transferred): a store may still hand the same bytes to another
 *    caller (the local home's `recent` cache), and a moved buffer is empty for every holder;
 * 2. the worker scans (tryIndexCheckpoint) and moves back either the packed index (packIndex: the
 *    text, ranges in one Int32Array, URNs in one string) or, when the scan steps aside (gzip that
 *    does not decode, invalid JSON, an unusual resource), the bytes it was given;
 * 3. this thread unpacks the index, or parses the returned bytes whole (parseCheckpoint, what
 *    indexCheckpoint does once its scan steps aside: no second scan here), so the parse and its
 *    errors happen here, exactly as without a worker. A scan that threw in the worker (a bug, not a
 *    verdict on the file) is run again here by indexCheckpoint.
 * A worker that fails to start, crashes or exits without an answer (its script missing in a source
 * checkout, out of memory) costs a second read: `read()` again and indexCheckpoint here. Bytes
 * under `minBytes` are scanned here at once (a worker costs tens of milliseconds to start).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { indexCheckpoint, unpackIndex, type PackedIndex, type VersionIndexer } from "@sst-state/core/state/checkpoint-index";
import { parseCheckpoint } from "@sst-state/core/state/parse";

/** What the worker posts back (index-worker-entry.ts). */
export type IndexWorkerReply = { packed: PackedIndex } | { bytes: Uint8Array; steppedAside: boolean };

export interface WorkerIndexerOptions {
  /** the worker's script: the bundled index-worker-entry.ts (scripts/build.mjs) */
  script: URL;
  /** smaller versions are scanned in this thread (default 4 MiB) */
  minBytes?: number;
}

export function createWorkerIndexer(opts: WorkerIndexerOptions): VersionIndexer {
  const minBytes = opts.minBytes ?? 4 * 1024 * 1024;
  const scriptPath = fileURLToPath(opts.script);
  let scriptThere: boolean | undefined;
  return async (read, source, handedOff) => {
    // the worker starts while the bytes are read (its start-up is off this thread's path)
    const worker = (scriptThere ??= existsSync(scriptPath)) ? startWorker(opts.script) : undefined;
    let bytes: Uint8Array;
    try {
      bytes = await read();
    } catch (e) {
      worker?.stop();
      throw e;
    }
    if (!worker || bytes.length < minBytes) {
      worker?.stop();
      handedOff?.();
      return indexCheckpoint(bytes, source);
    }
    let handed = false;
    const handOff = () => {
      if (!handed) (handed = true), handedOff?.();
    };
    let reply: IndexWorkerReply;
    try {
      reply = await worker.scan(bytes, source, handOff);
    } catch {
      handOff();
      return indexCheckpoint(await read(), source);
    }
    if ("packed" in reply) return unpackIndex(reply.packed);
    // the scan stepped aside: parse whole here (what indexCheckpoint would do after scanning again)
    if (reply.steppedAside) return { kind: "parsed", checkpoint: parseCheckpoint(reply.bytes, source) };
    return indexCheckpoint(reply.bytes, source);
  };
}

function startWorker(script: URL): { scan(bytes: Uint8Array, source: string, posted?: () => void): Promise<IndexWorkerReply>; stop(): void } {
  const worker = new Worker(script);
  // settled by the first of: an answer, an error, an exit (a worker that dies never answers)
  let settle: ((outcome: { reply: IndexWorkerReply } | { error: unknown }) => void) | undefined;
  const outcome = new Promise<{ reply: IndexWorkerReply } | { error: unknown }>((r) => (settle = r));
  worker.once("message", (reply: IndexWorkerReply) => settle?.({ reply }));
  worker.once("error", (error) => settle?.({ error }));
  worker.once("exit", (code) => settle?.({ error: new Error(`the index worker exited (${code}) without an answer`) }));
  const stop = () => void worker.terminate();
  return {
    stop,
    async scan(bytes, source, posted) {
      try {
        // shared memory is shared, anything else copied (step 1 of the header): nothing is transferred
        worker.postMessage({ bytes, source });
        posted?.();
        const result = await outcome;
        if ("error" in result) throw result.error;
        return result.reply;
      } finally {
        // also when postMessage throws: a worker left waiting for its message keeps the process alive
        stop();
      }
    },
  };
}
