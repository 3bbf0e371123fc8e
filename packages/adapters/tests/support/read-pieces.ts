/** A StateStore reader (`openCurrent`) read to its end in pieces of at most `most` bytes, then closed. */
import type { CurrentStateReader } from "@sst-state/core/ports";

export async function readInPieces(reader: CurrentStateReader, most: number): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (;;) {
    const into = Buffer.alloc(most);
    const n = await reader.read(into, 0, into.length);
    if (n === 0) break;
    parts.push(into.subarray(0, n));
  }
  await reader.close();
  return parts;
}
