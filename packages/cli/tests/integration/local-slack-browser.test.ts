/**
 * The newcomer's tour of the local Slack page, in a real browser: `sst-state serve` with no Slack
 * credentials (the built CLI, a child process, on the generated demo home), Debian's Chromium
 * driven by playwright-core. status → diff → lock (and Release, through its confirm dialog) →
 * diagnose → restore approved by a second person → undo, and a lock taken by another process
 * appearing live. Every message the bot posted must fit Slack's limits. Screenshots are kept in
 * .cache/artifacts/local-slack-*.png.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { DEMO_APPROVERS, DEMO_CHANNEL } from "@sst-state/slack/playground/demo-people";
import { launchChromium, screenshot } from "@sst-state/test-kit/slack/browser";
import { binPath, runBin, tempDir } from "../helpers.ts";

let child: ChildProcess;
let browser: Browser;
let page: Page;
let url = "";
let output = "";
let cwd = "";

beforeAll(async () => {
  // Prepare: an empty folder with the demo policy; serve generates the demo home there
  cwd = tempDir("sst-state-local-slack-");
  writeFileSync(
    join(cwd, "sst-state.json"),
    JSON.stringify({
      app: "acme-shop",
      stages: { prod: { channel: DEMO_CHANNEL.id, approvers: DEMO_APPROVERS }, "*": { channel: DEMO_CHANNEL.id, approvers: DEMO_APPROVERS } },
    }),
  );
  browser = await launchChromium();
  child = spawn(process.execPath, [binPath, "serve", "--port", "0"], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, XDG_CONFIG_HOME: join(cwd, "config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.on("data", (d) => (output += d));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 45_000);
    child.stdout!.on("data", (d) => {
      output += d;
      const m = /Open (http:\/\/\S+\/) to talk to the bot/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.locator("#connection.live").waitFor();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

const T = 60_000;

async function as(person: RegExp) {
  await page.getByRole("radio", { name: person }).click();
  await expect.poll(() => page.getByRole("radio", { name: person }).getAttribute("aria-checked")).toBe("true");
}

async function type(command: string) {
  await page.getByLabel("Message").fill(command);
  await page.getByLabel("Message").press("Enter");
  await expect.poll(() => page.getByLabel("Message").inputValue()).toBe("");
}

/** A message of the bot's that everyone sees, containing `text`. */
function channelMessage(text: string | RegExp): Locator {
  return page.locator('.messages > .message[data-from="bot"]:not(.ephemeral)', { hasText: text }).last();
}

describe("the local Slack page (npm start, no Slack workspace)", () => {
  it("answers /sst-state status with the ack marked as only visible to you, then the status card", async () => {
    // Act
    await as(/Alice Martin/);
    await type("/sst-state status prod");
    // Assess: the "working…" ack is ephemeral, the card is in the channel with the command shown
    await expect.poll(() => page.locator(".message.ephemeral", { hasText: "status" }).count(), { timeout: T }).toBeGreaterThan(0);
    await expect(page.locator(".message.ephemeral .only-you").first().textContent()).resolves.toContain("Only visible to you");
    const card = channelMessage("acme-shop/prod");
    await card.waitFor({ timeout: T });
    await expect(card.locator(".used").textContent()).resolves.toContain("/sst-state status prod");
    await expect(card.locator(".block-header").count()).resolves.toBeGreaterThan(0);
    await expect(card.locator(".fields").count()).resolves.toBeGreaterThan(0);
    await expect(card.textContent()).resolves.toContain("sst unlock --stage prod");
    // mrkdwn: code spans are rendered as code, not as backticks
    await expect(card.locator(".mrkdwn code").count()).resolves.toBeGreaterThan(0);
    await screenshot(page, "local-slack-1-status");
  }, T);

  it("shows the diff between two versions", async () => {
    await type("/sst-state diff prod ~5 latest");
    const diff = channelMessage("acme-shop/prod: diff");
    await diff.waitFor({ timeout: T });
    await expect(diff.textContent()).resolves.toMatch(/\d+ added, \d+ removed, \d+ changed/);
    await screenshot(page, "local-slack-2-diff");
  }, T);

  it("takes a deploy lock, announces it, and releases it with the Release button after its confirm dialog", async () => {
    await type("/sst-state lock staging db migration");
    const announcement = channelMessage("db migration");
    await announcement.waitFor({ timeout: T });
    await expect(announcement.locator(".mention").first().textContent()).resolves.toBe("@alice");
    // Act: Release asks first (Slack's confirm dialog); Cancel sends nothing, Release releases
    await announcement.getByRole("button", { name: "Release" }).click();
    await expect(page.locator("#confirm").getAttribute("open")).resolves.not.toBeNull();
    await expect(page.locator("#confirm-title").textContent()).resolves.toContain("Release staging?");
    await screenshot(page, "local-slack-3-lock-confirm");
    await page.locator("#confirm-ok").click();
    // Assess
    await channelMessage(/released|unlocked/i).waitFor({ timeout: T });
    await screenshot(page, "local-slack-3-lock-released");
  }, T);

  it("runs a diagnosis whose message is updated in place until the report", async () => {
    await type("/sst-state diagnose prod");
    const report = page.locator('.messages > .message[data-from="bot"]:not(.ephemeral)', { hasText: "pending-operations" }).last();
    await report.waitFor({ timeout: T });
    await expect(report.locator(".edited").count()).resolves.toBe(1);
    await expect(report.textContent()).resolves.toContain("stale-lock");
    await screenshot(page, "local-slack-4-diagnose");
  }, T);

  it("restores only after a second person's approval, then undoes it", async () => {
    // Act: Alice asks
    await type("/sst-state restore staging ~1");
    const request = channelMessage("asks to restore");
    await request.waitFor({ timeout: T });
    await expect(request.getByRole("button", { name: "Approve" }).getAttribute("class")).resolves.toBe("primary");
    await expect(request.getByRole("button", { name: "Reject" }).getAttribute("class")).resolves.toBe("danger");
    await screenshot(page, "local-slack-5-restore-request");

    // Carol is not an approver: she is told so, only she sees it, and the request stays open
    await as(/Carol Diaz/);
    await request.getByRole("button", { name: "Approve" }).click();
    await page.locator(".message.ephemeral", { hasText: /not allowed|cannot approve|approvers/i }).last().waitFor({ timeout: T });
    await expect(request.getByRole("button", { name: "Approve" }).count()).resolves.toBe(1);

    // Bob approves: the request is edited in place (no buttons) and the confirmation is posted
    await as(/Bob Chen/);
    await expect(page.locator(".message.ephemeral", { hasText: /not allowed|cannot approve|approvers/i }).count()).resolves.toBe(0);
    await request.getByRole("button", { name: "Approve" }).click();
    const confirmation = channelMessage("restored to");
    await confirmation.waitFor({ timeout: T });
    await expect(confirmation.textContent()).resolves.toContain("sst refresh --stage staging");
    await expect.poll(() => page.locator('.messages > .message[data-from="bot"]', { hasText: "asks to restore" }).first().getByRole("button", { name: "Approve" }).count(), { timeout: T }).toBe(0);
    await screenshot(page, "local-slack-6-restored");

    // Undo: Alice asks to put the previous version back; Bob approves that one too
    await as(/Alice Martin/);
    await confirmation.getByRole("button", { name: "Restore the previous version" }).click();
    const undo = channelMessage("undo of request");
    await undo.waitFor({ timeout: T });
    await as(/Bob Chen/);
    await undo.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.locator('.messages > .message[data-from="bot"]:not(.ephemeral)', { hasText: "restored to" }).count(), { timeout: T }).toBe(2);
    // the requester's notices are direct messages from the bot
    await as(/Alice Martin/);
    await page.locator("#dm").click();
    await expect.poll(() => page.locator(".messages > .message", { hasText: /Your restore of .*staging/ }).count(), { timeout: T }).toBeGreaterThan(0);
    await screenshot(page, "local-slack-7-requester-dm");
    await page.getByRole("button", { name: "# deploys" }).click();
    await screenshot(page, "local-slack-7-undone");
  }, 4 * T);

  it("shows a lock taken by another sst-state process live, without a reload", async () => {
    // Act: a terminal in the same folder takes a lock (the shared embedded store)
    const r = await runBin(["lock", "dev", "--reason", "release 42 from the terminal", "--holder", "ci@runner"], {
      cwd,
      env: { XDG_CONFIG_HOME: join(cwd, "config"), SST_STATE_HOME: "local", SST_STATE_DIR: join(cwd, ".sst-state", "demo") },
      timeoutMs: 40_000,
    });
    expect(r.code, r.stderr).toBe(0);
    // Assess
    await channelMessage("release 42 from the terminal").waitFor({ timeout: T });
    await screenshot(page, "local-slack-8-live-lock");
  }, 2 * T);

  it("every message the bot posted fits Slack's limits", async () => {
    const state = (await (await fetch(new URL("/playground/state", url))).json()) as { violations: unknown[]; messages: { violations?: string[] }[] };
    expect(state.violations).toEqual([]);
    expect(state.messages.filter((m) => m.violations)).toEqual([]);
    await expect(page.locator("#violations").isHidden()).resolves.toBe(true);
  });
});
