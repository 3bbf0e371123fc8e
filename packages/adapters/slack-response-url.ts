/**
 * Answers through a slash command's or an action's `response_url` (valid 30 min, 5 posts): no bot
 * token needed, works in DMs and private channels the bot is not in. Only Slack's own hosts (and
 * the API URL configured for tests) are posted to, so a forged job cannot make the worker call an
 * arbitrary URL.
 */
import type { Responder } from "@sst-state/core/ports";

export class ResponseUrlError extends Error {}

const SLACK_HOOK_ORIGINS = ["https://hooks.slack.com", "https://hooks.slack-gov.com"];

/**
 * `slackApiUrl` (SLACK_API_URL: the fake Slack of tests and the local Slack page) adds its origin
 * to the allowed ones, as `allowOrigins` does for any other.
 */
export function createResponder(opts: { slackApiUrl?: string | undefined; allowOrigins?: string[]; fetch?: typeof fetch; timeoutMs?: number } = {}): Responder {
  const allowed = new Set([...SLACK_HOOK_ORIGINS, ...(opts.slackApiUrl ? [opts.slackApiUrl] : []), ...(opts.allowOrigins ?? [])].map((o) => new URL(o).origin));
  const doFetch = opts.fetch ?? fetch;
  return async (responseUrl, body) => {
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      throw new ResponseUrlError(`response_url is not a URL`);
    }
    if (!allowed.has(url.origin)) throw new ResponseUrlError(`response_url host ${url.origin} is not Slack's`);
    const res = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw new ResponseUrlError(`response_url answered ${res.status} ${text.slice(0, 200)}`);
    }
    await res.body?.cancel().catch(() => {});
  };
}
