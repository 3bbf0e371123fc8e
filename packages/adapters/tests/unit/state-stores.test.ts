/**
 * The StateStore contract against the in-memory store and the local home (a temp folder), plus
 * what only the local home does: SST's default root per platform, gzip files, keeping a replaced
 * state as a snapshot, atomic writes, file-system errors.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError, VersionNotFoundError } from "@sst-state/core/errors";
import { createMemoryStateStore } from "@sst-state/core/memory/state-store";
import { generateHome } from "@sst-state/core/state/generate-home";
import { isUpdateId, updateIdTime } from "@sst-state/core/state/update-id";
import { writeLocalHome } from "../../home-writer.ts";
import { createLocalHomeStore, defaultLocalHomeRoot } from "../../local-home.ts";
import { stateStoreContract } from "../contract/state-store.contract.ts";

stateStoreContract("memory", async () => {
  const store = createMemoryStateStore();
  return {
    store,
    seed: async (files) => {
      for (const f of files) store.put(f.key, f.body);
    },
    cleanup: async () => {},
    accessed: () => store.readKeys,
  };
});

stateStoreContract("local home", async () => {
  const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
  const touched: string[] = [];
  const store = createLocalHomeStore({ root, onAccess: (_op, key) => touched.push(key) });
  return {
    store,
    seed: (files) => writeLocalHome(root, files),
    cleanup: () => rm(root, { recursive: true, force: true }),
    accessed: () => touched,
  };
});

describe("local home", () => {
  it("finds SST's default root on each platform", () => {
    expect(defaultLocalHomeRoot({ XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/ann" }, "linux")).toBe("/x/cfg/sst");
    expect(defaultLocalHomeRoot({ HOME: "/home/ann" }, "linux")).toBe("/home/ann/.config/sst");
    expect(defaultLocalHomeRoot({ HOME: "/Users/ann" }, "darwin")).toBe("/Users/ann/Library/Application Support/sst");
    expect(defaultLocalHomeRoot({ APPDATA: "C:\\Users\\ann\\AppData\\Roaming" }, "win32")).toBe("C:\\Users\\ann\\AppData\\Roaming\\sst");
  });

  it("uses the default root when none is given", () => {
    const store = createLocalHomeStore({ env: { HOME: "/home/bo" }, platform: "linux" });
    expect(store.root).toBe("/home/bo/.config/sst");
    expect(store.location).toBe("local home /home/bo/.config/sst");
  });

  it("keeps a replaced interrupted state as a new, newest snapshot and leaves no temp file", async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    const { files, stages } = generateHome({ app: "shop", seed: 3, stages: [{ name: "prod", resources: 12, deploys: 3, interrupted: true }] });
    await writeLocalHome(root, files);
    const clock = { now: () => Date.UTC(2020, 0, 1) }; // behind the deploys: the kept snapshot must still sort newest
    const store = createLocalHomeStore({ root, clock });
    const cur = await store.readCurrent("shop", "prod");
    const before = await store.listVersions("shop", "prod");
    const good = await store.readVersion("shop", "prod", before[1]!);
    // Act
    await store.writeCurrent("shop", "prod", good, cur.token);
    // Assess
    const after = await store.listVersions("shop", "prod");
    expect(after.map((v) => v.kind)).toEqual(["current", "snapshot", "snapshot", "snapshot"]);
    const kept = after[1]!;
    expect(isUpdateId(kept.id)).toBe(true);
    expect(stages[0]!.snapshotIds).not.toContain(kept.id);
    expect(updateIdTime(kept.id)).toBeGreaterThan(updateIdTime(stages[0]!.snapshotIds[0]!));
    expect(new TextDecoder().decode(await store.readVersion("shop", "prod", kept))).toBe(stages[0]!.current);
    const names = await readdir(join(root, "state", "app", "shop"));
    expect(names).toEqual(["prod.json"]);
    await rm(root, { recursive: true, force: true });
  });

  it("does not duplicate the newest snapshot when the replaced state already is one", async () => {
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    const { files } = generateHome({ app: "shop", seed: 4, stages: [{ name: "prod", resources: 12, deploys: 3 }], compress: true });
    await writeLocalHome(root, files);
    const store = createLocalHomeStore({ root });
    const cur = await store.readCurrent("shop", "prod");
    const before = await store.listVersions("shop", "prod");
    await store.writeCurrent("shop", "prod", await store.readVersion("shop", "prod", before[2]!), cur.token);
    const snapshots = await readdir(join(root, "state", "snapshot", "shop", "prod"));
    expect(snapshots).toHaveLength(3);
    expect((await store.listVersions("shop", "prod")).map((v) => v.id)).toEqual(["current", ...before.map((v) => v.id)]);
    await rm(root, { recursive: true, force: true });
  });

  it("has no object versions", async () => {
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    await writeLocalHome(root, generateHome({ app: "shop", seed: 5, stages: ["prod"] }).files);
    const store = createLocalHomeStore({ root });
    expect(await store.listObjectVersions("shop", "prod", { limit: 10 })).toEqual({ versions: [] });
    await expect(store.readObjectVersion("shop", "prod", "3HL4kqtJlcpXroDTDmJ")).rejects.toBeInstanceOf(VersionNotFoundError);
    await rm(root, { recursive: true, force: true });
  });

  it("turns file-system failures into StoreUnavailableError with a hint", async () => {
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    await mkdir(join(root, "state", "app", "shop", "prod.json"), { recursive: true }); // a folder where a file should be
    await writeFile(join(root, "state", "app", "shop", "dev.json"), "{}");
    const store = createLocalHomeStore({ root });
    const err = await store.readCurrent("shop", "prod").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain(join(root, "state", "app", "shop", "prod.json"));
    expect((err as StoreUnavailableError).hint).toContain(root);
    await rm(root, { recursive: true, force: true });
  });

  it("reports an empty or missing home as having no apps", async () => {
    const store = createLocalHomeStore({ root: join(tmpdir(), "sst-state-does-not-exist-" + process.pid) });
    expect(await store.listApps()).toEqual([]);
    await expect(store.listStages("shop")).rejects.toMatchObject({ code: "app-not-found", known: [] });
  });
});
