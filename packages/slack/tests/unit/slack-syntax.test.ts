/**
 * Each surface speaks its language (issue "first hour", point 6): a hint written for the terminal
 * reaches Slack naming the slash command, never a CLI-only flag or environment variable.
 */
import { describe, expect, it } from "vitest";
import { inSlackSyntax } from "@sst-state/core/command";
import { AppNotFoundError, StateParseError, UsageError } from "@sst-state/core/errors";
import { renderError } from "../../render/error.ts";
import { renderDiagnosisText } from "@sst-state/core/diagnosis";
import type { DiagnosisReport } from "@sst-state/core/diagnosis/types";

const allText = (m: { text?: string; blocks?: unknown[] }) => `${m.text ?? ""}\n${JSON.stringify(m.blocks ?? [])}`;

describe("inSlackSyntax", () => {
  it("turns a mention of a Slack verb into the slash command", () => {
    expect(inSlackSyntax("Pick one with `sst-state history prod`.")).toBe("Pick one with `/sst-state history prod`.");
    expect(inSlackSyntax("See `sst-state locks`, then `sst-state status prod`.", "/state")).toBe("See `/state locks`, then `/state status prod`.");
  });

  it("leaves CLI-only verbs, other tools and sentences that send the reader to a terminal alone", () => {
    expect(inSlackSyntax("Deploy with `sst-state run prod -- npx sst deploy`.")).toBe("Deploy with `sst-state run prod -- npx sst deploy`.");
    expect(inSlackSyntax("Run `sst unlock --stage prod`.")).toBe("Run `sst unlock --stage prod`.");
    expect(inSlackSyntax("Or run `sst-state diagnose prod` in a terminal. Then `sst-state status prod`.")).toBe(
      "Or run `sst-state diagnose prod` in a terminal. Then `/sst-state status prod`.",
    );
  });
});

describe("errors in Slack name Slack syntax", () => {
  it("an unknown app lists the apps and says how to name one in Slack, without SST_STATE_APP or --state-dir", () => {
    const out = allText(renderError(new AppNotFoundError("shopp", ["shop", "blog"], "/home/srv/.config/sst/state")));
    expect(out).toContain("`&lt;app&gt;/&lt;stage&gt;`");
    expect(out).not.toMatch(/SST_STATE_APP|--state-dir|--home/);
    const none = allText(renderError(new AppNotFoundError("shop", [], "/home/srv/.config/sst/state")));
    expect(none).not.toMatch(/SST_STATE_|--state-dir|--home/);
  });

  it("a usage error with a Slack hint shows it; the terminal keeps its own", () => {
    const e = new UsageError("several apps", "Name one: `--app <app>`, SST_STATE_APP.", "Name one: `<app>/<stage>`.");
    expect(allText(renderError(e))).not.toContain("SST_STATE_APP");
    expect(e.hint).toContain("SST_STATE_APP");
  });

  it("a state error's hint names the slash command", () => {
    const out = allText(renderError(new StateParseError("truncated", "cut off")));
    expect(out).toContain("`/sst-state history &lt;stage&gt;`");
    expect(out).not.toMatch(/`sst-state /);
  });

  it("a diagnosis fix names the slash command in Slack and the CLI in the terminal", () => {
    const report = {
      app: "shop",
      stage: "prod",
      findings: [{ rule: "empty-state", severity: "error", message: "empty", fix: "Restore: `sst-state restore prod previous`." }],
      skipped: [],
    } as unknown as DiagnosisReport;
    expect(renderDiagnosisText(report, { for: "slack" })).toContain("`/sst-state restore prod previous`");
    expect(renderDiagnosisText(report, { for: "terminal" })).toContain("`sst-state restore prod previous`");
  });
});
