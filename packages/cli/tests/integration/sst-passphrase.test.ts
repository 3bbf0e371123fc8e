/**
 * The fix `passphrase-in-git` gives (core/diagnosis/rules/passphrase-in-git.ts), checked against
 * SST 4.17.1 itself (the project's `sst` binary, offline, on a local home): SST takes the stage's
 * passphrase from SST_PASSPHRASE only when its home has no passphrase file — which is the home
 * `run --git` gives a deploy when the repository no longer keeps the file — and writes it there;
 * with a file in the home, SST_PASSPHRASE is ignored.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runSst } from "@sst-state/test-kit/sst-cli";

vi.setConfig({ testTimeout: 120_000 });

const APP = "shop";
let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "sst-state-passphrase-"));
  root = join(base, "sst");
  await mkdir(join(root, "state"), { recursive: true });
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** a passphrase as SST makes one: 32 random bytes, base64 (SST decodes it as base64) */
const newPassphrase = () => randomBytes(32).toString("base64");
const passphraseFile = (stage: string) => join(root, "state", "passphrase", APP, `${stage}.json`);

describe("SST 4.17.1 and SST_PASSPHRASE", () => {
  it("a home without a passphrase file takes SST_PASSPHRASE (and SST writes it into the home)", async () => {
    // Prepare
    const secret = newPassphrase();
    // Act: a command that needs the passphrase (encrypting a secret)
    const run = await runSst(root, APP, ["secret", "set", "Token", "value-1", "--stage", "ci"], { env: { SST_PASSPHRASE: secret } });
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(passphraseFile("ci"), "utf8")).toBe(secret);
  });

  it("a home with a passphrase file ignores SST_PASSPHRASE", async () => {
    // Prepare
    const kept = newPassphrase();
    await mkdir(join(root, "state", "passphrase", APP), { recursive: true });
    await writeFile(passphraseFile("kept"), kept);
    // Act
    const run = await runSst(root, APP, ["secret", "set", "Token", "value-1", "--stage", "kept"], { env: { SST_PASSPHRASE: newPassphrase() } });
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(passphraseFile("kept"), "utf8")).toBe(kept);
  });
});
