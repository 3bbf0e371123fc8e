/** Every verb of the terminal has its command file, found by its name (main.ts `loadCommand`). */
import { describe, expect, it } from "vitest";
import { verbsOf, type Verb } from "@sst-state/core/command";
import { loadCommand } from "../../main.ts";

describe("loadCommand", () => {
  it("loads commands/<verb>.ts for every CLI verb but help, and each one is that verb's command", async () => {
    // Prepare
    const verbs = verbsOf("cli").filter((v): v is Exclude<Verb, "help"> => v !== "help");
    // Act
    const loaded = await Promise.all(verbs.map(async (verb) => (await loadCommand(verb)).verb));
    // Assess
    expect(verbs.length).toBeGreaterThan(10);
    expect(loaded).toEqual(verbs);
  });
});
