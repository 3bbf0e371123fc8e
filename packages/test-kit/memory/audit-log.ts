/** In-memory AuditLog: entries ordered like the DynamoDB sort key (`<ISO time>#<id>`). */
import type { AuditEntry, AuditLog } from "@sst-state/core/restore/ports";

export function auditSortKey(e: Pick<AuditEntry, "time" | "id">): string {
  return `${e.time}#${e.id}`;
}

export function createMemoryAuditLog(): AuditLog & { all(): AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    async append(entry) {
      if (entries.some((e) => e.app === entry.app && e.stage === entry.stage && auditSortKey(e) === auditSortKey(entry))) return;
      entries.push(structuredClone(entry));
    },
    async list(app, stage, opts = {}) {
      const mine = entries
        .filter((e) => e.app === app && e.stage === stage)
        .sort((a, b) => auditSortKey(b).localeCompare(auditSortKey(a)));
      return structuredClone(opts.limit === undefined ? mine : mine.slice(0, opts.limit));
    },
    all() {
      return structuredClone(entries);
    },
  };
}
