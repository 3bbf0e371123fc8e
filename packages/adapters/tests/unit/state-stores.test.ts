/**
 * The StateStore contract against the in-memory store and the local home (a temp folder), plus
 * what only the local home does: SST's default root per platform (Go's os.UserConfigDir), gzip
 * files, atomic writes, file-system errors.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError, UsageError, VersionNotFoundError } from "@sst-state/core/errors";
import { createMemoryStateStore } from "@sst-state/test-kit/memory/state-store";
import { generateHome } from "@sst-state/core/state/generate-home";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { writeLocalHome } from "../../home-writer.ts";
import { createLocalHomeStore, defaultLocalHomeRoot } from "../../local-home.ts";
import { stateStoreContract } from "../contract/state-store.contract.ts";
import { readInPieces } from "../support/read-pieces.ts";
import { sha256Hex } from "@sst-state/core/restore";

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
  describe("finds SST's root as Go's os.UserConfigDir + sst on each OS", () => {
    const xdg = { XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/ann" };
    const cases: [string, NodeJS.Platform | "ios", Record<string, string>, string][] = [
      ["Linux honours XDG_CONFIG_HOME", "linux", xdg, "/x/cfg/sst"],
      ["Linux without XDG_CONFIG_HOME", "linux", { HOME: "/home/ann" }, "/home/ann/.config/sst"],
      ["Linux with an empty XDG_CONFIG_HOME", "linux", { XDG_CONFIG_HOME: "", HOME: "/home/ann" }, "/home/ann/.config/sst"],
      ["FreeBSD honours XDG_CONFIG_HOME", "freebsd", xdg, "/x/cfg/sst"],
      ["OpenBSD without XDG_CONFIG_HOME", "openbsd", { HOME: "/home/ann" }, "/home/ann/.config/sst"],
      ["macOS ignores XDG_CONFIG_HOME", "darwin", { XDG_CONFIG_HOME: "/x/cfg", HOME: "/Users/ann" }, "/Users/ann/Library/Application Support/sst"],
      ["iOS as macOS", "ios", { HOME: "/var/mobile" }, "/var/mobile/Library/Application Support/sst"],
      ["Windows ignores XDG_CONFIG_HOME", "win32", { XDG_CONFIG_HOME: "/x/cfg", APPDATA: "C:\\Users\\ann\\AppData\\Roaming" }, "C:\\Users\\ann\\AppData\\Roaming\\sst"],
      ["Windows reads AppData in any case", "win32", { AppData: "D:\\Profiles\\ann" }, "D:\\Profiles\\ann\\sst"],
      ["Plan 9: $home/lib", "plan9" as NodeJS.Platform, { home: "/usr/ann" }, "/usr/ann/lib/sst"],
    ];
    for (const [name, platform, env, root] of cases) {
      it(name, () => {
        // Act
        const found = defaultLocalHomeRoot(env, platform);
        // Assess
        expect(found).toBe(root);
      });
    }

    const failures: [string, NodeJS.Platform, Record<string, string>, RegExp][] = [
      ["a relative XDG_CONFIG_HOME on Linux (Go: \"path in $XDG_CONFIG_HOME is relative\")", "linux", { XDG_CONFIG_HOME: "cfg", HOME: "/home/ann" }, /relative path \("cfg"\)/],
      ["Linux with neither XDG_CONFIG_HOME nor HOME", "linux", {}, /neither \$XDG_CONFIG_HOME nor \$HOME/],
      ["macOS without HOME", "darwin", { XDG_CONFIG_HOME: "/x/cfg" }, /\$HOME is not defined/],
      ["Windows without AppData", "win32", { USERPROFILE: "C:\\Users\\ann" }, /%AppData% is not defined/],
    ];
    for (const [name, platform, env, message] of failures) {
      it(`refuses ${name} with what to set`, () => {
        // Act
        const error = (() => {
          try {
            return defaultLocalHomeRoot(env, platform);
          } catch (e) {
            return e;
          }
        })();
        // Assess
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).message).toMatch(message);
        expect((error as UsageError).hint).toContain("SST_STATE_DIR");
      });
    }
  });

  it("uses the default root when none is given", () => {
    const store = createLocalHomeStore({ env: { HOME: "/home/bo" }, platform: "linux" });
    expect(store.root).toBe("/home/bo/.config/sst");
    expect(store.location).toBe("local home /home/bo/.config/sst");
  });

  it("stamps the current state with its size and time: a same-size rewrite gets a new stamp, and the token still hashes the bytes", async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    const file = join(root, "state", "app", "shop", "prod.json");
    await mkdir(join(root, "state", "app", "shop"), { recursive: true });
    const a = JSON.stringify({ version: 3, checkpoint: { latest: { resources: [], n: "aaaa" } } });
    const b = a.replace("aaaa", "bbbb");
    await writeFile(file, a);
    await utimes(file, new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 1)));
    const store = createLocalHomeStore({ root });
    // Act
    const first = await store.readCurrent("shop", "prod");
    await writeFile(file, b);
    await utimes(file, new Date(Date.UTC(2026, 0, 2)), new Date(Date.UTC(2026, 0, 2)));
    const second = await store.readCurrent("shop", "prod");
    // Assess
    expect(first.stamp).toBe(`${a.length}@2026-01-01T00:00:00.000Z`);
    expect(second.stamp).toBe(`${b.length}@2026-01-02T00:00:00.000Z`);
    expect(first.token).not.toBe(second.token);
    expect(first.token).toBe(sha256Hex(Buffer.from(a)));
    expect(second.token).toBe(sha256Hex(Buffer.from(b)));
    await rm(root, { recursive: true, force: true });
  });

  it("opens the current state for reading in pieces: readCurrent's stamp, time and bytes, and its errors", async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    const { files } = generateHome({ app: "shop", seed: 6, stages: [{ name: "prod", resources: 40, deploys: 2 }] });
    await writeLocalHome(root, files);
    await mkdir(join(root, "state", "app", "shop", "dir.json"), { recursive: true }); // a folder where a file should be
    const touched: string[] = [];
    const store = createLocalHomeStore({ root, onAccess: (_op, key) => touched.push(key) });
    const whole = await store.readCurrent("shop", "prod");
    expect(whole.bytes.length).toBeGreaterThan(3_000); // (the premise: several pieces of 1,000 bytes)
    const before = touched.length;
    // Act: read in pieces of at most 1,000 bytes
    const reader = await store.openCurrent("shop", "prod");
    const parts = await readInPieces(reader, 1000);
    // Assess
    expect(Buffer.concat(parts).equals(Buffer.from(whole.bytes))).toBe(true);
    expect({ stamp: reader.stamp, time: reader.time, size: reader.size }).toEqual({ stamp: whole.stamp, time: whole.time, size: whole.bytes.length });
    expect(touched.slice(before)).toEqual(["app/shop/prod.json"]);
    const missing = await store.openCurrent("shop", "nope").catch((e: unknown) => e);
    const missingWhole = await store.readCurrent("shop", "nope").catch((e: unknown) => e);
    expect(missing).toEqual(missingWhole);
    expect((missing as Error).name).toBe("StageNotFoundError");
    const dirReader = await store.openCurrent("shop", "dir");
    const dir = await dirReader.read(Buffer.alloc(10), 0, 10).catch((e: unknown) => e).finally(() => dirReader.close());
    const dirWhole = await store.readCurrent("shop", "dir").catch((e: unknown) => e);
    expect(dir).toBeInstanceOf(StoreUnavailableError);
    expect(dir).toEqual(dirWhole);
    await rm(root, { recursive: true, force: true });
  });

  it("replaces the current file atomically, writes nothing else and leaves no temp file", async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), "sst-state-home-"));
    const { files } = generateHome({ app: "shop", seed: 4, stages: [{ name: "prod", resources: 12, deploys: 3, interrupted: true }], compress: true });
    await writeLocalHome(root, files);
    const store = createLocalHomeStore({ root });
    const cur = await store.readCurrent("shop", "prod");
    const before = await store.listVersions("shop", "prod");
    const good = await store.readVersion("shop", "prod", before[2]!);
    // Act
    await store.writeCurrent("shop", "prod", good, cur.token);
    await store.writeSnapshot("shop", "prod", makeUpdateId(Date.UTC(2026, 0, 16)), good);
    // Assess
    expect(new TextDecoder().decode((await store.readCurrent("shop", "prod")).bytes)).toBe(new TextDecoder().decode(good));
    expect(await readdir(join(root, "state", "app", "shop"))).toEqual(["prod.json"]);
    expect(await readdir(join(root, "state", "snapshot", "shop", "prod"))).toHaveLength(3);
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
