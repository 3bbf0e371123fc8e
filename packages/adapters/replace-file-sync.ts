import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Write a whole file through a temp file beside it (`<target>.<pid>.tmp`) and a rename over the
 * target, so a reader sees the old file or the whole new one, never a part; the temp file is
 * removed when the write or the rename fails. For small files a crash may lose (endpoint.json, a
 * code cache): the state's own writes also fsync (local-home.ts `writeAtomic`).
 */
export function replaceFileSync(target: string, data: string | Uint8Array): void {
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
