/** Contract of AuditLog (core/restore/ports.ts), run against every implementation. */
import { describe, expect, it } from "vitest";
import type { AuditEntry, AuditLog } from "@sst-state/core/restore/ports";

function entry(app: string, over: Partial<AuditEntry>): AuditEntry {
  return {
    id: Math.random().toString(36).slice(2, 10),
    app,
    stage: "prod",
    time: "2025-03-01T10:00:00.000Z",
    action: "restore.requested",
    actor: "U0ALICE",
    message: "requested a restore",
    ...over,
  };
}

export function auditLogContract(name: string, make: () => Promise<AuditLog> | AuditLog) {
  describe(`AuditLog contract: ${name}`, () => {
    it("lists a stage's entries newest first, with every field kept", async () => {
      // Prepare
      const log = await make();
      const app = `app${Math.random().toString(36).slice(2, 8)}`;
      const first = entry(app, { time: "2025-03-01T10:00:00.000Z", requestId: "rq1", data: { target: "ffff", resources: 12 } });
      const second = entry(app, { time: "2025-03-01T10:05:00.000Z", action: "restore.approved", actor: "U0BOB", requestId: "rq1" });
      const third = entry(app, { time: "2025-03-01T10:06:00.000Z", action: "restore.done", actor: "U0BOB", requestId: "rq1" });
      // Act
      for (const e of [second, first, third]) await log.append(e);
      const listed = await log.list(app, "prod");
      // Assess
      expect(listed).toEqual([third, second, first]);
    });

    it("keeps stages and apps apart", async () => {
      const log = await make();
      const app = `app${Math.random().toString(36).slice(2, 8)}`;
      await log.append(entry(app, { stage: "prod" }));
      await log.append(entry(app, { stage: "dev" }));
      await log.append(entry(`${app}x`, { stage: "prod" }));
      expect((await log.list(app, "prod")).map((e) => [e.app, e.stage])).toEqual([[app, "prod"]]);
      expect(await log.list(app, "staging")).toEqual([]);
    });

    it("orders entries of the same millisecond by id and honours the limit", async () => {
      const log = await make();
      const app = `app${Math.random().toString(36).slice(2, 8)}`;
      const same = "2025-03-01T10:00:00.000Z";
      for (const id of ["a", "c", "b"]) await log.append(entry(app, { id, time: same }));
      await log.append(entry(app, { id: "z", time: "2025-03-01T09:00:00.000Z" }));
      expect((await log.list(app, "prod")).map((e) => e.id)).toEqual(["c", "b", "a", "z"]);
      expect((await log.list(app, "prod", { limit: 2 })).map((e) => e.id)).toEqual(["c", "b"]);
      expect(await log.list(app, "prod", { limit: 0 })).toEqual([]);
    });

    it("appending the same entry twice (a retry) keeps one", async () => {
      const log = await make();
      const app = `app${Math.random().toString(36).slice(2, 8)}`;
      const e = entry(app, { id: "same" });
      await log.append(e);
      await log.append(e);
      expect(await log.list(app, "prod")).toHaveLength(1);
    });
  });
}
