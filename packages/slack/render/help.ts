/** `/sst-state help`: every verb with its usage and an example, generated from the verb table. */
import { helpOf, SELECTOR_HELP, verbHelp, type Verb } from "@sst-state/core/command";
import { context, fitMessage, header, linesToSections } from "./limits.ts";
import { esc } from "./text.ts";
import type { SlackMessage } from "./types.ts";

export function renderHelp(opts: { prefix?: string; topic?: Verb; defaultApp?: string } = {}): SlackMessage {
  const prefix = opts.prefix ?? "/sst-state";
  const entries = opts.topic ? [verbHelp(opts.topic, "slack")] : helpOf("slack");
  const lines = entries.map((h) => {
    const examples = (opts.topic ? h.examples : h.examples.slice(0, 1)).map((e) => `\`${[prefix, h.verb, esc(e)].filter(Boolean).join(" ")}\``);
    return `*\`${prefix} ${esc(h.usage)}\`*\n${esc(h.summary)}. Example${examples.length > 1 ? "s" : ""}: ${examples.join(", ")}`;
  });
  return fitMessage({
    text: `${prefix}: ${entries.map((h) => h.verb).join(", ")}`,
    blocks: [
      header(opts.topic ? `${prefix} ${opts.topic}` : `${prefix} commands`),
      ...linesToSections(lines),
      context(
        `Target \`<stage>\` or \`<app>/<stage>\`${opts.defaultApp ? ` (default app: \`${esc(opts.defaultApp)}\`)` : ""}. ${SELECTOR_HELP}`,
      ),
    ],
  });
}
