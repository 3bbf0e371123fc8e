/**
 * What the user sees when something fails. A domain error (`SstStateError`) and a parse mistake
 * (`CommandError`) say what went wrong and what to do; for an unknown stage or app, the closest
 * existing one is suggested. Anything else is a bug or an outage: the user gets a reference to
 * find it in the logs, never the error's text or a stack trace (they may hold internals).
 */
import { AppNotFoundError, StageNotFoundError, isSstStateError } from "@sst-state/core/errors";
import { inSlackSyntax, suggestClosest, type CommandError } from "@sst-state/core/command";
import { context, fitMessage, section, truncate } from "./limits.ts";
import { code, esc } from "./text.ts";
import type { SlackMessage } from "./types.ts";

export function renderCommandError(error: CommandError): SlackMessage {
  return fitMessage({
    text: error.message,
    blocks: [section(`:warning: ${esc(error.message)}`), context(esc(error.hint))],
  });
}

/** Did-you-mean for an unknown stage or app, from the names the error lists. */
export function closestName(e: unknown): string | undefined {
  if (e instanceof StageNotFoundError) return suggestClosest(e.stage, e.known);
  if (e instanceof AppNotFoundError) return suggestClosest(e.app, e.known);
  return undefined;
}

/**
 * Absolute paths of the server (the home root, a config file, a temp folder) are nobody's business
 * in Slack: each becomes its last part, `…/prod.json`. A path starts at the beginning, after a
 * space, a quote or a bracket (so S3 keys such as `app/shop/prod.json` and URNs stay as they are).
 */
export function hidePaths(text: string): string {
  return text.replace(/(^|[\s"'(\[])(?:[A-Za-z]:)?([\/\\][^\s"'()\[\]\/\\]+){2,}[\/\\]?/g, (m, lead: string) => {
    const parts = m.slice(lead.length).split(/[\/\\]/).filter(Boolean);
    return `${lead}…/${parts[parts.length - 1] ?? ""}`;
  });
}

export function renderError(e: unknown, opts: { reference?: string } = {}): SlackMessage {
  if (isSstStateError(e)) {
    const closest = closestName(e);
    const message = esc(truncate(hidePaths(inSlackSyntax(e.message)), 1500));
    const said = e.slackHint ?? e.hint;
    const hint = [closest ? `Did you mean ${code(closest)}?` : "", said ? esc(truncate(hidePaths(inSlackSyntax(said)), 1500)) : ""].filter(Boolean).join(" ");
    return fitMessage({
      text: hidePaths(e.message),
      blocks: [section(`:warning: ${message}`), ...(hint ? [context(hint)] : [])],
    });
  }
  const ref = opts.reference ? ` (reference ${code(opts.reference)})` : "";
  return fitMessage({
    text: "Something went wrong, check the logs.",
    blocks: [section(`:boom: Something went wrong, check the logs${ref}. Nothing was changed by this request.`)],
  });
}
