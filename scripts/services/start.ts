/**
 * `npm run services:start`: start Swift (S3) and DynamoDB Local once and leave them running, so
 * repeated `npm test` / `npx vitest run` calls reuse them (found through .cache/services.json).
 * Stop them with `npm run services:stop`.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { runningServices, servicesFile, startServices } from "./running.ts";

const already = await runningServices();
if (already.s3 && already.dynamo) {
  // a second pair would replace the record, and `services:stop` would reach only that one
  console.log(`Already running: S3 (Swift) ${already.s3}, DynamoDB Local ${already.dynamo}. \`npm run services:stop\` stops them.`);
  process.exit(0);
}
const { s3, dynamo: ddb } = await startServices();
mkdirSync(new URL(".", servicesFile), { recursive: true });
writeFileSync(servicesFile, JSON.stringify({ s3: s3.endpoint, dynamo: ddb.endpoint, pid: process.pid, servers: [...s3.pids, ...ddb.pids] }));
console.log(`S3 (Swift) ${s3.endpoint}, DynamoDB Local ${ddb.endpoint}; pid ${process.pid}. Ctrl-C or \`npm run services:stop\` stops them.`);
const stop = async () => {
  await Promise.all([s3.stop(), ddb.stop()]);
  rmSync(servicesFile, { force: true });
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => {}, 1 << 30);
