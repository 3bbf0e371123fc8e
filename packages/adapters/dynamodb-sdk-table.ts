/**
 * TableClient over the SDK's DynamoDBClient (DynamoDB in AWS, DynamoDB Local): each operation is
 * its SDK command. Loaded by `tableClientOf` (table-client-of.ts) on a store's first call.
 */
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { describeDynamoTarget } from "./dynamodb-client.ts";
import type { TableClient, TableInput, TableOperation, TableOutput } from "./table-client.ts";

const COMMANDS = {
  GetItem: GetItemCommand,
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  DescribeTable: DescribeTableCommand,
  CreateTable: CreateTableCommand,
} as const;

export function createSdkTableClient(client: DynamoDBClient): TableClient {
  return {
    async call<O extends TableOperation>(operation: O, input: TableInput<O>): Promise<TableOutput<O>> {
      const Command = COMMANDS[operation] as unknown as new (input: TableInput<O>) => Parameters<DynamoDBClient["send"]>[0];
      return (await client.send(new Command(input))) as unknown as TableOutput<O>;
    },
    where: () => describeDynamoTarget(client),
  };
}
