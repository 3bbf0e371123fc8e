/** Errors of the restore flow; each says what to do next (see core/errors.ts). */
import { SstStateError } from "../errors.ts";

/** The request cannot go on (not allowed by policy, already decided, expired, nothing to do). */
export class RestoreRefusedError extends SstStateError {
  constructor(code: string, message: string, hint: string, exitCode: 1 | 2 = 1) {
    super(code, message, { hint, exitCode });
  }
}

/** Our own lease on the stage is held by someone else (a deploy under `sst-state run`, a `lock`). */
export class StageLockedError extends SstStateError {
  constructor(stage: string, detail: string) {
    super("stage-locked", detail, {
      hint: `Wait until the lock on ${stage} is released (\`sst-state locks\`), then approve again.`,
      exitCode: 1,
    });
  }
}

export class RestoreRequestNotFoundError extends SstStateError {
  constructor(id: string) {
    super("restore-request-not-found", `There is no restore request ${id}.`, {
      hint: "Requests are kept 90 days; ask again with `restore <stage> <version>`.",
      exitCode: 2,
    });
  }
}
