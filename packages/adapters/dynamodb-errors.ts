/**
 * DynamoDB's errors as the stores need them, in one place: a failed ConditionExpression is a result
 * (someone else got there first: contention is data), everything else becomes a StoreUnavailableError
 * that names the table and says what to check: `toStoreError` classifies (missing table,
 * throttling, access, unreachable, region) for every store of the table (through table-client.ts
 * `callTable`): the lock store, whose failures reach CLI users and CI jobs, and the bot's other
 * stores, each naming the call that failed and where the table is.
 * Errors are told apart by `name` (DynamoDB's error code), never by class: the SDK's exceptions
 * set it, so do the embedded store's JSON client (dynamodb-json-client.ts) and errors that cross a
 * bundle boundary (another copy of the SDK's class).
 */
import { StoreUnavailableError } from "@sst-state/core/errors";

export function isConditionFailed(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

/** CreateTable of a table that exists already (or is being created). */
export function isTableInUse(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "ResourceInUseException";
}

/** A table (or item collection) that does not exist: DescribeTable of a table not created yet. */
export function isResourceNotFound(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "ResourceNotFoundException";
}

/**
 * A failed call (of either carrier, table-client.ts) → StoreUnavailableError whose hint says what
 * to do; `op` is the API call (GetItem…) when the caller names it, `target` where the table is
 * (`TableClient.where()`).
 */
export function toStoreError(e: unknown, op: string | undefined, tableName: string, target = "DynamoDB"): StoreUnavailableError {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const call = op ?? "a request";
  const name = err?.name ?? "";
  const code = err?.code ?? "";
  const msg = err?.message ?? String(e);
  if (name === "ResourceNotFoundException") {
    return new StoreUnavailableError(
      `The table "${tableName}" does not exist in ${target}.`,
      "Check SST_STATE_TABLE (and AWS_REGION / the AWS account it points at); unset it to use the embedded store under .sst-state/.",
      e,
    );
  }
  if (["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"].includes(name)) {
    return new StoreUnavailableError(
      `${target} throttled ${call} on table "${tableName}" (${name}).`,
      "Try again in a few seconds; if it persists, check the table's capacity mode (on-demand is recommended) and account limits.",
      e,
    );
  }
  if (
    ["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "MissingAuthenticationTokenException"].includes(name) ||
    name === "CredentialsProviderError" ||
    err?.$metadata?.httpStatusCode === 403
  ) {
    return new StoreUnavailableError(
      `${target} refused ${call} on table "${tableName}": ${msg}`,
      `Check the AWS credentials (AWS_PROFILE / AWS_ACCESS_KEY_ID, or the role) and that they may read and write "${tableName}"${op ? ` (dynamodb:${op} was refused)` : ""}.`,
      e,
    );
  }
  if (
    name === "TimeoutError" ||
    name === "RequestTimeout" ||
    name === "AbortError" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"].includes(code) ||
    /timed? ?out|ECONNREFUSED|socket hang up/i.test(msg)
  ) {
    return new StoreUnavailableError(
      `Could not reach ${target} for ${call} on table "${tableName}" (${name || code}: ${msg}).`,
      "Check the network, AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB; unset SST_STATE_TABLE to use the embedded store.",
      e,
    );
  }
  if (name === "ValidationException" && /region/i.test(msg)) {
    return new StoreUnavailableError(`${target}: ${msg}`, "Set AWS_REGION to the region of the table.", e);
  }
  if (/Region is missing/i.test(msg)) {
    return new StoreUnavailableError(`No AWS region is set for the table "${tableName}".`, "Set AWS_REGION (or AWS_DEFAULT_REGION).", e);
  }
  return new StoreUnavailableError(`${target} failed ${call} on table "${tableName}": ${name ? `${name}: ` : ""}${msg}`, "Try again; if it persists, check SST_STATE_TABLE and the AWS credentials.", e);
}
