/**
 * The one DynamoDB table that holds locks, restore requests, the audit log and the bot's claims of
 * Slack deliveries (DESIGN §3, "The table"; every key family is listed here and there):
 *
 *   pk (S)                     sk (S)                     what
 *   LOCK#<app>/<stage>         LOCK                       the stage's lease (dynamodb-lock-store.ts; item and codec: lock-item.ts)
 *   RESTORE#<requestId>        REQUEST                    a restore request and its decision (dynamodb-approval-store.ts)
 *   AUDIT#<app>/<stage>        <ISO time>#<id>            one audit entry (dynamodb-audit-log.ts)
 *   SEEN#<job key>             SEEN                       a claimed Slack delivery, swept by `ttl` (dynamodb-idempotency-store.ts)
 *   FEED#<app>/<stage>         CURSOR                     the deploy feed's newest update id seen (dynamodb-feed-store.ts)
 *   FEED#<app>/<stage>         UPDATE#<updateID>          one deploy's feed message: phase, channel, ts (dynamodb-feed-store.ts)
 *   ANNOUNCED#<app>/<stage>    TOKEN#<token>              where a lease's announcement was posted: channel, ts (dynamodb-announcement-store.ts)
 *
 * `ttl` (N, epoch seconds) is the table's TTL attribute; the stream carries NEW_AND_OLD_IMAGES so
 * the announcer sees every lock change. `infra/storage.ts` declares the same keys.
 */
import { isResourceNotFound, isTableInUse } from "./dynamodb-errors.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

/** The table every store shares: string keys `pk` and `sk`, paid per request. */
export function tableDefinition(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" as const },
      { AttributeName: "sk", AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      { AttributeName: "sk", KeyType: "RANGE" as const },
    ],
    BillingMode: "PAY_PER_REQUEST" as const,
  };
}

/**
 * Create the table if it does not exist (tests, and the embedded store behind `serve`). The table
 * is described first: it exists on every start of an embedded store but the first, and one
 * DescribeTable that succeeds is a cheaper first request than a CreateTable that fails.
 */
export async function ensureTable(tableClient: TableClientLike, tableName: string, opts: { stream?: boolean } = {}): Promise<void> {
  const client = tableClientOf(tableClient);
  try {
    const d = await client.call("DescribeTable", { TableName: tableName });
    if (d.Table?.TableStatus === "ACTIVE") return;
  } catch (e) {
    if (!isResourceNotFound(e)) throw e;
    try {
      await client.call("CreateTable", {
        ...tableDefinition(tableName),
        ...(opts.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } } : {}),
      });
    } catch (e2) {
      // created meanwhile by a racing process
      if (!isTableInUse(e2)) throw e2;
    }
  }
  // DescribeTable every 50 ms until ACTIVE, on purpose, not the SDK's waitUntilTableExists: the
  // waiter waits 20 to 120 s between checks by default (@aws-sdk/client-dynamodb 3.x
  // dist-es/waiters/waitForTableExists.js L27; a smaller minDelay is accepted, @smithy/core
  // dist-es/submodules/client/util-waiter/utils/validate.js L5, but backs off), and a new owner of the
  // embedded store checks the table while racing processes wait for it to publish its endpoint;
  // with the waiter, racing `lock` processes hung (the hostile lock-race test; restored in the
  // commit "Fix: racing lock processes on the embedded store no longer hang"). Do not swap it back.
  for (let i = 0; i < 100; i++) {
    const d = await client.call("DescribeTable", { TableName: tableName });
    if (d.Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
