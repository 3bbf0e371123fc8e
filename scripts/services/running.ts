/**
 * The test services (Swift for S3, DynamoDB Local) as the tests, `npm run services:start` and the
 * history benchmark find or start them.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { startSwift } from "./swift.ts";

export interface Service {
  endpoint: string;
  stop: () => Promise<void>;
  /** the server processes this started (none for a service given by endpoint) */
  pids: number[];
}

/** What `npm run services:start` records: where the services answer, its own pid, and its servers' pids. */
interface ServicesRecord {
  s3?: string;
  dynamo?: string;
  pid?: number;
  servers?: number[];
}

function readRecord(file: URL): ServicesRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ServicesRecord;
  } catch {
    return undefined;
  }
}

/** Where `npm run services:start` records the services it leaves running. */
export const servicesFile = new URL("../../.cache/services.json", import.meta.url);

/**
 * The services recorded in .cache/services.json that answer now. The file outlives its process
 * (a `kill -9`, a reboot): an endpoint that does not answer is left out, so a caller starts its
 * own or says how, instead of failing on a refused connection.
 */
export async function runningServices(file: URL = servicesFile): Promise<{ s3?: string; dynamo?: string }> {
  const found = readRecord(file);
  return found ? answering(found) : {};
}

/** The record's endpoints that answer now. */
async function answering(found: ServicesRecord): Promise<{ s3?: string; dynamo?: string }> {
  const up = async (url?: string) => {
    if (!url) return undefined;
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return url;
    } catch {
      return undefined;
    }
  };
  const [s3, dynamo] = await Promise.all([up(found.s3), up(found.dynamo)]);
  return { ...(s3 ? { s3 } : {}), ...(dynamo ? { dynamo } : {}) };
}

/**
 * Both services: those given by endpoint as they are (nothing to stop), the others started, at
 * once. When one cannot start, the one that did is stopped before the error is thrown: servers
 * left behind by a failed start would run until the machine stops.
 */
export async function startServices(given: { s3?: string; dynamo?: string } = {}): Promise<{ s3: Service; dynamo: Service }> {
  const reuse = (endpoint: string): Service => ({ endpoint, stop: async () => {}, pids: [] });
  const [s3, dynamo] = await Promise.allSettled([given.s3 ? reuse(given.s3) : startSwift(), given.dynamo ? reuse(given.dynamo) : startDynamoDbLocal()]);
  if (s3.status === "fulfilled" && dynamo.status === "fulfilled") return { s3: s3.value, dynamo: dynamo.value };
  await Promise.all([s3, dynamo].map((r) => (r.status === "fulfilled" ? r.value.stop().catch(() => {}) : undefined)));
  const failed = [s3, dynamo].filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
  // both missing on a fresh machine: say both at once, not one per attempt
  throw failed.length === 1 ? failed[0] : new Error(failed.map((e) => (e instanceof Error ? e.message : String(e))).join("\n"));
}

/**
 * `npm run services:stop`: stops the services `npm run services:start` left running. The recorded
 * processes are signalled only while its servers answer: after a reboot a pid may be anyone's.
 * The starter stops its servers itself; when it was killed (kill -9) they live on without it, and
 * are stopped by the pids it recorded (only those: another project's DynamoDB Local is not
 * touched). A record whose servers are gone is removed.
 */
export async function stopServices(file: URL = servicesFile): Promise<string> {
  if (!existsSync(file)) return "not running (no .cache/services.json)";
  const record = readRecord(file) ?? {};
  const running = await answering(record);
  const { pid, servers = [] } = record;
  if ((running.s3 || running.dynamo) && pid) {
    try {
      process.kill(pid, "SIGTERM");
      return `stopped (pid ${pid})`;
    } catch {
      const stopped = servers.filter((server) => {
        try {
          process.kill(server, "SIGTERM");
          return true;
        } catch {
          return false;
        }
      });
      if (!stopped.length) {
        return `servers answer at ${[running.s3, running.dynamo].filter(Boolean).join(", ")} but their starter (pid ${pid}) is gone and recorded no server pids: stop the processes listening there (\`ss -ltnp\` names them).`;
      }
      rmSync(file, { force: true });
      return `stopped the servers (pids ${stopped.join(", ")}) of a starter that is gone (pid ${pid})`;
    }
  }
  rmSync(file, { force: true });
  return "not running (removed the stale .cache/services.json)";
}
