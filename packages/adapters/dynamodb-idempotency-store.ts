/**
 * IdempotencyStore over the single table (packages/adapters/dynamo-table.ts): one item per key,
 * `pk=SEEN#<key> sk=SEEN`, with the table's `ttl` (epoch seconds) so DynamoDB sweeps it later.
 *
 * A claim is ONE conditional PutItem: it succeeds when there is no item, or when the item's claim
 * has expired but the TTL sweeper (which runs up to days late) has not removed it yet. Exactly one
 * of several concurrent claims of a key wins.
 */
import type { IdempotencyStore } from "@sst-state/core/ports";
import { isConditionFailed } from "./dynamodb-errors.ts";
import { attributes, callTable } from "./table-client.ts";
import { tableClientOf, type TableClientLike } from "./table-client-of.ts";

const SEEN_PK_PREFIX = "SEEN#";
const SEEN_SK = "SEEN";

export interface DynamoIdempotencyStoreOptions {
  client: TableClientLike;
  tableName: string;
  now?: () => number;
}

export function createDynamoIdempotencyStore(opts: DynamoIdempotencyStoreOptions): IdempotencyStore {
  const client = tableClientOf(opts.client);
  const now = opts.now ?? Date.now;
  return {
    async claim(key, ttlMs) {
      const t = now();
      try {
        await callTable(client, "PutItem", {
          TableName: opts.tableName,
          Item: attributes({ pk: SEEN_PK_PREFIX + key, sk: SEEN_SK, ttl: Math.ceil((t + ttlMs) / 1000), claimedAt: new Date(t).toISOString() }),
          ConditionExpression: "attribute_not_exists(pk) OR #ttl < :now",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: attributes({ ":now": Math.floor(t / 1000) }),
        });
        return true;
      } catch (e) {
        if (isConditionFailed(e)) return false;
        throw e;
      }
    },
  };
}
