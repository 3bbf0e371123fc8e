/**
 * The DynamoDB calls the table's stores make (dynamo-table.ts lists the table), whatever carries
 * them. Two carriers, one interface:
 *
 *   DynamoDB in AWS, DynamoDB Local   the SDK's DynamoDBClient (credential chain, SigV4, retries),
 *                                     wrapped by `tableClientOf` (table-client-of.ts: the wrapper,
 *                                     dynamodb-sdk-table.ts, is loaded on the first call)
 *   the embedded store (dynalite)     JSON over loopback HTTP (dynamodb-json-client.ts), which
 *                                     needs none of that
 *
 * Why two: the SDK client is ~75 ms of a CLI start-up (≈47 ms to load its modules, ≈28 ms of
 * first-request set-up: middleware, endpoint rules, schema serde), and `sst-state locks` or
 * `status` on the embedded store is a ~300 ms process (issue "Performance": start-up ≤ 0.3 s).
 * Both carriers speak DynamoDB's JSON protocol with AttributeValue maps (`{ "S": "…" }`), so the
 * stores marshall and unmarshall themselves (`@aws-sdk/util-dynamodb`) and see the same errors:
 * an Error whose `name` is DynamoDB's error code (ConditionalCheckFailedException, …) with
 * `$metadata.httpStatusCode` (dynamodb-errors.ts classifies by name, never by class).
 */
import type {
  AttributeValue,
  CreateTableCommandInput,
  CreateTableCommandOutput,
  DeleteItemCommandInput,
  DeleteItemCommandOutput,
  DescribeTableCommandInput,
  DescribeTableCommandOutput,
  GetItemCommandInput,
  GetItemCommandOutput,
  PutItemCommandInput,
  PutItemCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  UpdateItemCommandInput,
  UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { isConditionFailed, toStoreError } from "./dynamodb-errors.ts";

/** Each operation's input and output, as the SDK types them (the JSON protocol's shapes). */
interface TableOperations {
  GetItem: [GetItemCommandInput, GetItemCommandOutput];
  PutItem: [PutItemCommandInput, PutItemCommandOutput];
  UpdateItem: [UpdateItemCommandInput, UpdateItemCommandOutput];
  DeleteItem: [DeleteItemCommandInput, DeleteItemCommandOutput];
  Query: [QueryCommandInput, QueryCommandOutput];
  Scan: [ScanCommandInput, ScanCommandOutput];
  DescribeTable: [DescribeTableCommandInput, DescribeTableCommandOutput];
  CreateTable: [CreateTableCommandInput, CreateTableCommandOutput];
}
export type TableOperation = keyof TableOperations;
export type TableInput<O extends TableOperation> = TableOperations[O][0];
/** The output without the SDK's `$metadata` (the JSON carrier has no request metadata to give). */
export type TableOutput<O extends TableOperation> = Omit<TableOperations[O][1], "$metadata">;

export interface TableClient {
  /** One DynamoDB call; rejects with the server's error (name = DynamoDB's error code). */
  call<O extends TableOperation>(operation: O, input: TableInput<O>): Promise<TableOutput<O>>;
  /** Where the table is, for messages: `DynamoDB at http://127.0.0.1:8000`, `DynamoDB in eu-west-1`. */
  where(): Promise<string>;
}

/**
 * One call of a store, the one way the stores call the table: its answer; a failed
 * ConditionExpression as it came (contention is data: the store decides what it means, and the
 * lock store reads the item it carries); any other failure as toStoreError's StoreUnavailableError,
 * which names the call and where the table is (`where()`: "DynamoDB at http://…", "DynamoDB in
 * eu-west-1").
 */
export async function callTable<O extends TableOperation>(client: TableClient, operation: O, input: TableInput<O>): Promise<TableOutput<O>> {
  try {
    return await client.call(operation, input);
  } catch (e) {
    if (isConditionFailed(e)) throw e;
    throw toStoreError(e, operation, input.TableName ?? "", await client.where().catch(() => undefined));
  }
}

/**
 * Every page of a Query or Scan, following LastEvaluatedKey (as the SDK's paginators do), each
 * through callTable; `pageSize` is each request's `Limit`. The caller may stop early (`break`): no
 * further page is read.
 */
export async function* pages<O extends "Query" | "Scan">(client: TableClient, operation: O, input: TableInput<O>, pageSize?: number): AsyncGenerator<TableOutput<O>> {
  let start: TableInput<O>["ExclusiveStartKey"] = input.ExclusiveStartKey;
  for (;;) {
    const page = (await callTable(client, operation, { ...input, ...(pageSize ? { Limit: pageSize } : {}), ...(start ? { ExclusiveStartKey: start } : {}) })) as TableOutput<O>;
    yield page;
    start = page.LastEvaluatedKey;
    if (!start || Object.keys(start).length === 0) return;
  }
}

/** Plain values → AttributeValues, as the SDK's document client writes them (undefined fields left out). */
export function attributes(values: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(values, { removeUndefinedValues: true });
}

/** AttributeValues → plain values (numbers as numbers), as the SDK's document client reads them. */
export function plain(item: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(item);
}
