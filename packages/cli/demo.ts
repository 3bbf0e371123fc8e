/**
 * The embedded default: on a machine with no AWS account and no SST home, `npm start` (and
 * `sst-state demo`) generate a realistic local home under `.sst-state/demo` of the project: app
 * `acme-shop`, stage `prod` with several deploys whose last one was interrupted (pending
 * operations, SST's lock left behind), `staging` whose last deploy recorded an error, and a clean
 * `dev`. Next to it, `.sst-state/demo/sst-state.json`: a policy with a channel and two demo users,
 * so lock → diagnose → restore request → approval → undo can be played on one machine.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ChatMessage, Notifier } from "@sst-state/core/ports";
import type { UpdateRecord } from "@sst-state/core/state/types";
// Every command imports this module (services.ts: demoHint), so what only the demo's own functions
// use (the local home store, state keys, SST's unlock) is loaded inside them, not on everyone's start.

export const DEMO_APP = "acme-shop";
export const DEMO_CHANNEL = "C0DEMODEPLOYS";
/** The people of the demo: Alice asks for a restore, Bob and Carol approve it. A request made from a
 *  terminal names an identity Slack did not verify, so it needs two distinct approvers (the
 *  two-person rule on verified identity, packages/core/restore/service.ts). */
export const DEMO_USERS = ["U0DEMOALICE", "U0DEMOBOB", "U0DEMOCAROL"] as const;
export const DEMO_POLICY_FILE = "sst-state.json";

export const demoPolicy = {
  app: DEMO_APP,
  stages: {
    prod: { channel: DEMO_CHANNEL, approvers: [...DEMO_USERS], requireApproval: true, lockTtl: "30m" },
    "*": { channel: DEMO_CHANNEL, requireApproval: false },
  },
};

export function demoRoot(projectRoot: string): string {
  return join(projectRoot, ".sst-state", "demo");
}

export function demoPolicyPath(projectRoot: string): string {
  return join(demoRoot(projectRoot), DEMO_POLICY_FILE);
}

/** The variables that point every command at the demo, as its first user (paths relative to `from`). */
export function demoEnvLine(projectRoot: string, from = projectRoot): string {
  const rel = (p: string) => relative(from, p) || ".";
  return `export SST_STATE_DIR=$PWD/${rel(demoRoot(projectRoot))} SST_STATE_CONFIG=$PWD/${rel(demoPolicyPath(projectRoot))} SST_STATE_USER=${DEMO_USERS[0]}`;
}

/** For errors that found no state: where the demo home is, when there is one. */
export function demoHint(projectRoot: string): string | undefined {
  if (!existsSync(join(demoRoot(projectRoot), "state", "app", DEMO_APP))) return undefined;
  return `The demo home is in ${demoRoot(projectRoot)} (app ${DEMO_APP}: prod, staging, dev): run \`${demoEnvLine(projectRoot)}\` in ${projectRoot} to use it, or add --state-dir ${demoRoot(projectRoot)} --app ${DEMO_APP}.`;
}

/** true when `source` (a Config's file) is the demo's policy. */
export function isDemoPolicy(source: string | undefined): boolean {
  return !!source && source.endsWith(join(".sst-state", "demo", DEMO_POLICY_FILE));
}

/** Write the demo home if it is not there yet (same seed → same home), and its policy. */
export async function ensureDemoHome(projectRoot: string, now = Date.now()): Promise<{ root: string; created: boolean }> {
  const root = demoRoot(projectRoot);
  let created = false;
  if (!existsSync(join(root, "state", "app", DEMO_APP))) {
    // loaded here, not at the top: every command imports this module (demoHint), only `demo` writes a home
    const [{ generateHome }, { writeLocalHome }] = await Promise.all([import("@sst-state/core/state/generate-home"), import("@sst-state/adapters/home-writer")]);
    const { files } = generateHome({
      app: DEMO_APP,
      seed: 20261122,
      // the last deploys end shortly before now, so ages read naturally
      now: now - 20 * 60_000,
      stages: [
        { name: "prod", resources: 180, deploys: 6, interrupted: true, crashedLock: true },
        { name: "staging", resources: 120, deploys: 4, errors: true },
        { name: "dev", resources: 60, deploys: 3 },
      ],
    });
    await writeLocalHome(root, files);
    // Give each current state the time its deploy wrote it (the file's mtime is what status and
    // history show), as if SST had written it then, not at generation.
    for (const f of files.filter((x) => x.key.startsWith("app/"))) {
      const time = /"time":\s*"([^"]+)"/.exec(typeof f.body === "string" ? f.body : new TextDecoder().decode(f.body))?.[1];
      const ms = time ? Date.parse(time) : NaN;
      if (Number.isFinite(ms)) await utimes(join(root, "state", ...f.key.split("/")), ms / 1000, ms / 1000);
    }
    created = true;
  }
  const policy = demoPolicyPath(projectRoot);
  if (!existsSync(policy)) {
    await mkdir(root, { recursive: true });
    await writeFile(policy, JSON.stringify(demoPolicy, null, 2) + "\n");
  }
  return { root, created };
}

/**
 * What `sst unlock --stage <stage>` does to a home (DESIGN §2; the lock removal is `Unlock` →
 * `removeData(backend, "lock", app, stage)` in sst/sst pkg/project/provider/provider.go, and SST
 * 4.17.1 run on a local home first rewrites the locked update's record: core/repair/unlock.ts
 * `closeAsSstUnlock`, the same code "Unlock SST" uses). Only for the demo home, where no real SST app exists to run `sst unlock`
 * in; on a real app run `sst unlock` itself.
 */
export async function demoSstUnlock(root: string, stage: string, now = Date.now()): Promise<{ updateID: string } | null> {
  const [{ stateKeys }, { closeAsSstUnlock }] = await Promise.all([import("@sst-state/core/state/versions"), import("@sst-state/core/repair/unlock")]);
  const file = (key: string) => join(root, "state", ...key.split("/"));
  const lockFile = file(stateKeys.lock(DEMO_APP, stage));
  let lock: { updateID?: string; command?: string };
  try {
    lock = JSON.parse(await readFile(lockFile, "utf8")) as { updateID?: string; command?: string };
  } catch {
    return null;
  }
  if (lock.updateID) {
    const recordFile = file(stateKeys.update(DEMO_APP, stage, lock.updateID));
    let record: UpdateRecord | null = null;
    try {
      record = JSON.parse(readFileSync(recordFile, "utf8")) as UpdateRecord;
    } catch {
      /* no record: SST writes one all the same */
    }
    await writeFile(recordFile, JSON.stringify(closeAsSstUnlock(record, { updateID: lock.updateID, ...(lock.command ? { command: lock.command } : {}) }, now)));
  }
  await rm(lockFile, { force: true });
  return { updateID: lock.updateID ?? "" };
}

/**
 * The demo's "Slack": with no SLACK_BOT_TOKEN, what would be posted in the demo channel is shown
 * in the terminal instead, so a restore request is seen (and then approved with `demo approve`).
 */
export function createTerminalNotifier(print: (text: string) => void): Notifier {
  let n = 0;
  const show = (what: string, channel: string, m: ChatMessage) => print(`── ${what} ${channel} (demo: no Slack connected, shown here) ──\n${m.text}\n`);
  return {
    async post(channel, message) {
      show("posted in", channel, message);
      return { channel, ts: `${Math.floor(Date.now() / 1000)}.${String(++n).padStart(6, "0")}` };
    },
    async update(channel, _ts, message) {
      show("updated in", channel, message);
    },
    async upload(channel, file) {
      print(`── file ${file.filename} attached in ${channel} (${file.content.length} characters) ──`);
    },
  };
}

/**
 * Where the embedded default should read state: the configured local home when it has an app,
 * else the demo home (created on first use). Returns the root and whether it is the demo.
 */
export async function pickEmbeddedHome(env: NodeJS.ProcessEnv, projectRoot: string): Promise<{ root: string; demo: boolean }> {
  if (env.SST_STATE_HOME === "aws") return { root: "", demo: false };
  try {
    const { createLocalHomeStore, defaultLocalHomeRoot } = await import("@sst-state/adapters/local-home");
    // throws where SST's own root cannot be found (Go's os.UserConfigDir fails): then there is none
    const configured = env.SST_STATE_DIR ?? defaultLocalHomeRoot(env, process.platform);
    const apps = await createLocalHomeStore({ root: configured }).listApps();
    if (apps.length) return { root: configured, demo: false };
  } catch {
    /* no local home at all */
  }
  if (env.SST_STATE_BUCKET || env.AWS_PROFILE || env.AWS_ACCESS_KEY_ID) return { root: "", demo: false };
  const { root } = await ensureDemoHome(projectRoot);
  return { root, demo: true };
}
