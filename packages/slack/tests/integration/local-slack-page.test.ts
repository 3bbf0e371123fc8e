/**
 * The local Slack page in a real browser (Debian's Chromium through playwright-core), against its
 * real backend and local Slack Web API: messages posted through the Web API (as the bot posts
 * them) render as Slack renders Block Kit, text from a message never becomes HTML, and what the
 * page sends to /slack/events is a request Slack would send (checked with Bolt's own signature
 * verification). Screenshots: .cache/artifacts/local-slack-page-*.png.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySlackRequest } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_CHANNEL, DEMO_GROUPS, DEMO_PEOPLE } from "../../playground/demo-people.ts";
import { startPlayground, type Playground } from "../../playground/server.ts";
import { launchChromium, screenshot } from "@sst-state/test-kit/slack/browser";
import { createWebClient } from "@sst-state/adapters/slack-web-api";

interface Received {
  body: string;
  form: URLSearchParams;
}

const CH = DEMO_CHANNEL.id;
const [ALICE, BOB] = DEMO_PEOPLE.map((p) => p.id) as [string, string];
const SRE = DEMO_GROUPS[0]!.id;
let playground: Playground;
let bot: Server;
let pages: Server;
let browser: Browser;
let page: Page;
let web: WebClient;
let url = "";
const received: Received[] = [];

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  playground = await startPlayground();
  // Prepare: a stand-in for the bot's /slack/events that accepts only what Bolt would verify
  bot = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      verifySlackRequest({
        signingSecret: playground.signingSecret,
        body,
        headers: {
          "x-slack-signature": String(req.headers["x-slack-signature"]),
          "x-slack-request-timestamp": Number(req.headers["x-slack-request-timestamp"]),
        },
      });
    } catch {
      res.writeHead(401).end();
      return;
    }
    const form = new URLSearchParams(body);
    received.push({ body, form });
    // a slash command is acked with an ephemeral "working…", as the bot does
    if (form.has("command")) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ response_type: "ephemeral", text: ":hourglass_flowing_sand: working…" }));
    else res.writeHead(200).end();
  });
  playground.setEventsUrl(`${await listen(bot)}/slack/events`);
  pages = createServer((req, res) => {
    if (!playground.handle(req, res)) res.writeHead(404).end();
  });
  url = await listen(pages);
  web = createWebClient(playground.botToken, playground.slackApiUrl, { retryConfig: { retries: 0 } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.locator("#connection.live").waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => pages?.close(r));
  await new Promise((r) => bot?.close(r));
  await playground?.close();
});

beforeEach(async () => {
  received.length = 0;
  await page.getByRole("radio", { name: /Alice Martin/ }).click();
});

const message = (text: string) => page.locator(".messages .message", { hasText: text }).last();

describe("the local Slack page", () => {
  it("renders Block Kit as Slack does, and never turns message text into HTML", async () => {
    // Act: a message with every block the bot uses, and text that tries to inject markup
    await web.chat.postMessage({
      channel: CH,
      text: "render check",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Render check :rocket:", emoji: true } },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text:
              "*bold* _italic_ ~struck~ `a code span` <https://example.com/docs|the docs> <javascript:alert(1)|bad link> " +
              `<@${BOB}> <!subteam^${SRE}> :white_check_mark: &lt;script&gt;window.__pwned = 1&lt;/script&gt; <img src=x onerror=window.__pwned=2>\n\`\`\`line one\n*not bold*\`\`\``,
          },
        },
        { type: "section", fields: [{ type: "mrkdwn", text: "*Field A*\none" }, { type: "mrkdwn", text: "*Field B*\ntwo" }] },
        { type: "divider" },
        { type: "context", elements: [{ type: "mrkdwn", text: "context one" }, { type: "plain_text", text: "context two" }] },
        {
          type: "actions",
          block_id: "render-actions",
          elements: [
            { type: "button", text: { type: "plain_text", text: "Go" }, action_id: "go", value: "go-value", style: "primary" },
            { type: "button", text: { type: "plain_text", text: "Stop" }, action_id: "stop", value: "stop-value", style: "danger" },
          ],
        },
      ],
    });
    const m = message("Render check");
    await m.waitFor();

    // Assess: the stylesheet is served (Slack's sidebar colour), and formatting
    await expect(page.evaluate("getComputedStyle(document.querySelector('.sidebar')).backgroundColor")).resolves.toBe("rgb(63, 14, 64)");
    await expect(m.locator(".block-header").textContent()).resolves.toBe("Render check 🚀");
    await expect(m.locator("b").first().textContent()).resolves.toBe("bold");
    await expect(m.locator("i").first().textContent()).resolves.toBe("italic");
    await expect(m.locator("s").first().textContent()).resolves.toBe("struck");
    await expect(m.locator("code").first().textContent()).resolves.toBe("a code span");
    await expect(m.locator("pre").first().textContent()).resolves.toBe("line one\n*not bold*");
    await expect(m.locator("a").getAttribute("href")).resolves.toBe("https://example.com/docs");
    await expect(m.locator("a").count()).resolves.toBe(1);
    await expect(m.locator(".mention").allTextContents()).resolves.toEqual(["@bob", "@sre"]);
    await expect(m.locator(".fields > *").count()).resolves.toBe(2);
    await expect(m.locator("hr.divider").count()).resolves.toBe(1);
    await expect(m.locator(".context > *").count()).resolves.toBe(2);
    await expect(m.getByRole("button", { name: "Go" }).getAttribute("class")).resolves.toBe("primary");
    await expect(m.getByRole("button", { name: "Stop" }).getAttribute("class")).resolves.toBe("danger");
    // Assess: safety — the markup is shown as text, nothing ran, no element came from the text
    await expect(m.textContent()).resolves.toContain("<script>window.__pwned = 1</script>");
    await expect(m.textContent()).resolves.toContain("✅");
    await expect(m.locator("script, img").count()).resolves.toBe(0);
    await expect(page.evaluate("window.__pwned")).resolves.toBeUndefined();
    await screenshot(page, "local-slack-page-1-blocks");
  });

  it("sends a typed command as a signed slash command, shows the ack as ephemeral and the in-channel answer", async () => {
    // Act
    await page.getByLabel("Message").fill("/sst-state status prod");
    await page.getByLabel("Message").press("Enter");
    await expect.poll(() => received.length).toBe(1);
    // Assess: the form Slack posts, verified by Bolt's check above
    const form = received[0]!.form;
    expect(Object.fromEntries(["command", "text", "user_id", "user_name", "channel_id"].map((k) => [k, form.get(k)]))).toEqual({
      command: "/sst-state",
      text: "status prod",
      user_id: ALICE,
      user_name: "alice",
      channel_id: CH,
    });
    const ack = message("working…");
    await ack.waitFor();
    await expect(ack.getAttribute("class")).resolves.toContain("ephemeral");
    // the bot answers through the response_url it was given
    const answer = await fetch(form.get("response_url")!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "in_channel", text: "prod is fine", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*prod* is fine" } }] }),
    });
    expect(answer.status).toBe(200);
    const posted = message("prod is fine");
    await posted.waitFor();
    await expect(posted.getAttribute("class")).resolves.not.toContain("ephemeral");
    await expect(posted.locator(".used").textContent()).resolves.toBe("alice used /sst-state status prod");
  });

  it("asks a button's confirm dialog first, and sends the click as a signed block_actions payload", async () => {
    // Prepare
    const posted = await web.chat.postMessage({
      channel: CH,
      text: "confirm check",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "Lock held: confirm check" } },
        {
          type: "actions",
          block_id: "lock:1",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "Release" },
              action_id: "lock_release",
              value: "acme-shop/prod:7",
              style: "danger",
              confirm: { title: { type: "plain_text", text: "Release prod?" }, text: { type: "mrkdwn", text: `This breaks the lock of <@${BOB}>.` }, confirm: { type: "plain_text", text: "Release" }, deny: { type: "plain_text", text: "Cancel" } },
            },
          ],
        },
      ],
    });
    const m = message("confirm check");
    await m.waitFor();

    // Act: Cancel sends nothing
    await m.getByRole("button", { name: "Release" }).click();
    await expect(page.locator("#confirm-title").textContent()).resolves.toBe("Release prod?");
    await expect(page.locator("#confirm-text").textContent()).resolves.toBe("This breaks the lock of @bob.");
    await screenshot(page, "local-slack-page-2-confirm");
    await page.locator("#confirm-deny").click();
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual([]);
    // Act: confirm, as Bob
    await page.getByRole("radio", { name: /Bob Chen/ }).click();
    await m.getByRole("button", { name: "Release" }).click();
    await page.locator("#confirm-ok").click();

    // Assess
    await expect.poll(() => received.length).toBe(1);
    const payload = JSON.parse(received[0]!.form.get("payload")!) as Record<string, any>;
    expect(payload.type).toBe("block_actions");
    expect(payload.user.id).toBe(BOB);
    expect(payload.container).toMatchObject({ message_ts: posted.ts, channel_id: CH, is_ephemeral: false });
    expect(payload.message.ts).toBe(posted.ts);
    expect(payload.actions[0]).toMatchObject({ action_id: "lock_release", block_id: "lock:1", value: "acme-shop/prod:7" });
    expect(payload.response_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\//);

    // the action's response_url with replace_original edits the message in place
    await fetch(payload.response_url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ replace_original: true, text: "released", blocks: [{ type: "section", text: { type: "mrkdwn", text: `Released by <@${BOB}>: confirm check` } }] }) });
    await message("Released by").waitFor();
    await expect(page.locator(".messages .message", { hasText: "confirm check" }).count()).resolves.toBe(1);
    await expect(message("Released by").locator(".mention.me").textContent()).resolves.toBe("@bob");
  });

  it("edits a message in place on chat.update, shows thread replies and uploaded files, and ephemerals only to their person", async () => {
    // Act
    const parent = await web.chat.postMessage({ channel: CH, text: "diagnosis queued" });
    await message("diagnosis queued").waitFor();
    await web.chat.update({ channel: CH, ts: parent.ts!, text: "diagnosis done: 2 findings" });
    await web.chat.postMessage({ channel: CH, thread_ts: parent.ts!, text: "a reply in the thread" });
    await web.files.uploadV2({ channel_id: CH, thread_ts: parent.ts!, filename: "diff-prod.txt", title: "Full diff", content: "+ urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Assets\n" });
    await web.chat.postEphemeral({ channel: CH, user: BOB, text: "only for bob" });

    // Assess: edited in place
    const edited = message("diagnosis done");
    await edited.waitFor();
    await expect(page.locator(".messages .message", { hasText: "diagnosis queued" }).count()).resolves.toBe(0);
    await expect(edited.locator(".edited").first().textContent()).resolves.toBe("(edited)");
    // the thread under its parent, with the file as an attachment
    const thread = edited.locator(".thread");
    await thread.locator(".file").waitFor();
    await expect(thread.locator(".thread-label").textContent()).resolves.toBe("2 replies");
    await expect(thread.textContent()).resolves.toContain("a reply in the thread");
    await thread.locator(".file summary").click();
    await expect(thread.locator(".file .file-title").textContent()).resolves.toBe("Full diff");
    await expect(thread.locator(".file pre").textContent()).resolves.toContain("urn:pulumi:prod::shop::aws:s3/bucket:Bucket::Assets");
    // the ephemeral: not for Alice, for Bob marked as such
    await expect(page.locator(".messages .message", { hasText: "only for bob" }).count()).resolves.toBe(0);
    await page.getByRole("radio", { name: /Bob Chen/ }).click();
    await expect(message("only for bob").locator(".only-you").textContent()).resolves.toContain("Only visible to you");
    await screenshot(page, "local-slack-page-3-thread");
  });

  it("refuses a message that breaks Slack's limits, as Slack does, and shows why", async () => {
    // Act: 51 blocks, and a button text over 75 characters
    const blocks = [
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "x".repeat(76) }, action_id: "long", value: "v" }] },
      ...Array.from({ length: 50 }, (_, i) => ({ type: "section", text: { type: "mrkdwn", text: `line ${i}` } })),
    ];
    const error = await web.chat.postMessage({ channel: CH, text: "too big", blocks }).catch((e: { data?: { error?: string } }) => e.data?.error);

    // Assess: Slack's answer, the message marked in the page, the banner
    expect(error).toBe("invalid_blocks");
    const refused = page.locator(".message.refused").last();
    await refused.waitFor();
    await expect(refused.locator(".refusal li").allTextContents()).resolves.toEqual(["51 blocks > 50", "block 0: button text > 75"]);
    await expect(page.locator("#violations").isVisible()).resolves.toBe(true);
    await expect(page.locator("#violations").textContent()).resolves.toContain("51 blocks > 50");
    await screenshot(page, "local-slack-page-4-limits");
  });

  it("refuses requests from other web pages", async () => {
    // Act: a cross-site form post, JSON from another origin, a page on a rebound domain name
    const form = await fetch(`${url}/playground/command`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `user=${ALICE}&channel=${CH}&text=%2Fsst-state+lock+prod+x` });
    const other = await fetch(`${url}/playground/command`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ user: ALICE, channel: CH, text: "/sst-state lock prod x" }),
    });
    // (fetch cannot set Host; node:http can, as a browser does for a rebound name)
    const rebound = await new Promise<{ status: number }>((resolve, reject) =>
      request(`${url}/playground/state`, { headers: { host: "attacker.example" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      })
        .on("error", reject)
        .end(),
    );
    // Assess
    expect([form.status, other.status, rebound.status]).toEqual([415, 403, 403]);
    expect(received).toEqual([]);
  });
});
