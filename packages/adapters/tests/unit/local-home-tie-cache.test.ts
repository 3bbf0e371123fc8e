/**
 * The local home's comparison cache (LocalHomeStoreOptions.tieCacheDir): `listVersions` answers
 * "is the current file the newest snapshot?" from a recorded tie when both files' stat is still
 * the recorded one, and compares the bytes whenever anything differs — a same-size edit with its
 * mtime put back (ctime still moves), a corrupt or truncated entry, a folder it cannot write.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stateKeys } from "@sst-state/core/state/versions";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { createLocalHomeStore } from "../../local-home.ts";

const APP = "shop";
const STAGE = "prod";
// Files written by a test are seconds old, not minutes: a clock ahead of the file system lets
// their stat count as settled (as it would for a deploy made before the command).
const later = { now: () => Date.now() + 60_000 };

let base: string;
let root: string;
let cacheDir: string;
let snapshotKey: string;
const state = (n: number) => JSON.stringify({ version: 3, checkpoint: { latest: { resources: [{ urn: `urn:pulumi:prod::shop::aws:s3/bucket:Bucket::b${n}` }] } } });

async function put(key: string, body: string): Promise<void> {
  const f = join(root, "state", key);
  await mkdir(join(f, ".."), { recursive: true });
  await writeFile(f, body);
}

function open(clock = later) {
  const reads: string[] = [];
  const store = createLocalHomeStore({ root, tieCacheDir: cacheDir, clock, onAccess: (op, key) => op === "read" && reads.push(key) });
  return { store, reads };
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "sst-state-tie-"));
  root = join(base, "home");
  cacheDir = join(base, "project", ".sst-state", "cache");
  const id = makeUpdateId(Date.now() - 3_600_000, () => 0.5);
  snapshotKey = stateKeys.snapshot(APP, STAGE, id);
  await put(snapshotKey, state(1));
  await put(stateKeys.app(APP, STAGE), state(1));
  await put(stateKeys.update(APP, STAGE, id), JSON.stringify({ id, version: "4.17.1", command: "deploy", errors: [], timeStarted: new Date().toISOString(), timeCompleted: new Date().toISOString() }));
});
afterEach(() => rm(base, { recursive: true, force: true }));

describe("local home: the tie between the current file and the newest snapshot", () => {
  it("is recorded by a first comparison and used by the next command without reading either file", async () => {
    // Prepare
    const first = open();
    const v1 = await first.store.listVersions(APP, STAGE);
    // Act
    const second = open();
    const v2 = await second.store.listVersions(APP, STAGE);
    // Assess
    expect(first.reads).toEqual(expect.arrayContaining([stateKeys.app(APP, STAGE), snapshotKey]));
    expect(second.reads).not.toContain(stateKeys.app(APP, STAGE));
    expect(second.reads).not.toContain(snapshotKey);
    expect(v1.map((v) => v.kind)).toEqual(["snapshot"]);
    expect(v2.map((v) => v.kind)).toEqual(["snapshot"]);
    expect((await readdir(cacheDir)).filter((n) => n.endsWith(".json"))).toHaveLength(1);
  });

  it("is not trusted after a same-size edit whose mtime was put back (ctime moved): the current file is its own version", async () => {
    // Prepare: a whole-second mtime, which utimes can put back exactly
    const current = join(root, "state", stateKeys.app(APP, STAGE));
    const t = Math.floor(Date.now() / 1000) - 3600;
    await utimes(current, t, t);
    await open().store.listVersions(APP, STAGE);
    const before = await stat(current, { bigint: true });
    await writeFile(current, state(2)); // same length as state(1)
    await utimes(current, t, t);
    const after = await stat(current, { bigint: true });
    expect(after.size).toBe(before.size);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(after.ino).toBe(before.ino);
    // Act
    const next = open();
    const versions = await next.store.listVersions(APP, STAGE);
    // Assess
    expect(next.reads).toContain(stateKeys.app(APP, STAGE));
    expect(versions.map((v) => v.kind)).toEqual(["current", "snapshot"]);
  });

  for (const [name, damage] of [
    ["corrupt", (text: string) => text.replace(/"same":true/, '"same":"yes"')],
    ["truncated", (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ["claiming a different answer for other files", (text: string) => text.replaceAll(snapshotKey, snapshotKey.replace(".json", "x.json")).replace('"same":true', '"same":false')],
  ] as const) {
    it(`is ignored when its entry is ${name}: the files are compared again`, async () => {
      // Prepare
      await open().store.listVersions(APP, STAGE);
      const [entry] = (await readdir(cacheDir)).filter((n) => n.endsWith(".json"));
      const text = await readFile(join(cacheDir, entry!), "utf8");
      await writeFile(join(cacheDir, entry!), damage(text));
      // Act
      const next = open();
      const versions = await next.store.listVersions(APP, STAGE);
      // Assess
      expect(next.reads).toEqual(expect.arrayContaining([stateKeys.app(APP, STAGE), snapshotKey]));
      expect(versions.map((v) => v.kind)).toEqual(["snapshot"]);
    });
  }

  it("records nothing for files changed just now (their stat could still change within the same tick)", async () => {
    // Act
    await open({ now: () => Date.now() }).store.listVersions(APP, STAGE);
    // Assess
    const entries = await readdir(cacheDir).catch(() => [] as string[]);
    expect(entries).toEqual([]);
  });

  it("works without it when the cache folder cannot be written (a file stands in its way)", async () => {
    // Prepare
    await mkdir(join(cacheDir, ".."), { recursive: true });
    await writeFile(cacheDir, "not a folder");
    // Act
    const first = open();
    const v1 = await first.store.listVersions(APP, STAGE);
    const second = open();
    const v2 = await second.store.listVersions(APP, STAGE);
    // Assess
    expect(v1.map((v) => v.kind)).toEqual(["snapshot"]);
    expect(v2.map((v) => v.kind)).toEqual(["snapshot"]);
    expect(second.reads).toEqual(expect.arrayContaining([stateKeys.app(APP, STAGE), snapshotKey]));
  });
});
