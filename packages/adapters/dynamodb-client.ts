/**
 * The DynamoDB client for the lock / approval / audit table (DESIGN §4 "Configuration"): the
 * standard credential chain and AWS_REGION, `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`)
 * for local servers, and short timeouts so a wrong endpoint fails in seconds with a clear error
 * (the stores turn it into StoreUnavailableError) instead of hanging a CLI run or a Slack reply.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface DynamoClientOptions {
  /** overrides AWS_ENDPOINT_URL_DYNAMODB */
  endpoint?: string;
  env?: Record<string, string | undefined>;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** TCP connect timeout (default 3 s) */
  connectTimeoutMs?: number;
  /** whole-request timeout (default 5 s) */
  requestTimeoutMs?: number;
  /** attempts including the first (default 3; the SDK backs off between them) */
  maxAttempts?: number;
}

export function createDynamoClient(opts: DynamoClientOptions = {}): DynamoDBClient {
  const env = opts.env ?? process.env;
  // Read the endpoint ourselves (the SDK would read process.env only, and `env` may be another map).
  const endpoint = opts.endpoint || env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined;
  // A local endpoint needs some region to sign with; AWS needs the real one.
  const region = opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? "us-east-1" : undefined);
  const credentials =
    opts.credentials ??
    (env !== process.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined);
  return new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs ?? 3_000,
      requestTimeout: opts.requestTimeoutMs ?? 5_000,
      // Without this the SDK only logs a warning when requestTimeout passes, and waits on.
      throwOnRequestTimeout: true,
    },
  });
}

/** Where a client points, for error messages: `DynamoDB at http://127.0.0.1:8000` / `DynamoDB in eu-west-1`. */
export async function describeDynamoTarget(client: DynamoDBClient): Promise<string> {
  try {
    const cfg = client.config as unknown as { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>; region: () => Promise<string> };
    if (cfg.endpoint) {
      const ep = await cfg.endpoint();
      return `DynamoDB at ${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ""}`;
    }
    return `DynamoDB in ${await cfg.region()}`;
  } catch {
    return "DynamoDB";
  }
}
