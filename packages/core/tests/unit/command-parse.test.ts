import { describe, expect, it } from "vitest";
import { parseCommand, parseSelector, tokenize, normaliseText, type Command, type CommandError } from "../../command/index.ts";

function ok(text: string): Command {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got ${r.error.message}`);
  return r.command;
}
function err(text: string): CommandError {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe("parseCommand: verbs and targets", () => {
  it("reads a stage alone and an app/stage pair", () => {
    // Act
    const plain = ok("status prod");
    const qualified = ok("status shop/prod");
    const viaOption = ok("status prod --app shop");
    // Assess
    expect(plain).toEqual({ verb: "status", target: { stage: "prod" } });
    expect(qualified).toEqual({ verb: "status", target: { app: "shop", stage: "prod" } });
    expect(viaOption).toEqual({ verb: "status", target: { app: "shop", stage: "prod" } });
  });

  it("treats an empty text and --help as help, and help <verb> as a topic", () => {
    expect(ok("")).toEqual({ verb: "help" });
    expect(ok("   ")).toEqual({ verb: "help" });
    expect(ok("--help")).toEqual({ verb: "help" });
    expect(ok("help diff")).toEqual({ verb: "help", topic: "diff" });
  });

  it("is case-insensitive for the verb but keeps the stage as written", () => {
    expect(ok("STATUS Prod")).toEqual({ verb: "status", target: { stage: "Prod" } });
  });

  it("rejects an app given twice with different names", () => {
    // Act
    const e = err("status shop/prod --app other");
    // Assess
    expect(e.code).toBe("bad-target");
    expect(e.message).toContain("shop");
  });

  it("rejects a target with two slashes or odd characters", () => {
    expect(err("status a/b/c").code).toBe("bad-target");
    expect(err("status pr*d").code).toBe("bad-target");
  });
});

describe("parseCommand: selectors and options", () => {
  it("defaults diff to previous → latest and accepts every selector form", () => {
    // Act
    const d0 = ok("diff prod");
    const d1 = ok("diff prod ~3 LATEST");
    const d2 = ok("diff prod FFFF0123456789ABCDEF0123 3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY");
    // Assess
    expect(d0).toEqual({ verb: "diff", target: { stage: "prod" }, from: "previous", to: "latest" });
    expect(d1).toMatchObject({ from: "~3", to: "latest" });
    expect(d2).toMatchObject({ from: "ffff0123456789abcdef0123", to: "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY" });
  });

  it("classifies selectors", () => {
    expect(parseSelector("~0")).toEqual({ kind: "back", n: 0 });
    expect(parseSelector("previous")).toEqual({ kind: "previous" });
    expect(parseSelector("ffff0123456789abcdef0123")).toEqual({ kind: "update", id: "ffff0123456789abcdef0123" });
    expect(parseSelector("null")).toEqual({ kind: "object-version", id: "null" });
    // a legacy history entry's cuid2 (SST ≤ v3.2.47) is no S3 object version id
    expect(parseSelector("ew79h8fx3nf12pokhxq6lmog")).toEqual({ kind: "history", id: "ew79h8fx3nf12pokhxq6lmog" });
    expect(parseSelector("3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")).toMatchObject({ kind: "object-version" });
    expect(parseSelector("~x")).toBeUndefined();
    expect(parseSelector("--all")).toBeUndefined();
  });

  it("rejects a selector that cannot name a version, with the list of forms", () => {
    // Act
    const e = err("diff prod ~two");
    // Assess
    expect(e.code).toBe("bad-selector");
    expect(e.hint).toContain("~N");
  });

  it("reads history options in either --name value or --name=value form", () => {
    expect(ok("history prod --limit 5")).toEqual({ verb: "history", target: { stage: "prod" }, all: false, limit: 5 });
    expect(ok("history prod --all --limit=20 --cursor abc")).toEqual({
      verb: "history",
      target: { stage: "prod" },
      all: true,
      limit: 20,
      cursor: "abc",
    });
  });

  it("rejects a limit that is not a positive count", () => {
    expect(err("history prod --limit 0").code).toBe("bad-option");
    expect(err("history prod --limit lots").code).toBe("bad-option");
    expect(err("history prod --limit").code).toBe("bad-option");
  });

  it("takes a lock reason as free text, as --reason, or quoted; reads the ttl", () => {
    // Act
    const free = ok("lock prod migrating the orders table --ttl 1h");
    const option = ok('lock prod --reason "hotfix 42" --ttl=90s');
    const curly = ok("lock prod --reason \u201Cfixing the router\u201D");
    // Assess
    expect(free).toEqual({ verb: "lock", target: { stage: "prod" }, reason: "migrating the orders table", ttlMs: 3_600_000 });
    expect(option).toEqual({ verb: "lock", target: { stage: "prod" }, reason: "hotfix 42", ttlMs: 90_000 });
    expect(curly).toMatchObject({ reason: "fixing the router" });
  });

  it("turns the em dash that Slack clients type for -- back into an option", () => {
    expect(ok("lock prod \u2014reason deploy \u2014ttl 30m")).toEqual({
      verb: "lock",
      target: { stage: "prod" },
      reason: "deploy",
      ttlMs: 1_800_000,
    });
  });

  it("needs a lock reason and a valid ttl", () => {
    expect(err("lock prod").code).toBe("missing-argument");
    expect(err("lock prod deploy --ttl soon").code).toBe("bad-option");
    expect(err("lock prod deploy --ttl 0m").code).toBe("bad-option");
  });

  it("reads unlock with and without --force, and requires a reason to force", () => {
    expect(ok("unlock prod")).toEqual({ verb: "unlock", target: { stage: "prod" }, force: false });
    expect(ok("unlock prod --force --reason 'CI cancelled'")).toEqual({ verb: "unlock", target: { stage: "prod" }, force: true, reason: "CI cancelled" });
    expect(err("unlock prod --force").code).toBe("missing-argument");
  });

  it("reads locks with an optional app and restore with its version", () => {
    expect(ok("locks")).toEqual({ verb: "locks" });
    expect(ok("locks shop")).toEqual({ verb: "locks", app: "shop" });
    expect(ok("restore shop/prod ~2")).toEqual({ verb: "restore", target: { app: "shop", stage: "prod" }, version: "~2" });
    expect(err("restore prod").code).toBe("missing-argument");
  });

  it("decodes Slack's HTML escaping", () => {
    expect(normaliseText("lock prod a &amp; b &lt;x&gt;")).toBe("lock prod a & b <x>");
    expect(tokenize(`a "b c" 'd e' f`)).toEqual(["a", "b c", "d e", "f"]);
  });
});

describe("parseCommand: mistakes as ready-to-post messages", () => {
  it("suggests the closest verb for a typo", () => {
    // Act
    const e = err("stauts prod");
    // Assess
    expect(e.code).toBe("unknown-verb");
    expect(e.suggestion).toBe("status");
    expect(e.hint).toContain("/sst-state status prod");
  });

  it.each([
    ["an unknown command", "st\u202Eatus prod"],
    ["an unknown option", "status prod --fo\u0000rce"],
    ["a word too many", "status prod \u2066x\u2069"],
    ["a count", "history prod --limit 2\u200F0"],
    ["a version", "diff prod ~\u009B1"],
  ])("quotes %s back without control or text-direction characters", (_what, text) => {
    // Act
    const e = err(text);
    // Assess: each such character is a "?" in what the user reads
    const shown = `${e.message} ${e.hint ?? ""}`;
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(e.message).toContain("?");
  });

  it("keeps the rest of a mistyped command whole in the command it suggests", () => {
    // Act
    const e = err(`stauts prod --reason ${"a".repeat(60)}`);
    // Assess
    expect(e.hint).toContain(`/sst-state status prod --reason ${"a".repeat(60)}`);
  });

  it("suggests `status <stage>` when the first word looks like a stage", () => {
    // Act
    const e = err("production");
    // Assess
    expect(e.code).toBe("unknown-verb");
    expect(e.suggestion).toBeUndefined();
    expect(e.hint).toContain("/sst-state status production");
  });

  it("says which stage is missing, with an example", () => {
    // Act
    const e = err("diff");
    // Assess
    expect(e.code).toBe("missing-stage");
    expect(e.message).toContain("diff");
    expect(e.hint).toContain("/sst-state diff <stage>");
  });

  it("suggests the closest option and names the verb's options", () => {
    // Act
    const typo = err("history prod --limt 3");
    const unknown = err("status prod --verbose");
    // Assess
    expect(typo.code).toBe("unknown-option");
    expect(typo.suggestion).toBe("--limit");
    expect(unknown.hint).toContain("--app");
  });

  it("rejects extra words with the verb's usage", () => {
    // Act
    const e = err("status prod now please");
    // Assess
    expect(e.code).toBe("extra-argument");
    expect(e.hint).toContain("/sst-state status <stage>");
  });

  it("uses the given prefix in messages (the CLI's)", () => {
    const r = parseCommand("diff", { prefix: "sst-state" });
    expect(!r.ok && r.error.hint).toContain("`sst-state diff <stage>");
  });
});
