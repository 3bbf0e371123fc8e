/**
 * The worker thread of adapters/index-worker.ts (its protocol is described there): receives one
 * version's bytes, scans them, posts back the packed index or, when the scan steps aside, the
 * bytes themselves. Bundled on its own by scripts/build.mjs (packages/cli/dist/index-worker.mjs).
 */
import { parentPort } from "node:worker_threads";
import { packIndex, tryIndexCheckpoint } from "@sst-state/core/state/checkpoint-index";
import type { IndexWorkerReply } from "./index-worker.ts";

parentPort?.once("message", ({ bytes, source }: { bytes: Uint8Array; source: string }) => {
  let reply: IndexWorkerReply;
  try {
    const view = tryIndexCheckpoint(bytes, source);
    reply = view ? { packed: packIndex(view) } : { bytes, steppedAside: true };
  } catch {
    reply = { bytes, steppedAside: false };
  }
  // The text is the bytes as they came (shared memory goes back shared; a copy made for this
  // thread is this thread's to move back) or, for gzip, their decompressed copy (moved too). Never
  // a pooled buffer (Node pools allocations under 4 KiB; the sender's minimum is far above).
  const text = "packed" in reply ? reply.packed.text : reply.bytes;
  const moved: ArrayBuffer[] = [];
  if (text.buffer instanceof ArrayBuffer && text.byteLength > 4096) moved.push(text.buffer);
  if ("packed" in reply) moved.push(reply.packed.fields.buffer as ArrayBuffer, reply.packed.urnLengths.buffer as ArrayBuffer);
  parentPort!.postMessage(reply, moved);
});
