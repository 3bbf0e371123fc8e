/**
 * S3's errors as the S3 home, the deploy watch and the home writer need them, in one place (as
 * dynamodb-errors.ts is for the table): predicates for the answers that are results (no such key,
 * a failed precondition, no conditional PUT on this server, a missing version), and `s3Unavailable`
 * for everything else, a StoreUnavailableError whose hint names the bucket, credentials, region and
 * endpoint to check.
 *
 * Errors are told apart by `name` (the SDK's error code; `Code` / `code` on some paths) and the
 * HTTP status, not by class: HEAD answers have no body, so a missing object or bucket arrives as a
 * bare 404 `NotFound`, and OpenStack Swift's s3api answers some cases with other codes (see the
 * predicates).
 */
import { StoreUnavailableError, isSstStateError } from "@sst-state/core/errors";

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}
/** The SDK's error code of `e` ("" when none). */
export const errName = (e: unknown) => (e as SdkError)?.name ?? (e as SdkError)?.Code ?? (e as SdkError)?.code ?? "";
/** The HTTP status of `e`, when it came from a response. */
export const errStatus = (e: unknown) => (e as SdkError)?.$metadata?.httpStatusCode;

const NETWORK = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
  "AbortError",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
]);
const ACCESS = new Set(["AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "CredentialsProviderError", "AllAccessDisabled"]);

/** Refused for the credentials (a name of AWS's access family, or HTTP 403). Also used for SSM. */
export const isAccessError = (e: unknown) => ACCESS.has(errName(e)) || errStatus(e) === 403;

/** Turn an SDK failure into StoreUnavailableError with a hint (domain errors pass through). */
export function s3Unavailable(e: unknown, ctx: { bucket: string; key?: string; op: string; env?: Record<string, string | undefined> }): Error {
  if (isSstStateError(e)) return e;
  const env = ctx.env ?? process.env;
  const name = errName(e);
  const code = (e as SdkError)?.code ?? "";
  const status = errStatus(e);
  const where = ctx.key ? `s3://${ctx.bucket}/${ctx.key}` : `s3://${ctx.bucket}`;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "(AWS_REGION not set)";
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const endpointText = endpoint ? `endpoint ${endpoint} (AWS_ENDPOINT_URL_S3)` : "the default S3 endpoint (set AWS_ENDPOINT_URL_S3 for another)";
  const creds = env.AWS_PROFILE ? `profile ${env.AWS_PROFILE} (AWS_PROFILE)` : env.AWS_ACCESS_KEY_ID ? "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" : "the default credential chain";
  const detail = (e as SdkError)?.message ?? String(e);
  if (isAccessError(e)) {
    return new StoreUnavailableError(
      `Access denied: ${ctx.op} ${where} (${name || status}).`,
      `Check the credentials from ${creds}: they need s3:GetObject, s3:GetObjectVersion, s3:ListBucket and s3:ListBucketVersions (and s3:PutObject for restore) on bucket ${ctx.bucket}, in the account that deployed the app (region ${region}).`,
      e,
    );
  }
  if (name === "NoSuchBucket") {
    return new StoreUnavailableError(
      `Bucket ${ctx.bucket} does not exist (${ctx.op} ${where}).`,
      `Check SST_STATE_BUCKET, or the \`state\` field of SSM /sst/bootstrap in region ${region}, and that the credentials (${creds}) are for the account that deployed the app; endpoint: ${endpointText}.`,
      e,
    );
  }
  if (NETWORK.has(name) || NETWORK.has(code) || /timed? ?out|socket hang up|ECONNREFUSED|ENOTFOUND|getaddrinfo/i.test(detail)) {
    return new StoreUnavailableError(
      `Could not reach S3 to ${ctx.op} ${where}: ${detail}.`,
      `Check the network and ${endpointText}, and the region (${region}); then try again.`,
      e,
    );
  }
  if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
    return new StoreUnavailableError(
      `Bucket ${ctx.bucket} is in another region than ${region} (${name || status}).`,
      `Set AWS_REGION to the bucket's region (the region SST bootstrapped in).`,
      e,
    );
  }
  return new StoreUnavailableError(
    `S3 failed to ${ctx.op} ${where}: ${name || "error"}${status ? ` (HTTP ${status})` : ""}: ${detail}`,
    `Check bucket ${ctx.bucket}, the credentials (${creds}), region ${region} and ${endpointText}; then try again.`,
    e,
  );
}

/** The object (not the bucket) does not exist: GetObject's NoSuchKey, HeadObject's bodiless 404. */
export const isNoSuchKey = (e: unknown) => {
  const n = errName(e);
  return n === "NoSuchKey" || (n === "NotFound" && errStatus(e) === 404);
};

/** A write's target is gone: NoSuchKey, or any 404 that is not about the bucket. */
export const isObjectGone = (e: unknown) => errName(e) === "NoSuchKey" || (errStatus(e) === 404 && errName(e) !== "NoSuchBucket");

/** The bucket does not exist: NoSuchBucket, or HeadBucket's bodiless 404. */
export const isNoSuchBucket = (e: unknown) => errName(e) === "NoSuchBucket" || errName(e) === "NotFound" || errStatus(e) === 404;

/** CreateBucket of a bucket these credentials already own. */
export const isBucketAlreadyOwned = (e: unknown) => errName(e) === "BucketAlreadyOwnedByYou";

/** A conditional write lost (`If-Match` / `If-None-Match`: 412, or 409 for a concurrent conditional write). */
export const isPreconditionFailed = (e: unknown) => {
  const n = errName(e);
  return n === "PreconditionFailed" || n === "ConditionalRequestConflict" || errStatus(e) === 412 || errStatus(e) === 409;
};

/** The server has no conditional PUT (OpenStack Swift answers 501 NotImplemented). */
export const isNotImplemented = (e: unknown) => errName(e) === "NotImplemented" || errStatus(e) === 501;

/** A ranged GET of an empty object (416). */
export const isRangeNotSatisfiable = (e: unknown) => errStatus(e) === 416;

/**
 * GetObject of a version id that does not name a readable version: "delete-marker" (405
 * MethodNotAllowed), "missing" (NoSuchVersion, an id S3 cannot parse: InvalidArgument, or a 404
 * not about the bucket), else null. Swift answers 500 to an id it cannot parse, which is not
 * distinguishable here from a server failure; `serverFailed` lets the caller check the object.
 */
export function missingVersion(e: unknown): "delete-marker" | "missing" | null {
  const n = errName(e);
  const status = errStatus(e);
  if (n === "MethodNotAllowed" || status === 405) return "delete-marker";
  if (n === "NoSuchVersion" || n === "InvalidArgument" || isObjectGone(e)) return "missing";
  return null;
}

/** The server failed (5xx). */
export const serverFailed = (e: unknown) => (errStatus(e) ?? 0) >= 500;
