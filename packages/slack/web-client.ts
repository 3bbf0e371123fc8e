/**
 * The one way the bot builds Slack's WebClient: SLACK_API_URL (tests, a local fake API) is given
 * with or without its trailing slash, and WebClient needs it with one.
 */
import { WebClient, type WebClientOptions } from "@slack/web-api";

export function slackApiBase(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function createWebClient(token: string | undefined, slackApiUrl?: string, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, { ...options, ...(slackApiUrl ? { slackApiUrl: slackApiBase(slackApiUrl) } : {}) });
}
