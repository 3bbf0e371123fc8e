/**
 * The generated SST home (core/state/generate-home.ts) has SST's exact layout (DESIGN §2), and
 * writeLocalHome puts it under `<root>/state/`.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { generateHome } from "@sst-state/core/state/generate-home";
import { parseCheckpoint } from "@sst-state/core/state/parse";
import { isUpdateId, updateIdTime } from "@sst-state/core/state/update-id";
import type { S3Client } from "@aws-sdk/client-s3";
import { writeLocalHome, writeS3Home } from "../../home-writer.ts";

const text = (b: string | Uint8Array) => (typeof b === "string" ? b : new TextDecoder().decode(b));

describe("generateHome", () => {
  it("writes SST's keys: current, one snapshot/update/eventlog per deploy, secret", () => {
    const { files, stages } = generateHome({ app: "shop", seed: 1, stages: [{ name: "prod", resources: 20, deploys: 3 }] });
    const keys = files.map((f) => f.key).sort();
    const [a, b, c] = stages[0]!.updateIds;
    expect(stages[0]!.updateIds.every(isUpdateId)).toBe(true);
    expect(keys).toEqual(
      [
        "app/shop/prod.json",
        "secret/shop/prod.json",
        ...[a, b, c].flatMap((id) => [`snapshot/shop/prod/${id}.json`, `update/shop/prod/${id}.json`, `eventlog/shop/prod/${id}.json`]),
      ].sort(),
    );
    const current = files.find((f) => f.key === "app/shop/prod.json")!;
    expect(text(current.body)).toBe(text(files.find((f) => f.key === `snapshot/shop/prod/${a}.json`)!.body));
    const record = JSON.parse(text(files.find((f) => f.key === `update/shop/prod/${a}.json`)!.body));
    expect(Object.keys(record).sort()).toEqual(["command", "errors", "id", "runID", "timeCompleted", "timeStarted", "version"]);
    expect(Date.parse(record.timeStarted)).toBe(updateIdTime(a!));
    expect(Date.parse(record.timeCompleted)).toBeGreaterThan(Date.parse(record.timeStarted));
    expect(updateIdTime(a!)).toBeGreaterThan(updateIdTime(b!));
  });

  it("leaves an interrupted deploy: no snapshot, no timeCompleted, pending operations, SST's lock", () => {
    const { files, stages } = generateHome({ app: "shop", seed: 2, stages: [{ name: "prod", resources: 20, deploys: 3, interrupted: true, errors: true }] });
    const s = stages[0]!;
    const last = s.currentUpdateId;
    expect(s.updateIds[0]).toBe(last);
    expect(s.snapshotIds).toEqual(s.updateIds.slice(1));
    expect(files.some((f) => f.key === `snapshot/shop/prod/${last}.json`)).toBe(false);
    const record = JSON.parse(text(files.find((f) => f.key === `update/shop/prod/${last}.json`)!.body));
    expect(record.timeCompleted).toBeUndefined();
    const lock = JSON.parse(text(files.find((f) => f.key === "lock/shop/prod.json")!.body));
    expect(lock).toMatchObject({ updateID: last, command: "deploy", ignore: true });
    expect(Object.keys(lock).sort()).toEqual(["command", "created", "ignore", "runID", "updateID"]);
    const cp = parseCheckpoint(text(files.find((f) => f.key === "app/shop/prod.json")!.body));
    expect(cp.pendingOperations).toHaveLength(1);
    const snapshots = files.filter((f) => f.key.startsWith("snapshot/")).map((f) => text(f.body));
    expect(snapshots).not.toContain(s.current);
    const errored = JSON.parse(text(files.find((f) => f.key === `update/shop/prod/${s.erroredUpdateId}.json`)!.body));
    expect(s.erroredUpdateId).toBe(s.snapshotIds[0]);
    expect(errored.errors[0].message).toContain("already exists");
  });

  it("gzips every body but the secret, and names legacy history files with 20 digits", () => {
    const { files } = generateHome({ app: "old", seed: 3, compress: true, legacyHistory: true, stages: [{ name: "prod", resources: 10, deploys: 4 }] });
    for (const f of files) {
      const gz = f.body instanceof Uint8Array && f.body[0] === 0x1f && f.body[1] === 0x8b;
      expect(gz).toBe(!f.key.startsWith("secret/"));
    }
    const history = files.filter((f) => f.key.startsWith("history/")).map((f) => f.key);
    expect(history).toHaveLength(2);
    // SST ≤ v3.2.47: `%020d` of MaxInt64 − unix seconds, then a cuid2; a summary, no update record or event log
    for (const k of history) expect(k).toMatch(/^history\/old\/prod\/0\d{19}-[a-z][0-9a-z]{23}\.json$/);
    const legacyIds = history.map((k) => /-([0-9a-z]+)\.json$/.exec(k)![1]!);
    expect(files.filter((f) => legacyIds.some((id) => f.key.includes(id))).map((f) => f.key.split("/")[0]).sort()).toEqual(["history", "history", "summary", "summary"]);
    const current = files.find((f) => f.key === "app/old/prod.json")!;
    expect(parseCheckpoint(new Uint8Array(gunzipSync(current.body as Uint8Array))).stack).toBe("organization/old/prod");
  });

  it("is deterministic for the same seed", () => {
    const a = generateHome({ app: "shop", seed: 9, stages: ["prod", "dev"] });
    const b = generateHome({ app: "shop", seed: 9, stages: ["prod", "dev"] });
    const c = generateHome({ app: "shop", seed: 10, stages: ["prod", "dev"] });
    expect(a.files).toEqual(b.files);
    expect(a.stages[0]!.updateIds).not.toEqual(c.stages[0]!.updateIds);
  });
});

describe("writeLocalHome", () => {
  it("writes each key under <root>/state/", async () => {
    const root = await mkdtemp(join(tmpdir(), "sst-state-writer-"));
    const { files } = generateHome({ app: "shop", seed: 4, compress: true, stages: ["prod"] });
    await writeLocalHome(root, files);
    expect((await readdir(join(root, "state"))).sort()).toEqual(["app", "eventlog", "secret", "snapshot", "update"]);
    const onDisk = new Uint8Array(await readFile(join(root, "state", "app", "shop", "prod.json")));
    expect(onDisk).toEqual(files.find((f) => f.key === "app/shop/prod.json")!.body);
    await rm(root, { recursive: true, force: true });
  });
});

describe("writeS3Home", () => {
  /** An S3 client stand-in: records the commands sent; the bucket does not exist yet. */
  function fakeClient(region: string) {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      config: { region: async () => region },
      send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: cmd.constructor.name, input: cmd.input });
        if (cmd.constructor.name === "HeadBucketCommand") throw Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
        return {};
      },
    };
    return { client: client as unknown as S3Client, sent };
  }

  it("creates the bucket in the client's region outside us-east-1", async () => {
    // Prepare
    const { client, sent } = fakeClient("eu-west-1");
    // Act
    await writeS3Home(client, "sst-state-abcdefabcdef", [{ key: "app/shop/prod.json", body: "{}" }]);
    // Assess
    const create = sent.find((c) => c.name === "CreateBucketCommand")!;
    expect(create.input).toMatchObject({ Bucket: "sst-state-abcdefabcdef", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } });
    expect(sent.map((c) => c.name)).toEqual(["HeadBucketCommand", "CreateBucketCommand", "PutBucketVersioningCommand", "PutObjectCommand"]);
  });

  it("sends no location constraint in us-east-1", async () => {
    const { client, sent } = fakeClient("us-east-1");
    await writeS3Home(client, "sst-state-abcdefabcdef", []);
    expect(sent.find((c) => c.name === "CreateBucketCommand")!.input.CreateBucketConfiguration).toBeUndefined();
  });
});
