/**
 * `@slack/web-api` as the ingress bundle sees it (scripts/ingress-plugins.mjs resolves the package
 * here, for packages/functions/ingress.ts only). The ingress never calls Slack's Web API: its listeners
 * answer in the HTTP response (the ack) and hand the job to the worker, which posts with the real
 * WebClient. Bolt's App still builds a WebClient when it is constructed and one per token on the
 * first request (@slack/bolt 5.1 dist/App.js L127, L39 via WebClientPool), and the real one defines
 * every API method on each instance; with its queue and retry packages it was ~57 KB of the 165 KB
 * bundle and ~12 ms of the cold start to the first ack (target ≤ 150 ms).
 *
 * Bolt's other uses (App.js): `addAppMetadata` (a user-agent note, L981) and `instanceof` checks of
 * three error classes when a listener throws (L776–782). A client here is an object whose every
 * member throws, naming this file: a listener that starts using `client` logs that error through
 * Bolt's error handler, which the ingress bundle's test refuses
 * (packages/functions/tests/ingress-bundle.test.ts), instead of failing at run time.
 */
const NO_CLIENT = "the Slack ingress has no Web API client (packages/functions/ingress-web-api.ts): ack in the response and post from the worker";

export class WebClient {
  constructor(_token?: string, _options?: unknown) {
    return new Proxy(this, {
      get(_target, member) {
        // a thenable check (`await client`) and inspection are not uses
        if (member === "then" || typeof member === "symbol") return undefined;
        throw new Error(`${NO_CLIENT}; it was asked for client.${member}`);
      },
    });
  }
}

export function addAppMetadata(_app: { name: string; version: string }): void {}

export class WebAPIPlatformError extends Error {}
export class WebAPIRateLimitedError extends Error {}
export class WebAPIHTTPError extends Error {}
