/**
 * `sst-state repair` through the built CLI (a child process, as a user or CI runs it) over an SST
 * local home, DynamoDB Local (SST_STATE_TABLE) and the fake Slack Web API; approvals run through
 * the restore worker's event handler (packages/functions/restore.ts), as Approve clicks do in AWS.
 * From `diagnose` to a repaired, approved, audited state and one undo, for each holdout-style
 * fault. SST 4.17.1 itself (the real binary, offline) reads the repaired state back with
 * `sst state export`, and `sst unlock` on a copy of the same home is compared with "Unlock SST".
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { checkIntegrity } from "@sst-state/core/diagnosis/integrity";
import { FORCE_UNLOCK_MESSAGE } from "@sst-state/core/diagnosis";
import { sha256Hex, type RestoreService } from "@sst-state/core/restore";
import { parseCheckpoint } from "@sst-state/core/state";
import { generateHome } from "@sst-state/core/state/generate-home";
import { makeUpdateId } from "@sst-state/core/state/update-id";
import { createDynamoClient } from "@sst-state/adapters/dynamodb-client";
import { ensureTable } from "@sst-state/adapters/dynamo-table";
import { writeLocalHome } from "@sst-state/adapters/home-writer";
import { createLocalHomeStore } from "@sst-state/adapters/local-home";
import { startFakeSlackApi, type FakeSlackApi } from "@sst-state/test-kit/slack/fake-slack-api";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { restoreServiceFromDeps, runRestoreEvent } from "../../../functions/restore.ts";
import { breakOrderAndDependency, nestedResource, type StateDoc } from "@sst-state/test-kit/state-faults";
import { createSstHome, sstAvailable, type SstHome } from "@sst-state/test-kit/sst-cli";
import { restoreCliEnv, runBin, tempDir } from "../helpers.ts";

const TOKEN = "xoxb-cli-repair";
const table = `repair-cli-${Date.now().toString(36)}`;
let ddb: ReturnType<typeof createDynamoClient>;
let slack: FakeSlackApi;
let sst: SstHome;
let cwd: string;
let env: NodeJS.ProcessEnv;
let service: RestoreService;
/** the local home root (holds state/): SST's own folder in the project the real sst binary runs in */
let root: string;

const store = () => createLocalHomeStore({ root });
const appFile = () => join(root, "state", "app", "shop", "prod.json");

beforeAll(async () => {
  ddb = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials });
  await ensureTable(ddb, table);
  slack = await startFakeSlackApi({ token: TOKEN });
  cwd = tempDir("sst-state-repair-cli-");
  writeFileSync(join(cwd, "sst-state.json"), JSON.stringify({ app: "shop", stages: { prod: { channel: "C0PROD", approvers: ["U0BOB", "U0CAROL"] } } }));
  env = restoreCliEnv({ table, dynamoEndpoint: inject("dynamoEndpoint"), slackToken: TOKEN, slackUrl: slack.url });
});

beforeEach(async () => {
  sst = createSstHome("shop");
  root = join(sst.stateDir, "..");
  env.SST_STATE_DIR = root;
  await writeLocalHome(root, generateHome({ app: "shop", seed: 9, now: Date.now() - 4 * 3_600_000, stages: [{ name: "prod", resources: 30, deploys: 3 }] }).files);
  service = await restoreServiceFromDeps({ store: store(), ddb, tableName: table, config: parseConfig(JSON.stringify({ app: "shop", stages: { prod: { approvers: ["U0BOB", "U0CAROL"] } } })) });
});

afterAll(async () => {
  ddb?.destroy();
  await slack?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runBin(argv, { env, cwd, timeoutMs: 60_000 });
/** Edit prod's current state in place, as a hand edit or a broken deploy would. */
function editProd(edit: (doc: StateDoc) => void): Buffer {
  const doc = JSON.parse(readFileSync(appFile(), "utf8")) as StateDoc;
  edit(doc);
  writeFileSync(appFile(), JSON.stringify(doc));
  return readFileSync(appFile());
}
const currentBytes = () => readFileSync(appFile());
/** A request made from a terminal needs two Slack approvers (the two-person rule on verified identity). */
async function approveTwice(id: string) {
  const first = await runRestoreEvent(service, { op: "approve", id, approver: "U0BOB" });
  const second = await runRestoreEvent(service, { op: "approve", id, approver: "U0CAROL" });
  return { first, second };
}

describe("sst-state repair (the built CLI)", () => {
  it("order and dangling references: diagnose → repair request → approved → repaired (SST reads it) → audited → undone", async () => {
    // Prepare
    const broken = editProd((doc) => {
      const { dangling: other } = breakOrderAndDependency(doc.checkpoint.latest.resources, { app: "shop", stage: "prod" });
      other.deletedWith = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::AlsoGone";
    });
    // Act 1: diagnose, then the plan
    const diagnosed = await cli("diagnose", "prod", "--no-probes", "--json");
    const told = await cli("diagnose", "prod", "--no-probes");
    const plan = await cli("repair", "prod", "--plan");
    // Assess 1
    expect(diagnosed.code).toBe(1);
    expect(told.stdout).toMatch(/A repair can fix [a-z, -]*dependency-order[a-z, -]*: `sst-state repair prod --plan` shows it/);
    expect((JSON.parse(diagnosed.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toEqual(expect.arrayContaining(["dependency-order", "dangling-dependency"]));
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Pulumi's integrity rules accept the repaired state/);
    expect(plan.stdout).toContain("why:");
    expect(sha256Hex(currentBytes())).toBe(sha256Hex(broken));

    // Act 2: the request
    const asked = await cli("repair", "prod", "--json");
    const { request } = JSON.parse(asked.stdout) as { request: { id: string; kind: string; repair: { changes: { rule: string }[] } } };
    // Assess 2: posted to the stage's channel with Approve / Reject
    expect(asked.code).toBe(0);
    expect(request.kind).toBe("repair");
    expect(request.repair.changes.map((c) => c.rule)).toEqual(expect.arrayContaining(["dependency-order", "dangling-dependency"]));
    expect(JSON.stringify(slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args.blocks ?? []).includes(request.id))?.args.blocks)).toContain("restore_approve");

    // Act 3: two Slack approvals (asked from a terminal)
    const { first, second } = await approveTwice(request.id);
    // Assess 3: repaired; Pulumi's rules and SST itself accept it; nothing deleted; audited
    expect(first).toMatchObject({ kind: "needs-second-approver" });
    expect(second).toMatchObject({ kind: "restored" });
    expect(checkIntegrity(parseCheckpoint(currentBytes())).refused).toBe(false);
    // SST itself is part of this test: it must be there (node_modules/sst-linux-x64), not skipped
    expect(sstAvailable()).toBe(true);
    const exported = await sst.run(["state", "export", "--stage", "prod"]);
    expect(exported.code).toBe(0);
    expect((JSON.parse(exported.stdout) as { latest: { resources: unknown[] } }).latest.resources).toHaveLength(parseCheckpoint(broken).resources.length);
    const history = JSON.parse((await cli("history", "prod", "--json")).stdout) as { versions: { id: string; command: string | null; isCurrent: boolean; by?: { requester: string; approver: string | null } }[] };
    expect(history.versions[0]).toMatchObject({ command: "sst-state repair", isCurrent: true, by: { requester: "alice@laptop", approver: "U0CAROL" } });
    const audit = JSON.parse((await cli("audit", "prod", "--json")).stdout) as { entries: { action: string; actor: string }[] };
    expect(audit.entries.map((e) => `${e.action}:${e.actor}`)).toEqual(["restore.done:U0CAROL", "restore.approved:U0CAROL", "restore.first-approval:U0BOB", "restore.requested:alice@laptop"]);
    const diagnosedAfter = await cli("diagnose", "prod", "--no-probes", "--json");
    expect((JSON.parse(diagnosedAfter.stdout) as { findings: { severity: string; rule: string }[] }).findings.filter((f) => f.severity === "error")).toEqual([]);

    // Act 4: one undo (a restore of the version the repair replaced, as the output says)
    const done = (await service.get(request.id))!;
    const undo = await cli("restore", "prod", done.result!.previousSelector!, "--json");
    const undoId = (JSON.parse(undo.stdout) as { request: { id: string } }).request.id;
    await approveTwice(undoId);
    // Assess 4
    expect(sha256Hex(currentBytes())).toBe(sha256Hex(broken));
  }, 180_000);

  it("a pending create: without an answer nothing is proposed; --gone removes it after approval", async () => {
    const urn = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Uploads";
    editProd((doc) => void (doc.checkpoint.latest.pending_operations = [{ type: "creating", resource: { urn, type: "aws:s3/bucket:Bucket", custom: true } }]));
    // Act
    const unanswered = await cli("repair", "prod");
    const wrong = await cli("repair", "prod", "--gone", "NotPending");
    const asked = await cli("repair", "prod", "--gone", "Uploads", "--json");
    const { request } = JSON.parse(asked.stdout) as { request: { id: string; repair: { answers: unknown[] } } };
    const { second } = await approveTwice(request.id);
    // Assess
    expect(unanswered.code).toBe(1);
    expect(unanswered.stderr).toMatch(/--exists URN \/ --gone URN/);
    expect(unanswered.stderr).toContain(urn);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not the resource of a pending operation/);
    expect(request.repair.answers).toEqual([{ urn, answer: "gone" }]);
    expect(second).toMatchObject({ kind: "restored" });
    expect(parseCheckpoint(currentBytes()).pendingOperations).toEqual([]);
  }, 120_000);

  it("duplicates and a missing parent: repaired with the choice printed; SST reads the result", async () => {
    let child = "";
    editProd((doc) => {
      const rs = doc.checkpoint.latest.resources;
      const c = nestedResource(rs);
      child = c.urn;
      c.parent = "urn:pulumi:prod::shop::sst:aws:Function::Deleted";
      rs.push(structuredClone(rs.find((r) => r.custom && r.id && r !== c && !r.type.startsWith("pulumi:providers:"))!));
    });
    const plan = await cli("repair", "prod", "--plan");
    const asked = await cli("repair", "prod", "--json");
    const { request } = JSON.parse(asked.stdout) as { request: { id: string } };
    const { second } = await approveTwice(request.id);
    expect(plan.stdout).toMatch(/choice: A resource whose parent is missing is re-parented to the stack/);
    expect(second).toMatchObject({ kind: "restored" });
    const after = parseCheckpoint(currentBytes());
    expect(checkIntegrity(after).refused).toBe(false);
    expect(after.resources.some((r) => r.urn === child)).toBe(true);
    expect(sstAvailable()).toBe(true);
    expect((await sst.run(["state", "export", "--stage", "prod"])).code).toBe(0);
  }, 120_000);

  it("Unlock SST: the stale lock goes and its record is closed as SST 4.17.1's `sst unlock` closes it", async () => {
    // Prepare: a deploy that crashed three hours ago; a copy of the home for the real `sst unlock`
    const started = Date.now() - 3 * 3_600_000;
    const updateID = makeUpdateId(started);
    const lock = { created: new Date(started).toISOString(), updateID, runID: "run-1", command: "deploy", ignore: true };
    const record = { id: updateID, runID: "run-1", version: "4.17.1", command: "deploy", errors: [], timeStarted: lock.created };
    mkdirSync(join(root, "state", "lock", "shop"), { recursive: true });
    writeFileSync(join(root, "state", "lock", "shop", "prod.json"), JSON.stringify(lock));
    writeFileSync(join(root, "state", "update", "shop", "prod", `${updateID}.json`), JSON.stringify(record));
    const twin = createSstHome("shop");
    cpSync(join(root, "state"), twin.stateDir, { recursive: true });
    const stateBefore = sha256Hex(currentBytes());
    // Act
    const diagnosed = await cli("diagnose", "prod", "--no-probes", "--json");
    const asked = await cli("repair", "prod", "--rule", "stale-lock", "--json");
    const { request } = JSON.parse(asked.stdout) as { request: { id: string } };
    const { second } = await approveTwice(request.id);
    // Assess
    expect((JSON.parse(diagnosed.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toContain("stale-lock");
    expect(second).toMatchObject({ kind: "restored", request: { result: { unlocked: updateID } } });
    expect(existsSync(join(root, "state", "lock", "shop", "prod.json"))).toBe(false);
    expect(sha256Hex(currentBytes())).toBe(stateBefore);
    const ours = JSON.parse(readFileSync(join(root, "state", "update", "shop", "prod", `${updateID}.json`), "utf8")) as Record<string, unknown>;
    expect(ours).toMatchObject({ errors: [{ urn: "", message: FORCE_UNLOCK_MESSAGE }], timeStarted: "" });
    // SST itself is part of this test: it must be there (node_modules/sst-linux-x64), not skipped
    expect(sstAvailable()).toBe(true);
    const unlocked = await twin.run(["unlock", "--stage", "prod"]);
    expect(unlocked.code).toBe(0);
    const theirs = JSON.parse(readFileSync(join(twin.stateDir, "update", "shop", "prod", `${updateID}.json`), "utf8")) as Record<string, unknown>;
    const { timeCompleted: a, ...oursRest } = ours;
    const { timeCompleted: b, ...theirsRest } = theirs;
    expect(oursRest).toEqual(theirsRest);
    expect(String(a)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(String(b)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(existsSync(join(twin.stateDir, "lock", "shop", "prod.json"))).toBe(false);
  }, 120_000);
});
