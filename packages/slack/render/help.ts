/** `/sst-state help`: every verb with its usage and an example. */
import { SELECTOR_HELP, VERB_HELP, verbHelp, type Verb } from "@sst-state/core/command";
import { context, fitMessage, header, linesToSections } from "./limits.ts";
import { esc } from "./text.ts";
import type { SlackMessage } from "./types.ts";

export function renderHelp(opts: { prefix?: string; topic?: Verb; defaultApp?: string } = {}): SlackMessage {
  const prefix = opts.prefix ?? "/sst-state";
  const entries = opts.topic ? [verbHelp(opts.topic)] : VERB_HELP;
  const lines = entries.map(
    (h) =>
      `*\`${prefix} ${h.verb} ${esc(h.usage)}\`*\n${esc(h.summary)}. Example: \`${[prefix, h.verb, esc(h.example)].filter(Boolean).join(" ")}\``,
  );
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
