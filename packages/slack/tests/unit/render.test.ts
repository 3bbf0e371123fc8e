import { describe, expect, it } from "vitest";
import type { DiffReport, HistoryReport, StatusReport } from "@sst-state/core/report-types";
import { StageNotFoundError, StoreUnavailableError } from "@sst-state/core/errors";
import { parseCommand, VERBS } from "@sst-state/core/command";
import { renderStatus } from "../../render/status.ts";
import { renderHistory } from "../../render/history.ts";
import { renderDiff, diffAsText } from "../../render/diff.ts";
import { renderCommandError, renderError } from "../../render/error.ts";
import { renderHelp } from "../../render/help.ts";
import { fitMessage, limitViolations, LIMITS, truncate, linesToSections } from "../../render/limits.ts";
import type { SlackMessage } from "../../render/types.ts";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const urn = (type: string, name: string, stage = "prod", app = "shop") => `urn:pulumi:${stage}::${app}::${type}::${name}`;

function allText(m: SlackMessage): string {
  return JSON.stringify(m);
}

function status(over: Partial<StatusReport> = {}): StatusReport {
  return {
    app: "shop",
    stage: "prod",
    resources: 42,
    types: { "aws:lambda/function:Function": 5, "aws:s3/bucket:BucketV2": 2 },
    pendingOperations: [],
    updatedAt: new Date(NOW - 3_600_000).toISOString(),
    lock: null,
    lastUpdate: {
      id: "ffff0123456789abcdef0123",
      command: "deploy",
      timeStarted: new Date(NOW - 3_700_000).toISOString(),
      timeCompleted: new Date(NOW - 3_600_000).toISOString(),
      errors: [],
    },
    components: [],
    pulumiVersion: "v3.215.0",
    outputs: {},
    home: "aws",
    location: "s3://sst-state-abc123def456",
    ...over,
  };
}

describe("renderStatus", () => {
  it("shows resources, types, the last update and a free lock", () => {
    // Act
    const m = renderStatus(status(), { now: NOW });
    // Assess
    const text = allText(m);
    expect(limitViolations(m)).toEqual([]);
    expect(m.blocks[0]).toMatchObject({ type: "header", text: { text: "shop/prod: status" } });
    expect(text).toContain("aws:lambda/function:Function");
    expect(text).toContain("ffff0123456789abcdef0123");
    expect(text).toContain(":white_check_mark: completed");
    expect(text).toContain("SST's lock* is free");
    expect(m.text).toContain("no problems seen");
  });

  it("explains a crashed deploy's lock with its age and the sst unlock fix", () => {
    // Prepare
    const r = status({
      lock: { created: new Date(NOW - 2 * 3_600_000).toISOString(), updateID: "aaaa0123456789abcdef0123", command: "deploy", ageSeconds: 7200, updateCompleted: false },
      lastUpdate: { id: "aaaa0123456789abcdef0123", command: "deploy", timeStarted: new Date(NOW - 7_200_000).toISOString(), timeCompleted: null, errors: [] },
      pendingOperations: [{ type: "creating", urn: urn("aws:lambda/function:Function", "Api"), resourceType: "aws:lambda/function:Function" }],
    });
    // Act
    const m = renderStatus(r, { now: NOW });
    // Assess
    const text = allText(m);
    expect(limitViolations(m)).toEqual([]);
    expect(text).toContain("held for 2 h");
    expect(text).toContain("has not completed");
    expect(text).toContain("`sst unlock --stage prod` once no deploy is running");
    expect(text).toContain("pending operation");
    expect(text).toContain("/sst-state diagnose prod");
    expect(m.text).toContain("SST's lock held for 2 h");
  });

  it("says a lock whose update completed was left behind", () => {
    const m = renderStatus(
      status({ lock: { created: new Date(NOW - 600_000).toISOString(), updateID: "ffff0123456789abcdef0123", command: "deploy", ageSeconds: 600, updateCompleted: true } }),
      { now: NOW },
    );
    expect(allText(m)).toContain("that update completed: the lock was left behind");
  });

  it("shows our lease with its holder as a mention, and the free lease when a lock store is configured", () => {
    // Act
    const held = renderStatus(
      status({
        lease: { app: "shop", stage: "prod", holder: "U0ALICE", reason: "migrating <orders> & more", token: 7, acquiredAt: new Date(NOW - 60_000).toISOString(), expiresAt: new Date(NOW + 1_740_000).toISOString() },
      }),
      { now: NOW },
    );
    const free = renderStatus(status({ lease: null }), { now: NOW });
    // Assess
    expect(allText(held)).toContain("<@U0ALICE>");
    expect(allText(held)).toContain("migrating &lt;orders&gt; &amp; more");
    expect(allText(held)).toContain("expires in 29 min");
    expect(allText(free)).toContain("*Deploy lock* free");
  });

  it("keeps a stage with thousands of errors, pending operations and types inside every limit", () => {
    // Prepare
    const many = Array.from({ length: 5000 }, (_, i) => i);
    const r = status({
      types: Object.fromEntries(many.map((i) => [`custom:type/t${i}:T${i}`, i + 1])),
      pendingOperations: many.map((i) => ({ type: "creating", urn: urn("aws:s3/bucket:BucketV2", `B${i}`), resourceType: "aws:s3/bucket:BucketV2" })),
      lastUpdate: { id: "ffff0123456789abcdef0123", command: "deploy", timeStarted: null, timeCompleted: null, errors: many.map((i) => ({ urn: urn("x:y:Z", `R${i}`), message: "x".repeat(5000) })) },
    });
    // Act
    const m = renderStatus(r, { now: NOW });
    // Assess
    expect(limitViolations(m)).toEqual([]);
    expect(allText(m)).toContain("and 4,995 more error");
  });
});

describe("renderHistory", () => {
  const report: HistoryReport = {
    app: "shop",
    stage: "prod",
    versions: [
      { id: "current", kind: "current", time: new Date(NOW - 60_000).toISOString(), isCurrent: true, command: null, completed: null, errors: 0, version: null },
      { id: "ffff0123456789abcdef0123", kind: "snapshot", time: new Date(NOW - 3_600_000).toISOString(), isCurrent: false, command: "deploy", completed: false, errors: 0, version: "4.17.1" },
      { id: "ffff1123456789abcdef0123", kind: "snapshot", time: new Date(NOW - 7_200_000).toISOString(), isCurrent: false, command: "deploy", completed: true, errors: 2, version: "4.17.1" },
    ],
  };

  it("lists every version with its selector, state and SST version", () => {
    // Act
    const m = renderHistory(report, { now: NOW });
    // Assess
    const text = allText(m);
    expect(limitViolations(m)).toEqual([]);
    for (const v of report.versions) expect(text).toContain(v.id);
    expect(text).toContain("not completed");
    expect(text).toContain("2 errors");
    expect(text).toContain("SST 4.17.1");
  });

  it("shows a page of object versions and how to get the next one", () => {
    // Act
    const m = renderHistory(
      { ...report, objectVersions: [{ versionId: "3sL4kqtJlcpXroDTDmJ+rmSp", time: new Date(NOW).toISOString(), size: 20480, isLatest: true, deleteMarker: false }], next: "CURSOR1" },
      { now: NOW, all: true },
    );
    // Assess
    expect(allText(m)).toContain("3sL4kqtJlcpXroDTDmJ+rmSp");
    expect(allText(m)).toContain("20.0 KB");
    expect(allText(m)).toContain("--cursor CURSOR1");
  });

  it("stays inside the limits with 5,000 versions", () => {
    const versions = Array.from({ length: 5000 }, (_, i) => ({ ...report.versions[1]!, id: `${String(i).padStart(12, "0")}abcdef012345` }));
    const m = renderHistory({ ...report, versions }, { now: NOW });
    expect(limitViolations(m)).toEqual([]);
    expect(allText(m)).toContain("--limit 20");
  });
});

describe("renderDiff", () => {
  const small: DiffReport = {
    from: "ffff1123456789abcdef0123",
    to: "ffff0123456789abcdef0123",
    added: [urn("sst:aws:Function$aws:lambda/function:Function", "NewFn")],
    removed: [urn("aws:s3/bucket:BucketV2", "OldBucket")],
    changed: [{ urn: urn("aws:lambda/function:Function", "Api"), paths: ["inputs.environment.FOO", "inputs.environment.SST_KEY"], secrets: ["inputs.environment.SST_KEY"] }],
    unchanged: 40,
  };

  it("groups a small diff as added / removed / changed with paths, in one message", () => {
    // Act
    const { message, file } = renderDiff(small, { app: "shop", stage: "prod" });
    // Assess
    const text = allText(message);
    expect(file).toBeUndefined();
    expect(limitViolations(message)).toEqual([]);
    expect(text).toContain("*Added* (1)");
    expect(text).toContain("NewFn");
    expect(text).toContain("*Removed* (1)");
    expect(text).toContain("*Changed* (1)");
    expect(text).toContain("inputs.environment.FOO");
    expect(text).toMatch(/inputs\.environment\.SST_KEY`? _\(secret changed\)_/);
    expect(message.text).toContain("1 added, 1 removed, 1 changed, 40 unchanged");
  });

  it("says so when two versions are the same", () => {
    const { message } = renderDiff({ from: "a", to: "b", added: [], removed: [], changed: [], unchanged: 9 }, { app: "shop", stage: "prod" });
    expect(allText(message)).toContain("No differences");
  });

  it("summarises a 50,000-resource diff inside every limit and returns the full diff as a file", () => {
    // Prepare
    const n = 50_000;
    const big: DiffReport = {
      from: "previous-id",
      to: "latest-id",
      added: Array.from({ length: n / 2 }, (_, i) => urn("sst:aws:Function$aws:lambda/function:Function", `Fn${i}`)),
      removed: Array.from({ length: n / 4 }, (_, i) => urn("aws:s3/bucket:BucketV2", `Bucket${i}`)),
      changed: Array.from({ length: n / 4 }, (_, i) => ({
        urn: urn("aws:iam/role:Role", `Role${i}`),
        paths: Array.from({ length: 20 }, (_, j) => `inputs.tags.k${j}`),
        secrets: ["inputs.tags.k3"],
      })),
      unchanged: 1,
    };
    // Act
    const { message, file } = renderDiff(big, { app: "shop", stage: "prod" });
    // Assess
    expect(limitViolations(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(allText(message)).toContain("25,000 added");
    expect(allText(message)).toContain("full diff is in the thread");
    expect(file).toBeDefined();
    expect(file!.filename).toMatch(/^diff-shop-prod-.+\.txt$/);
    const lines = file!.content.split("\n");
    expect(lines.filter((l) => l.startsWith("+ ")).length).toBe(n / 2);
    expect(lines.filter((l) => l.startsWith("- ")).length).toBe(n / 4);
    expect(lines.filter((l) => l.startsWith("~ ")).length).toBe(n / 4);
    expect(file!.content).toContain("inputs.tags.k3  (secret changed)");
  });

  it("writes the text file with full URNs", () => {
    expect(diffAsText(small, "shop/prod")).toContain(`+ ${small.added[0]}`);
  });
});

describe("renderError", () => {
  it("shows a domain error's message and hint", () => {
    // Act
    const m = renderError(new StoreUnavailableError("S3 refused ListObjectVersions on sst-state-abc.", "Check the role's s3:ListBucketVersions permission."));
    // Assess
    expect(allText(m)).toContain("S3 refused ListObjectVersions");
    expect(allText(m)).toContain("s3:ListBucketVersions");
  });

  it("suggests the closest stage for an unknown one", () => {
    const m = renderError(new StageNotFoundError("shop", "prdo", ["dev", "prod", "staging"], "s3://b"));
    expect(allText(m)).toContain("Did you mean `prod`?");
    expect(allText(m)).toContain("dev, prod, staging");
  });

  it("hides anything else behind 'something went wrong' with a reference, never the message or stack", () => {
    // Prepare
    const e = new Error("ECONNRESET at internal-host-10.0.0.5:443 secret=abc");
    // Act
    const m = renderError(e, { reference: "ref12345" });
    // Assess
    const text = allText(m);
    expect(text).toContain("Something went wrong, check the logs");
    expect(text).toContain("ref12345");
    expect(text).not.toContain("ECONNRESET");
    expect(text).not.toContain("at ");
    expect(text).not.toContain(e.stack!.split("\n")[1]!.trim());
  });

  it("renders a parse mistake with its hint", () => {
    const r = parseCommand("stauts prod");
    const m = renderCommandError(!r.ok ? r.error : (undefined as never));
    expect(allText(m)).toContain("`stauts` is not a command I know.");
    expect(allText(m)).toContain("/sst-state status prod");
  });
});

describe("renderHelp", () => {
  it("lists every verb with an example", () => {
    // Act
    const m = renderHelp({ defaultApp: "shop" });
    // Assess
    const text = allText(m);
    expect(limitViolations(m)).toEqual([]);
    for (const v of VERBS) expect(text).toContain(`/sst-state ${v}`);
    expect(text).toContain("Example: `/sst-state diff prod ~3 latest`");
    expect(text).toContain("default app: `shop`");
  });
});

describe("limits", () => {
  it("truncates at a line end and closes an open code fence", () => {
    // Act
    const t = truncate("```\n" + "line\n".repeat(1000), 100);
    // Assess
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t.endsWith("```")).toBe(true);
    expect(t.split("```").length - 1).toBe(2);
  });

  it("fits a message that breaks every limit", () => {
    // Prepare
    const raw: SlackMessage = {
      text: "t".repeat(50_000),
      blocks: [
        { type: "header", text: { type: "plain_text", text: "h".repeat(500) } },
        ...Array.from({ length: 200 }, () => ({ type: "section" as const, text: { type: "mrkdwn" as const, text: "s".repeat(9000) } })),
        { type: "context", elements: Array.from({ length: 30 }, () => ({ type: "mrkdwn" as const, text: "c" })) },
      ],
    };
    expect(limitViolations(raw).length).toBeGreaterThan(0);
    // Act
    const m = fitMessage(raw);
    // Assess
    expect(limitViolations(m)).toEqual([]);
    expect(m.blocks.at(-1)).toMatchObject({ type: "context" });
  });

  it("packs lines into sections under the section limit", () => {
    const blocks = linesToSections(Array.from({ length: 1000 }, (_, i) => `line ${i} ${"x".repeat(50)}`));
    expect(blocks.length).toBeGreaterThan(1);
    for (const b of blocks) expect(b.type === "section" && b.text!.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
  });
});
