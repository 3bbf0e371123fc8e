/**
 * What the stores accept for their table (table-client.ts): a TableClient, or the SDK's own client,
 * which is wrapped here without loading the SDK's commands until the first call.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableClient } from "./table-client.ts";

/** What the stores accept: a TableClient, or the SDK's client (tests, the restore Lambda, CI). */
export type TableClientLike = TableClient | DynamoDBClient;

function isTableClient(c: TableClientLike): c is TableClient {
  return typeof (c as Partial<TableClient>).call === "function" && typeof (c as Partial<TableClient>).where === "function";
}

/**
 * `c` as a TableClient. The SDK's client is wrapped by dynamodb-sdk-table.ts, imported on the first
 * call, so a store built on the embedded store never loads the SDK's DynamoDB client.
 */
export function tableClientOf(c: TableClientLike): TableClient {
  if (isTableClient(c)) return c;
  let wrapped: Promise<TableClient> | undefined;
  const sdk = () => (wrapped ??= import("./dynamodb-sdk-table.ts").then((m) => m.createSdkTableClient(c)));
  return {
    call: async (operation, input) => (await sdk()).call(operation, input),
    where: async () => (await sdk()).where(),
  };
}
