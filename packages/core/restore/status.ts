/**
 * What `status` shows about restores of a stage (for the status report and its renderers):
 * the requests waiting for approval and the last audited restore step.
 */
import type { ApprovalStore, AuditEntry, AuditLog } from "./ports.ts";

export interface RestoreStatusSummary {
  pending: { id: string; requester: string; target: string; createdAt: string; expiresAt: string; expired: boolean }[];
  /** the newest audit entries of the stage (default 5), newest first */
  recent: Pick<AuditEntry, "time" | "action" | "actor" | "message" | "requestId">[];
}

export async function getRestoreStatus(
  deps: { approvals: ApprovalStore; audit: AuditLog },
  app: string,
  stage: string,
  now: number,
  opts: { recent?: number } = {},
): Promise<RestoreStatusSummary> {
  const [pending, recent] = await Promise.all([deps.approvals.listPending({ app, stage }), deps.audit.list(app, stage, { limit: opts.recent ?? 5 })]);
  return {
    pending: pending.map((r) => ({
      id: r.id,
      requester: r.requester,
      target: r.target.label,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      expired: Date.parse(r.expiresAt) <= now,
    })),
    recent: recent.map((e) => ({ time: e.time, action: e.action, actor: e.actor, message: e.message, ...(e.requestId ? { requestId: e.requestId } : {}) })),
  };
}
