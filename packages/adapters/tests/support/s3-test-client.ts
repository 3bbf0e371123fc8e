/**
 * S3 clients on the test S3 server (Swift, endpoint injected by the global setup), destroyed after
 * the file's tests, and a recorder of every command a client sends (to count requests).
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { afterAll, inject } from "vitest";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";

/** Call at the top of a test file: returns a factory of clients that are destroyed after the file. */
export function s3TestClients(): (extra?: S3ClientConfig) => S3Client {
  const clients: S3Client[] = [];
  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  return (extra = {}) => {
    const c = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", forcePathStyle: true, credentials: swiftCredentials, ...extra });
    clients.push(c);
    return c;
  };
}

/** Records every command the client sends (name + input). */
export function recordCommands(c: S3Client): { command: string; input: Record<string, unknown> }[] {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  c.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: context.commandName ?? "", input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return calls;
}
