/** The deploy feed's FeedStore on DynamoDB Local (as in AWS) and on dynalite (the embedded store behind `serve`). */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { dynamoCredentials } from "../../../../scripts/services/dynamodb-local.ts";
import { createDynamoClient } from "../../dynamodb-client.ts";
import { createDynamoFeedStore } from "../../dynamodb-feed-store.ts";
import { ensureTable } from "../../dynamo-table.ts";
import { startEmbeddedDynamo } from "../../embedded-dynamo.ts";
import { feedStoreContract } from "../contract/feed-store.contract.ts";

const local = createDynamoClient({ endpoint: inject("dynamoEndpoint"), env: {}, region: "us-east-1", credentials: dynamoCredentials, maxAttempts: 10 });
const localTable = `feed-${randomBytes(4).toString("hex")}`;
let lite: Awaited<ReturnType<typeof startEmbeddedDynamo>>;

beforeAll(async () => {
  await ensureTable(local, localTable);
  lite = await startEmbeddedDynamo({ dir: join(mkdtempSync(join(tmpdir(), "feed-store-")), "db") });
});
afterAll(async () => {
  local.destroy();
  await lite?.close();
});

feedStoreContract("DynamoDB Local", () => createDynamoFeedStore({ client: local, tableName: localTable }));
feedStoreContract("dynalite (embedded)", () => createDynamoFeedStore({ client: lite.client, tableName: lite.tableName }));
