/**
 * IdempotencyStore over the single table (packages/adapters/dynamo-table.ts): one item per key,
 * `pk=SEEN#<key> sk=SEEN`, with the table's `ttl` (epoch seconds) so DynamoDB sweeps it later.
 *
 * A claim is ONE conditional PutItem: it succeeds when there is no item, or when the item's claim
 * has expired but the TTL sweeper (which runs up to days late) has not removed it yet. Exactly one
 * of several concurrent claims of a key wins.
 */
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isConditionFailed } from "./dynamodb-errors.ts";
import { StoreUnavailableError } from "@sst-state/core/errors";
import type { IdempotencyStore } from "@sst-state/core/ports";

export const SEEN_PK_PREFIX = "SEEN#";
export const SEEN_SK = "SEEN";

export interface DynamoIdempotencyStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => number;
}

export function createDynamoIdempotencyStore(opts: DynamoIdempotencyStoreOptions): IdempotencyStore {
  const now = opts.now ?? Date.now;
  return {
    async claim(key, ttlMs) {
      const t = now();
      const nowSec = Math.floor(t / 1000);
      const ttl = Math.ceil((t + ttlMs) / 1000);
      try {
        await opts.client.send(
          new PutItemCommand({
            TableName: opts.tableName,
            Item: {
              pk: { S: SEEN_PK_PREFIX + key },
              sk: { S: SEEN_SK },
              ttl: { N: String(ttl) },
              claimedAt: { S: new Date(t).toISOString() },
            },
            ConditionExpression: "attribute_not_exists(pk) OR #ttl < :now",
            ExpressionAttributeNames: { "#ttl": "ttl" },
            ExpressionAttributeValues: { ":now": { N: String(nowSec) } },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailed(e)) return false;
        throw new StoreUnavailableError(
          `DynamoDB table ${opts.tableName} could not record the Slack request (${(e as { name?: string })?.name ?? "Error"}).`,
          "Check SST_STATE_TABLE, AWS_REGION / AWS_ENDPOINT_URL_DYNAMODB and that the worker may dynamodb:PutItem on the table.",
          e,
        );
      }
    },
  };
}
