/**
 * `history --limit 20` on an S3 home with 1,000 snapshots (`npm run bench -- history`): requests and
 * time on the S3 test server (OpenStack Swift with versioning), next to the same listing that joins
 * every version's update record (what history did before: one GET per deploy), in the same run.
 *
 * On the S3 test server: SST_STATE_TEST_S3_ENDPOINT, or the one `npm run services:start` left
 * running (.cache/services.json), or else one started for this part and stopped after it (Swift,
 * from `npm run services:install`), so the other parts run with no server in the background.
 * Seeding 1,000 deploys (a snapshot and an update record each) takes a minute or so; the bucket is
 * left behind in a server that was already running.
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { S3Client } from "@aws-sdk/client-s3";
import { createS3HomeStore } from "../../packages/adapters/s3-home.ts";
import { writeS3Home } from "../../packages/adapters/home-writer.ts";
import { systemClock } from "../../packages/core/ports.ts";
import { getHistory } from "../../packages/core/queries.ts";
import { generateHome } from "../../packages/core/state/generate-home.ts";
import { runningServices } from "../services/running.ts";
import { startSwift, swiftCredentials, swiftMissing } from "../services/swift.ts";

const DEPLOYS = 1_000;
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(): Promise<void> {
  let url = process.env.SST_STATE_TEST_S3_ENDPOINT ?? (await runningServices()).s3;
  let own: Awaited<ReturnType<typeof startSwift>> | undefined;
  if (!url) {
    const missing = swiftMissing();
    if (missing) {
      console.log(`skipped: no S3 test server is running, and ${missing} Install it with \`npm run services:install\` (or set SST_STATE_TEST_S3_ENDPOINT), then run \`npm run bench -- history\`.`);
      return;
    }
    own = await startSwift();
    url = own.endpoint;
  }
  const client = new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials: swiftCredentials });
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(context.commandName ?? "");
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
  try {
    const bucket = `sst-state-bench-${randomBytes(4).toString("hex")}`;
    const t0 = performance.now();
    const { files } = generateHome({ app: "shop", seed: 3, eventlog: false, stages: [{ name: "prod", resources: 4, deploys: DEPLOYS }] });
    await writeS3Home(client, bucket, files, { concurrency: 16 });
    console.log(`seeded s3://${bucket} on ${url}: ${DEPLOYS} deploys (snapshot + update record each) in ${(performance.now() - t0).toFixed(0)} ms`);
    const store = createS3HomeStore({ bucket, client });
    const deps = { store, clock: systemClock };

    const measure = async (fn: () => Promise<unknown>) => {
      calls.length = 0;
      const t = performance.now();
      await fn();
      const ms = performance.now() - t;
      const byCommand = new Map<string, number>();
      for (const c of calls) byCommand.set(c, (byCommand.get(c) ?? 0) + 1);
      return { ms, requests: calls.length, byCommand };
    };
    const page: Awaited<ReturnType<typeof measure>>[] = [];
    const all: Awaited<ReturnType<typeof measure>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      page.push(await measure(() => getHistory(deps, "shop", "prod", { limit: 20 })));
      // the floor this replaces: every version joined to its record
      all.push(await measure(() => store.listVersions("shop", "prod")));
    }
    const show = (name: string, xs: typeof page) => {
      const detail = [...xs[0]!.byCommand].map(([k, v]) => `${v} ${k.replace(/Command$/, "")}`).join(", ");
      console.log(`${name.padEnd(46)} ${String(xs[0]!.requests).padStart(5)} requests (${detail})  ${median(xs.map((x) => x.ms)).toFixed(0).padStart(6)} ms`);
    };
    show("history --limit 20 (records of the page only)", page);
    show("every version with its record (before)", all);
    const ok = page[0]!.requests <= 30;
    console.log(
      `target: requests proportional to the page (lists + 20 records), ${ok ? "ok" : "MISSED"}; medians of ${RUNS}; ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs`,
    );
  } finally {
    client.destroy();
    await own?.stop();
  }
}
