/**
 * The embedded store (dynalite on disk) behind the CLI and `serve` when SST_STATE_TABLE is unset.
 */
import { StoreUnavailableError } from "@sst-state/core/errors";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createDynamoLockStore } from "../../dynamodb-lock-store.ts";
import { ENDPOINT_FILE, startEmbeddedDynamo, type EmbeddedDynamo } from "../../embedded-dynamo.ts";

const open: EmbeddedDynamo[] = [];
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "sst-state-embedded-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Stand-ins for the CLI's dist/dynalite.cjs (dynalite-bundle-entry.cjs's shape) over dynalite's install.
const DYNALITE = JSON.stringify(createRequire(import.meta.url).resolve("dynalite"));
const REAL_LEVEL = `require("node:module").createRequire(${DYNALITE})("level").Level`;
const REAL_DIRECT = `require(${JSON.stringify(fileURLToPath(new URL("../../dynalite-direct.cjs", import.meta.url)))})`;
const FAIL = 'throw new Error("Cannot find module \'classic-level/binding.js\'")';
function bundle(source: string): URL {
  const file = join(tmp(), "dynalite.cjs");
  writeFileSync(file, source);
  return pathToFileURL(file);
}
/** one whose LevelDB or whose dynalite fails to load */
const brokenBundle = (part: "Level" | "dynalite"): URL =>
  bundle(
    part === "Level"
      ? `module.exports = { get Level() { ${FAIL} }, direct: () => ${REAL_DIRECT} };`
      : `module.exports = { get Level() { return ${REAL_LEVEL} }, direct: () => { ${FAIL} } };`,
  );

describe("embedded DynamoDB store", () => {
  it.each(["Level", "dynalite"] as const)("says what to do when the server bundle's %s cannot load, and lets go of the folder", async (part) => {
    // Prepare
    const dir = join(tmp(), "db");
    // Act
    const err = await startEmbeddedDynamo({ dir, serverBundle: brokenBundle(part), waitMs: 500 }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const what = part === "Level" ? "LevelDB" : "dynalite";
    expect((err as StoreUnavailableError).message).toBe(`Cannot load the embedded store's ${what}: Cannot find module 'classic-level/binding.js'`);
    expect((err as StoreUnavailableError).hint).toMatch(/npm install/);
    // ... and the owner lock is free again: a working open of the same folder owns it
    const after = await startEmbeddedDynamo({ dir, waitMs: 2_000 });
    open.push(after);
    expect(after.owned).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["data", "endpoint.json", "owner"]);
  });

  it("runs on a server bundle that loads (the CLI's path), as on dynalite's install", async () => {
    // Prepare: it counts what is asked of it
    const used = globalThis as { bundleAsked?: string[] };
    used.bundleAsked = [];
    const serverBundle = bundle(
      `const asked = globalThis.bundleAsked; module.exports = { get Level() { asked.push("Level"); return ${REAL_LEVEL} }, direct: () => (asked.push("dynalite"), ${REAL_DIRECT}) };`,
    );
    // Act
    const db = await startEmbeddedDynamo({ dir: join(tmp(), "db"), serverBundle });
    open.push(db);
    const got = await createDynamoLockStore(db).acquire({ app: "shop", stage: "prod", holder: "me", reason: "x", ttlMs: 60_000 }, Date.now());
    // Assess
    expect(got.acquired).toBe(true);
    // LevelDB first (the owner lock opens), then dynalite, once
    expect(used.bundleAsked).toEqual(["Level", "dynalite"]);
  });

  it.each(["owner (dynalite in this process)", "guest (dynalite over HTTP)"] as const)(
    "answers every call the stores make on the CLI's built server bundle, as %s (its handlers load on first use)",
    async (role) => {
      // Prepare: dist/dynalite.cjs as `npm install` / pretest build it (scripts/build.mjs dynaliteBundle)
      const built = new URL("../../../cli/dist/dynalite.cjs", import.meta.url);
      expect(existsSync(built)).toBe(true);
      const dir = join(tmp(), "db");
      const owner = await startEmbeddedDynamo({ dir, serverBundle: built });
      open.push(owner);
      const db = role.startsWith("owner") ? owner : await startEmbeddedDynamo({ dir, serverBundle: built });
      if (db !== owner) open.unshift(db);
      const { client, tableName: TableName } = db;
      const key = (sk: string) => ({ pk: { S: "p" }, sk: { S: sk } });
      // Act: each operation the stores send (CreateTable and DescribeTable ran in the open)
      await client.call("PutItem", { TableName, Item: { ...key("a"), n: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" });
      const refused = await client
        .call("PutItem", { TableName, Item: key("a"), ConditionExpression: "attribute_not_exists(pk)" })
        .catch((e: unknown) => e);
      await client.call("UpdateItem", { TableName, Key: key("a"), UpdateExpression: "SET n = n + :one", ExpressionAttributeValues: { ":one": { N: "1" } } });
      await client.call("PutItem", { TableName, Item: key("b") });
      const got = await client.call("GetItem", { TableName, Key: key("a"), ConsistentRead: true });
      const queried = await client.call("Query", { TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } } });
      await client.call("DeleteItem", { TableName, Key: key("b") });
      const scanned = await client.call("Scan", { TableName });
      const described = await client.call("DescribeTable", { TableName });
      const invalid = await client.call("GetItem", { TableName, Key: {} }).catch((e: unknown) => e);
      // Assess
      expect(db.owned).toBe(role.startsWith("owner"));
      expect((refused as Error).name).toBe("ConditionalCheckFailedException");
      expect((refused as { $metadata: unknown }).$metadata).toEqual({ httpStatusCode: 400 });
      expect(got.Item?.n).toEqual({ N: "2" });
      expect(queried.Items?.map((i) => i.sk?.S)).toEqual(["a", "b"]);
      expect(scanned.Items?.map((i) => i.sk?.S)).toEqual(["a"]);
      expect(described.Table?.TableStatus).toBe("ACTIVE");
      expect((invalid as Error).name).toBe("ValidationException");
      expect((invalid as Error).message).toMatch(/key element does not match the schema/);
    },
  );

  it("keeps a held lock across close and reopen, and continues the token after release", async () => {
    // Prepare
    const dir = join(tmp(), "db");
    const first = await startEmbeddedDynamo({ dir });
    const now = Date.parse("2025-03-01T12:00:00Z");
    const held = await createDynamoLockStore(first).acquire({ app: "shop", stage: "prod", holder: "me@laptop", reason: "migrate", ttlMs: 3_600_000 }, now);
    await first.close();
    // Act
    const second = await startEmbeddedDynamo({ dir });
    open.push(second);
    const store = createDynamoLockStore(second);
    const after = await store.get("shop", "prod", now + 60_000);
    const contender = await store.acquire({ app: "shop", stage: "prod", holder: "other", reason: "x", ttlMs: 60_000 }, now + 60_000);
    await store.release("shop", "prod", held.lock.token, now + 120_000);
    const next = await store.acquire({ app: "shop", stage: "prod", holder: "other", reason: "x", ttlMs: 60_000 }, now + 180_000);
    // Assess
    expect(after).toEqual(held.lock);
    expect(contender).toEqual({ acquired: false, lock: held.lock });
    expect(next).toMatchObject({ acquired: true, lock: { token: held.lock.token + 1 } });
  });

  it("refuses a second opener with a clear message while the owner is open but publishes no endpoint", async () => {
    // Prepare: an owner without endpoint.json (an older sst-state, or one still starting).
    // With a live published endpoint the second opener uses it instead (embedded-shared.test.ts).
    const dir = join(tmp(), "db");
    open.push(await startEmbeddedDynamo({ dir }));
    rmSync(join(dir, ENDPOINT_FILE));
    // Act
    const err = await startEmbeddedDynamo({ dir, waitMs: 200 }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/^another sst-state process is using .*db; stop it or set SST_STATE_TABLE$/);
  });

  it("uses .sst-state/db under the working directory by default, and lets the next process in after close", async () => {
    // Prepare
    const cwd = tmp();
    const a = await startEmbeddedDynamo({ cwd });
    // Act
    await a.close();
    const b = await startEmbeddedDynamo({ cwd, waitMs: 0 });
    open.push(b);
    // Assess
    expect(a.dir).toBe(join(cwd, ".sst-state/db"));
    expect(b.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await createDynamoLockStore(b).list(Date.now())).toEqual([]);
  });

  it("waits for an owner that publishes no endpoint to close instead of failing when it lets go within waitMs", async () => {
    // Prepare
    const dir = join(tmp(), "db");
    const first = await startEmbeddedDynamo({ dir });
    rmSync(join(dir, ENDPOINT_FILE));
    // Act
    const second = startEmbeddedDynamo({ dir, waitMs: 20_000 });
    setTimeout(() => void first.close(), 300);
    const opened = await second;
    open.push(opened);
    // Assess
    expect(opened.dir).toBe(dir);
    expect(opened.owned).toBe(true);
  });
});
