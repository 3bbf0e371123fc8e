/**
 * `npm run bench -- locks`: deploy-lock latency and contention on DynamoDB Local.
 * - acquire / release latency (p50, p99) next to a bare unconditional PutItem of the same item
 *   size on the same table (the floor: what one write costs on this server);
 * - contention: R rounds of N concurrent acquirers on one stage; every round must have exactly
 *   one winner (double holds must be 0), every loser must be told that winner.
 */
import { DeleteTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createDynamoClient } from "../../packages/adapters/dynamodb-client.ts";
import { createDynamoLockStore } from "../../packages/adapters/dynamodb-lock-store.ts";
import { ensureTable } from "../../packages/adapters/dynamo-table.ts";
import { dynamoCredentials, dynamoDbLocalMissing, startDynamoDbLocal } from "../services/dynamodb-local.ts";

const OPS = 300;
const WARMUP = 100;
const N = 50;
const ROUNDS = 20;

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
function line(name: string, samples: number[], floor?: number[]): void {
  const rel = floor ? `   (×${(pct(samples, 50) / pct(floor, 50)).toFixed(2)} of the PutItem floor at p50)` : "";
  console.log(`${name.padEnd(28)} p50 ${fmt(pct(samples, 50)).padStart(10)}   p99 ${fmt(pct(samples, 99)).padStart(10)}   n=${samples.length}${rel}`);
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

export async function run(): Promise<void> {
  const missing = dynamoDbLocalMissing();
  if (missing) {
    console.log(`skipped: ${missing} Install it with \`npm run services:install\`, then run \`npm run bench -- locks\`.`);
    return;
  }
  const ddb = await startDynamoDbLocal();
  const client = createDynamoClient({ endpoint: ddb.endpoint, env: {}, credentials: dynamoCredentials, requestTimeoutMs: 30_000, maxAttempts: 10 });
  const tableName = "bench-locks";
  try {
    await ensureTable(client, tableName);
    const store = createDynamoLockStore({ client, tableName });
    console.log(`DynamoDB Local at ${ddb.endpoint}; ${OPS} sequential ops after ${WARMUP} warm-up ops`);

    // The four operations are interleaved in one loop so that JVM warm-up and GC of the server
    // fall on all of them alike. Floor: one unconditional PutItem of an item shaped like a lease.
    const floor: number[] = [];
    const acquire: number[] = [];
    const release: number[] = [];
    const contended: number[] = [];
    let now = Date.now();
    for (let i = 0; i < OPS + WARMUP; i++) {
      now += 1000;
      const [tp] = await time(() =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: "LOCK#floor/prod" },
              sk: { S: "LOCK" },
              app: { S: "floor" },
              stage: { S: "prod" },
              holder: { S: "bench@host" },
              reason: { S: "bench" },
              token: { N: String(i) },
              acquiredAt: { S: new Date(now).toISOString() },
              expiresAt: { S: new Date(now + 60_000).toISOString() },
              released: { BOOL: false },
            },
          }),
        ),
      );
      // Acquire (the conditional write that bumps the token), a refused acquire, a release.
      const [ta, a] = await time(() => store.acquire({ app: "bench", stage: "prod", holder: "bench@host", reason: "bench", ttlMs: 60_000 }, now));
      if (!a.acquired) throw new Error("bench: acquire unexpectedly refused");
      const [tc] = await time(() => store.acquire({ app: "bench", stage: "prod", holder: "other@host", reason: "bench", ttlMs: 60_000 }, now));
      const [tr, r] = await time(() => store.release("bench", "prod", a.lock.token, now));
      if (!r.released) throw new Error("bench: release unexpectedly refused");
      if (i >= WARMUP) {
        floor.push(tp);
        acquire.push(ta);
        contended.push(tc);
        release.push(tr);
      }
    }
    line("PutItem (floor)", floor);
    line("acquire (free)", acquire, floor);
    line("acquire (held → holder)", contended, floor);
    line("release", release, floor);

    // Contention: N concurrent acquirers per round.
    let acquisitions = 0;
    let doubleHolds = 0;
    let wrongHolder = 0;
    const roundMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      now += 120_000;
      const [ms, results] = await time(() =>
        Promise.all(Array.from({ length: N }, (_, i) => store.acquire({ app: "bench", stage: "race", holder: `ci-${r}-${i}`, reason: "race", ttlMs: 60_000 }, now))),
      );
      roundMs.push(ms);
      const winners = results.filter((x) => x.acquired);
      acquisitions += winners.length;
      if (winners.length > 1) doubleHolds++;
      const held = await store.get("bench", "race", now);
      for (const x of results) if (!x.acquired && x.lock.token !== held?.token) wrongHolder++;
      if (held) await store.release("bench", "race", held.token, now);
    }
    console.log(
      `contention: ${ROUNDS} rounds × ${N} acquirers → ${acquisitions} acquisitions, ${doubleHolds} double holds (must be 0), ` +
        `${wrongHolder} losers told a wrong holder (must be 0); round p50 ${fmt(pct(roundMs, 50))}, p99 ${fmt(pct(roundMs, 99))}`,
    );
    if (doubleHolds || wrongHolder || acquisitions !== ROUNDS) process.exitCode = 1;
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
  } finally {
    client.destroy();
    await ddb.stop();
  }
}
