/**
 * The local home reads a state file in one read call (readWhole, local-home.ts) and must return
 * what fs.promises.readFile returns: the whole file, an empty one, and a file whose size its stat
 * does not know (a /proc file says 0) read to its end.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWhole, SHARED_READ_BYTES } from "../../local-home.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sst-state-read-whole-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readWhole", () => {
  it("returns the bytes readFile returns, for a big file, a small one and an empty one", async () => {
    for (const [name, size] of [["big.json", 5 * 1024 * 1024 + 17], ["small.json", 100], ["empty.json", 0]] as const) {
      // Prepare
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = 32 + ((i * 7) % 90);
      const f = join(dir, name);
      await writeFile(f, bytes);
      // Act
      const got = await readWhole(f);
      // Assess
      expect(got.length).toBe(size);
      expect(Buffer.compare(got, await readFile(f))).toBe(0);
      // big files land in shared memory (a worker thread scans them in place: index-worker.ts)
      expect(got.buffer instanceof SharedArrayBuffer).toBe(size >= SHARED_READ_BYTES);
    }
  });

  it("reads a file whose stat says 0 bytes to its end", async () => {
    // Prepare: Linux's /proc files report size 0 and hold text
    const f = "/proc/self/status";
    if (!existsSync(f)) throw new Error("this test needs Linux's /proc");
    // Act
    const got = (await readWhole(f)).toString("utf8");
    // Assess: the same fields as readFile sees (the values move between two reads)
    expect(got.length).toBeGreaterThan(100);
    const fields = (t: string) => t.split("\n").map((l) => l.split(":")[0]);
    expect(fields(got)).toEqual(fields(await readFile(f, "utf8")));
  });

  it("fails as readFile fails on a missing file", async () => {
    await expect(readWhole(join(dir, "missing.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
