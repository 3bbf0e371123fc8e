/**
 * Write a generated SST home (`generateHome` in core/state/generate-home.ts) where SST keeps it:
 * a local home root (`<root>/state/<key>`) or an S3 state bucket (versioned, as SST's is).
 * For tests, benchmarks and demos; restore never goes through here.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { HomeFile } from "@sst-state/core/state/generate-home";
import { mapLimit } from "@sst-state/core/state/versions";
import { isBucketAlreadyOwned, isNoSuchBucket } from "./s3-errors.ts";

/** Writes each file at `<root>/state/<key>` (creating folders). */
export async function writeLocalHome(root: string, files: readonly HomeFile[]): Promise<void> {
  for (const f of files) {
    const path = join(root, "state", ...f.key.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.body);
  }
}

/**
 * PUTs each file into `bucket`, in order (a key written twice keeps both as object versions).
 * Creates the bucket when it does not exist and turns versioning on, like SST's bootstrap.
 */
export async function writeS3Home(client: S3Client, bucket: string, files: readonly HomeFile[], opts: { concurrency?: number } = {}): Promise<void> {
  let exists = true;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (!isNoSuchBucket(e)) throw e;
    exists = false;
  }
  if (!exists) {
    // Outside us-east-1, S3 refuses a CreateBucket without the region as LocationConstraint.
    const region = await client.config.region().catch(() => undefined);
    const location = region && region !== "us-east-1" ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } } : {};
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket, ...location }));
    } catch (e) {
      if (!isBucketAlreadyOwned(e)) throw e;
    }
  }
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  // Keys written more than once keep their order; distinct keys go in parallel.
  const byKey = new Map<string, HomeFile[]>();
  for (const f of files) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  await mapLimit([...byKey.values()], opts.concurrency ?? 8, async (list) => {
    for (const f of list) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: f.key,
          Body: typeof f.body === "string" ? Buffer.from(f.body) : f.body,
          ContentType: "application/json",
        }),
      );
    }
  });
}
