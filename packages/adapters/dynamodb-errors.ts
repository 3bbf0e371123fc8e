/**
 * DynamoDB's errors as the stores need them, in one place: a failed ConditionExpression is a result
 * (someone else got there first: contention is data), everything else becomes a StoreUnavailableError
 * that names the table and says what to check. The `name` test covers errors that cross a bundle
 * boundary (another copy of the SDK's class) or come from dynalite.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { StoreUnavailableError } from "@sst-state/core/errors";

export function isConditionFailed(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export function tableUnavailable(tableName: string, e: unknown): StoreUnavailableError {
  const name = (e as { name?: string } | null)?.name ?? "Error";
  return new StoreUnavailableError(
    `DynamoDB table ${tableName} could not be used (${name}: ${(e as Error)?.message ?? String(e)}).`,
    "Check SST_STATE_TABLE, AWS_REGION / AWS_ENDPOINT_URL_DYNAMODB and that these credentials may read and write the table.",
    e,
  );
}
