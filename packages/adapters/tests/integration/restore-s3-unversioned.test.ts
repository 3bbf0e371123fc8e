/**
 * Restore into a state bucket whose versioning is not on (suspended): an overwrite would drop the
 * replaced object, so the store must keep it another way (DESIGN §3 "Restore never deletes history").
 */
import { PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@sst-state/core/config";
import { createLocker } from "@sst-state/core/lock";
import { createMemoryApprovalStore } from "@sst-state/test-kit/memory/approval-store";
import { createMemoryAuditLog } from "@sst-state/test-kit/memory/audit-log";
import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import { createRestoreService, createStaticUserGroupResolver, sha256Hex } from "@sst-state/core/restore";
import { createTestClock } from "@sst-state/test-kit/restore";
import { generateHome } from "@sst-state/core/state/generate-home";
import { resolveVersion, stateKeys } from "@sst-state/core/state/versions";
import { swiftCredentials } from "../../../../scripts/services/swift.ts";
import { writeS3Home } from "../../home-writer.ts";
import { createS3HomeStore } from "../../s3-home.ts";

const APP = "shop";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
let s3: S3Client;

beforeAll(() => {
  s3 = new S3Client({ endpoint: inject("s3Endpoint"), region: "us-east-1", credentials: swiftCredentials, forcePathStyle: true });
});
afterAll(() => s3?.destroy());

describe("restore on S3 with versioning enabled or suspended", () => {
  it.each(["Enabled", "Suspended"] as const)("versioning %s: the replaced current state can be named and read after the restore", async (status) => {
    // Prepare: a home, versioning suspended, then a current state that is no snapshot (an interrupted deploy)
    const bucket = `sst-state-unversioned${status.toLowerCase()}${Date.now().toString(36)}`;
    const gen = generateHome({ app: APP, seed: 21, now: NOW - 3_600_000, stages: [{ name: "prod", resources: 12, deploys: 3 }] });
    await writeS3Home(s3, bucket, gen.files);
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }));
    const store = createS3HomeStore({ bucket, client: s3 });
    const interrupted = new TextDecoder().decode((await store.readCurrent(APP, "prod")).bytes).replace(/\n*$/, "\n\n");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKeys.app(APP, "prod"), Body: interrupted }));
    const replacedSha = sha256Hex(new TextEncoder().encode(interrupted));
    const clock = createTestClock(NOW);
    const audit = createMemoryAuditLog();
    const service = createRestoreService({
      store,
      approvals: createMemoryApprovalStore(),
      audit,
      locker: createLocker({ store: createMemoryLockStore(), clock }),
      groups: createStaticUserGroupResolver(),
      config: parseConfig(JSON.stringify({ stages: { prod: { approvers: ["U0BOB"] } } })),
      clock,
    });
    const { request } = await service.request({ app: APP, stage: "prod", selector: "previous", requester: "U0ALICE", source: "slack" });
    // Act
    const r = await service.approve({ id: request.id, approver: "U0BOB" });
    // Assess: either refused with nothing written, or restored with the replaced bytes still readable
    const current = sha256Hex((await store.readCurrent(APP, "prod")).bytes);
    if (r.kind === "restored") {
      expect(current).toBe(request.target.sha256);
      const previous = r.request.result?.previousSelector;
      expect(previous).toBeDefined();
      const again = await resolveVersion(store, APP, "prod", previous!);
      expect(sha256Hex(await again.read())).toBe(replacedSha);
    } else {
      expect(current).toBe(replacedSha);
    }
  });
});
