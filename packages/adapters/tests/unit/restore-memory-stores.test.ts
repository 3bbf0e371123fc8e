/** The ApprovalStore and AuditLog contracts against the in-memory implementations (no services). */
import { createMemoryApprovalStore } from "@sst-state/test-kit/memory/approval-store";
import { createMemoryAuditLog } from "@sst-state/test-kit/memory/audit-log";
import { approvalStoreContract } from "../contract/approval-store.contract.ts";
import { auditLogContract } from "../contract/audit-log.contract.ts";

approvalStoreContract("memory", () => createMemoryApprovalStore());
auditLogContract("memory", () => createMemoryAuditLog());
