/**
 * The CLI and the slash command parse through the one verb table: every example in the table,
 * and the phrasings that used to differ between the two, give the same command on both surfaces.
 */
import { describe, expect, it } from "vitest";
import { examplesOf, parseArgv, parseCommand, tokenize, VERB_TABLE, verbsOf, type ParseResult } from "../../command/index.ts";

/** What a shell hands the CLI for these words (quotes removed, quoted words kept together). */
function cli(text: string): ParseResult {
  return parseArgv(tokenize(text), { surface: "cli" });
}
function commandOf(r: ParseResult, text: string) {
  if (!r.ok) throw new Error(`${JSON.stringify(text)} did not parse: ${r.error.message}`);
  return r.command;
}

describe("one grammar for the CLI and Slack", () => {
  const shared = VERB_TABLE.filter((v) => (v.surfaces as readonly string[]).includes("slack"));

  it("every example of every shared verb parses to the same command on both surfaces", () => {
    // Prepare
    const texts = shared.flatMap((v) => examplesOf(v, "slack").map((e) => `${v.verb} ${e}`.trim()));
    expect(texts.length).toBeGreaterThan(shared.length);
    for (const text of texts) {
      // Act
      const fromCli = commandOf(cli(text), text);
      const fromSlack = commandOf(parseCommand(text), text);
      // Assess
      expect(fromSlack, text).toEqual(fromCli);
      expect(fromSlack.verb).toBe(text.split(" ")[0]);
    }
  });

  it("every CLI example parses, CLI-only flags included", () => {
    for (const v of VERB_TABLE) {
      for (const e of examplesOf(v, "cli")) {
        // Act
        const r = cli(`${v.verb} ${e}`);
        // Assess
        expect(r.ok, `${v.verb} ${e}: ${!r.ok ? r.error.message : ""}`).toBe(true);
      }
    }
  });

  it("reads the phrasings that used to work on one surface only the same on both", () => {
    // Prepare
    const cases: [string, object][] = [
      ["diff prod ~3 LATEST", { verb: "diff", target: { stage: "prod" }, from: "~3", to: "latest" }],
      ["unlock prod --force --reason stuck job", { verb: "unlock", target: { stage: "prod" }, force: true, reason: "stuck job" }],
      ["lock prod db migration", { verb: "lock", target: { stage: "prod" }, reason: "db migration" }],
      ["lock prod --reason hotfix --ttl 2h", { verb: "lock", target: { stage: "prod" }, reason: "hotfix", ttlMs: 7_200_000 }],
      ["locks --app shop", { verb: "locks", app: "shop" }],
      ["history prod --limit 5000", { verb: "history", target: { stage: "prod" }, all: false, limit: 5000 }],
    ];
    for (const [text, expected] of cases) {
      // Act
      const fromCli = commandOf(cli(text), text);
      const fromSlack = commandOf(parseCommand(text), text);
      // Assess
      expect(fromCli, text).toEqual(expected);
      expect(fromSlack, text).toEqual(expected);
    }
  });

  it("answers a mistake with the same code and suggestion on both surfaces", () => {
    for (const text of ["stauts prod", "history prod --limt 3", "diff prod ~two", "unlock prod --force", "status prod dev", "lock prod --ttl soon why"]) {
      // Act
      const a = cli(text);
      const b = parseCommand(text);
      // Assess
      expect(a.ok || b.ok, text).toBe(false);
      if (a.ok || b.ok) continue;
      expect(b.error.code, text).toBe(a.error.code);
      expect(b.error.suggestion, text).toBe(a.error.suggestion);
      expect(a.error.hint).not.toContain("/sst-state");
    }
  });

  it("tells Slack that a terminal-only flag belongs to the CLI, and keeps the CLI's verbs out of Slack", () => {
    // Act
    const json = parseCommand("status prod --json");
    const run = parseCommand("run prod -- npx sst deploy");
    const cliJson = cli("status prod --json");
    // Assess
    expect(!json.ok && json.error.message).toContain("terminal");
    expect(!run.ok && run.error.code).toBe("unknown-verb");
    expect(cliJson.ok && cliJson.cliFlags).toEqual({ json: true });
    expect(verbsOf("slack")).not.toContain("run");
  });

  it("hands the words after `--` to run, and asks for them when missing", () => {
    // Act
    const ok = cli("run prod --reason release -- npx sst deploy --stage prod");
    const missing = cli("run prod");
    // Assess
    expect(ok.ok && ok.rest).toEqual(["npx", "sst", "deploy", "--stage", "prod"]);
    expect(ok.ok && ok.command).toEqual({ verb: "run", target: { stage: "prod" }, reason: "release" });
    expect(!missing.ok && missing.error.code).toBe("missing-argument");
  });

  it("answers --help on any verb with that verb's help", () => {
    expect(commandOf(cli("diff --help"), "diff --help")).toEqual({ verb: "help", topic: "diff" });
    expect(commandOf(parseCommand("lock -h"), "lock -h")).toEqual({ verb: "help", topic: "lock" });
  });
});
