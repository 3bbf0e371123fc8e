import { describe, expect, it } from "vitest";
import { createStyle, forTerminal, table } from "../../output.ts";

describe("forTerminal", () => {
  it("lets the CLI's own colours through on a colour terminal, and escapes every other code and control", () => {
    // Prepare: what the style writes around a reason that carries its own codes
    const style = createStyle(true);
    const line = `${style.red("held")}: ${style.bold("prod")} for 'x\u001b[8mhidden\u001b[28m \u001b]52;c;ZXZpbA==\u0007 \u202Eexe.txt\r'`;
    // Act
    const shown = forTerminal(line, true);
    // Assess
    expect(shown).toBe(`\u001b[31mheld\u001b[39m: \u001b[1mprod\u001b[22m for 'x\\u001b[8mhidden\\u001b[28m \\u001b]52;c;ZXZpbA==\\u0007 \\u202eexe.txt\\u000d'\u001b[22m\u001b[39m`);
  });

  it("ends a coloured write with the style's resets, so a colour planted in a reason does not outlast it", () => {
    // Act
    const shown = forTerminal("reason: go \u001b[31m\u001b[1mred and bold\n", true);
    // Assess: the planted codes are ones the style writes (they pass), and are ended before the newline
    expect(shown).toBe("reason: go \u001b[31m\u001b[1mred and bold\u001b[22m\u001b[39m\n");
    expect(forTerminal("no colour here\n", true)).toBe("no colour here\n");
  });

  it("keeps tab and newline, and escapes the colour codes too when colour is off", () => {
    // Act
    const shown = forTerminal("a\tb\n\u001b[31mred\u001b[39m \u0085", false);
    // Assess
    expect(shown).toBe("a\tb\n\\u001b[31mred\\u001b[39m \\u0085");
  });

  it("leaves JSON the same data: its strings read back as written", () => {
    // Prepare
    const value = { reason: "x\u202Ey\u009b\u001b[2J\u2066" };
    // Act
    const shown = forTerminal(JSON.stringify(value), false);
    // Assess
    expect(JSON.parse(shown)).toEqual(value);
    expect(shown).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it("aligns a table whose cells hold controls, as forTerminal writes them", () => {
    // Prepare
    const bold = createStyle(true).bold;
    const rows = [[bold("STAGE"), "REASON", "SINCE"], ["dev", "a\u202Eb\u001b]0;x\u0007", "now"], ["prod", "plain", "then"]];
    // Act
    const lines = forTerminal(table(rows), true).replace(/\u001b\[\d+m/g, "").split("\n");
    // Assess: the third column starts at the same place on every line
    expect(new Set(lines.map((l) => l.search(/now|then|SINCE/)))).toEqual(new Set([lines[0]!.indexOf("SINCE")]));
  });
});
