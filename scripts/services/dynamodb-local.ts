/**
 * DynamoDB Local (Amazon's jar, 1.25.1), which ships inside the npm package
 * `amplify-dynamodb-simulator@2.9.30`. `scripts/services/install.sh` packs it into
 * `.cache/dynamodb-local/` (no download at test time); it runs in memory on Java 17 with streams,
 * TTL and transactions.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort, waitFor } from "./net.ts";
import { join } from "node:path";

export const dynamoCredentials = { accessKeyId: "local", secretAccessKey: "local" };
const root = new URL("../..", import.meta.url).pathname;
export const dynamoLocalDir = process.env.SST_STATE_DYNAMODB_LOCAL_DIR ?? join(root, ".cache/dynamodb-local/package/emulator");

/** Why DynamoDB Local cannot start here (its jar, or Java, missing); undefined when it can. */
export function dynamoDbLocalMissing(): string | undefined {
  const jar = join(dynamoLocalDir, "DynamoDBLocal.jar");
  if (!existsSync(jar)) return `DynamoDB Local is not installed (${jar} not found).`;
  if (spawnSync("java", ["-version"]).status !== 0) return "Java is not installed; DynamoDB Local needs Java 17 (apt-get install openjdk-17-jre-headless).";
  return undefined;
}

export async function startDynamoDbLocal(): Promise<{ endpoint: string; stop: () => Promise<void>; pids: number[] }> {
  const missing = dynamoDbLocalMissing();
  if (missing) {
    throw new Error(
      `${missing} The DynamoDB integration tests need it.\n` +
        `Install it with: bash scripts/services/install.sh   (npm pack amplify-dynamodb-simulator@2.9.30 into .cache/, needs Java 17)`,
    );
  }
  const port = await freePort();
  const proc = spawn(
    "java",
    ["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-port", String(port)],
    { cwd: dynamoLocalDir, stdio: "ignore" },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${proc.exitCode} before it was ready.`);
      await fetch(endpoint); // any HTTP answer means it is up (it answers 400 to an unsigned GET)
      return true;
    },
    60_000,
    () => {
      proc.kill("SIGKILL");
      return new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s.`);
    },
  );
  return {
    endpoint,
    pids: proc.pid === undefined ? [] : [proc.pid],
    stop: async () => {
      proc.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 100));
      if (proc.exitCode === null) proc.kill("SIGKILL");
    },
  };
}
