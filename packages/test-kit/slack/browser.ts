/**
 * Headless Chromium for the local Slack page's browser tests: Debian's `chromium` package driven
 * by playwright-core (which never downloads a browser). A missing browser is a failure with the
 * fix, never a skipped test. `CHROMIUM_PATH` names another binary.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export class ChromiumMissingError extends Error {}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new ChromiumMissingError(
      `Chromium is not installed at ${CHROMIUM_PATH}: the browser tests of the local Slack page need it. ` +
        "Install it with `apt-get install -y chromium` (what .ci/run does), or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  // --no-sandbox: CI and containers run as root, where Chromium's sandbox cannot start
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/** Where screenshots are kept for people to look at (git-ignored). */
export const ARTIFACTS_DIR = join(new URL("../../..", import.meta.url).pathname, ".cache", "artifacts");

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
