/**
 * AWS errors from the cloud probes → the reason the report gives for skipping a probe. The SDK
 * has already retried throttling (standard retry mode) by the time an error gets here.
 */
const THROTTLED = new Set(["ThrottlingException", "ThrottledException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"]);
const DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError"]);
const NO_CREDENTIALS = new Set(["CredentialsProviderError", "ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException"]);

/** The resource asked for does not exist (a result for some probes, e.g. a missing KVS key). */
export const isNotFound = (e: unknown) => (e as { name?: string } | null)?.name === "ResourceNotFoundException";

export function probeFailure(e: unknown, ctx: { what: string; permission: string }): string {
  const err = e as { name?: string; Code?: string; message?: string };
  const name = err?.name ?? err?.Code ?? "Error";
  const message = typeof err?.message === "string" ? err.message : String(e);
  if (THROTTLED.has(name)) return `AWS throttled ${ctx.what} (${name}) even after retries; run the diagnosis again later.`;
  if (DENIED.has(name) || /not authorized to perform/i.test(message)) return `access denied to ${ctx.what}: the role needs the IAM permission ${ctx.permission}.`;
  if (NO_CREDENTIALS.has(name) || /Could not load credentials/i.test(message)) return `no usable AWS credentials for ${ctx.what} (${name}).`;
  if (isNotFound(e)) return `${ctx.what}: not found in AWS (${message}).`;
  return `${ctx.what} failed: ${name}: ${message}`;
}
