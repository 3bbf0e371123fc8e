/**
 * Stream records in the shape Lambda receives them (DynamoDBStreamEvent.Records, captured from a
 * lock table with NEW_AND_OLD_IMAGES) → LockEvents.
 */
import { describe, expect, it } from "vitest";
import { lockEventsFromStreamRecords, type LockStreamRecord } from "../../lock-stream.ts";

type Img = Record<string, { S?: string; N?: string; BOOL?: boolean }>;
const base: Img = {
  pk: { S: "LOCK#shop/prod" },
  sk: { S: "LOCK" },
  app: { S: "shop" },
  stage: { S: "prod" },
  holder: { S: "U0ALICE" },
  reason: { S: "hotfix" },
  token: { N: "7" },
  acquiredAt: { S: "2025-03-01T12:03:00.000Z" },
  expiresAt: { S: "2025-03-01T12:33:00.000Z" },
  released: { BOOL: false },
};
function lambdaRecord(eventName: "INSERT" | "MODIFY" | "REMOVE", oldImage?: Img, newImage?: Img, userIdentity?: object): LockStreamRecord {
  return {
    eventID: "c4ca4238a0b923820dcc509a6f75849b",
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: 1740830580,
      Keys: { pk: base.pk, sk: base.sk },
      ...(oldImage ? { OldImage: oldImage } : {}),
      ...(newImage ? { NewImage: newImage } : {}),
      SequenceNumber: "111",
      SizeBytes: 26,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/sst-state/stream/2025-03-01T00:00:00.000",
    ...(userIdentity ? { userIdentity } : {}),
  } as LockStreamRecord;
}

describe("lockEventsFromStreamRecords (Lambda event shape)", () => {
  it("reports an INSERT as acquired, with the run link", () => {
    // Prepare
    const rec = lambdaRecord("INSERT", undefined, { ...base, token: { N: "1" }, runUrl: { S: "https://ci/run/1" } });
    // Act
    const events = lockEventsFromStreamRecords([rec]);
    // Assess
    expect(events).toEqual([
      { type: "acquired", lock: { app: "shop", stage: "prod", holder: "U0ALICE", reason: "hotfix", token: 1, runUrl: "https://ci/run/1", acquiredAt: "2025-03-01T12:03:00.000Z", expiresAt: "2025-03-01T12:33:00.000Z" } },
    ]);
  });

  it("says nothing for a heartbeat (same token, expiry moved)", () => {
    // Act
    const events = lockEventsFromStreamRecords([lambdaRecord("MODIFY", base, { ...base, expiresAt: { S: "2025-03-01T12:50:00.000Z" } })]);
    // Assess
    expect(events).toEqual([]);
  });

  it("reports a release with the time it was held and its outcome", () => {
    // Act
    const [e] = lockEventsFromStreamRecords([
      lambdaRecord("MODIFY", base, { ...base, released: { BOOL: true }, releasedAt: { S: "2025-03-01T12:20:00.000Z" }, outcome: { S: "failed" } }),
    ]);
    // Assess
    expect(e).toMatchObject({ type: "released", heldMs: 17 * 60_000, outcome: "failed", lock: { token: 7 } });
  });

  it("reports a force release with who and why", () => {
    // Act
    const [e] = lockEventsFromStreamRecords([
      lambdaRecord("MODIFY", base, { ...base, released: { BOOL: true }, releasedAt: { S: "2025-03-01T12:20:00.000Z" }, forcedBy: { S: "U0SRE" }, forceReason: { S: "hung" } }),
    ]);
    // Assess
    expect(e).toMatchObject({ type: "force-released", by: "U0SRE", reason: "hung", lock: { holder: "U0ALICE" } });
  });

  it("reports a new token over an unreleased lease as a takeover, and over a released one as a plain acquisition", () => {
    // Prepare
    const next: Img = { ...base, holder: { S: "ci-bot" }, token: { N: "8" }, acquiredAt: { S: "2025-03-01T13:00:00.000Z" }, expiresAt: { S: "2025-03-01T13:30:00.000Z" } };
    // Act
    const events = lockEventsFromStreamRecords([lambdaRecord("MODIFY", base, next), lambdaRecord("MODIFY", { ...base, released: { BOOL: true } }, next)]);
    // Assess
    expect(events[0]).toMatchObject({ type: "acquired", lock: { holder: "ci-bot", token: 8 }, tookOver: { holder: "U0ALICE", token: 7 } });
    expect(events[1]).toMatchObject({ type: "acquired", lock: { holder: "ci-bot", token: 8 } });
    expect(events[1]).not.toHaveProperty("tookOver");
  });

  it("reports the removal of an unreleased lease (TTL service) as expired, and ignores other items and released removals", () => {
    // Prepare
    const ttl = { type: "Service", principalId: "dynamodb.amazonaws.com" };
    const audit: Img = { pk: { S: "AUDIT#shop/prod" }, sk: { S: "2025-03-01T12:00:00Z#1" } };
    // Act
    const events = lockEventsFromStreamRecords([
      lambdaRecord("REMOVE", base, undefined, ttl),
      lambdaRecord("REMOVE", { ...base, released: { BOOL: true } }, undefined, ttl),
      lambdaRecord("INSERT", undefined, audit),
    ]);
    // Assess
    expect(events).toEqual([{ type: "expired", lock: expect.objectContaining({ holder: "U0ALICE", token: 7 }) }]);
  });
});
