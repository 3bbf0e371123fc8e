import { SstStateError } from "@sst-state/core/errors";
import { parseReleaseButtonValue } from "@sst-state/core/lock";
import type { ActionHandler } from "../deps.ts";
import { renderLockNotYours, renderNotLocked } from "../render/lock.ts";
import { isHolder, lockerFor, releaseAsHolder } from "./lock-support.ts";

/** The Release button under a lock announcement: releases (or breaks) exactly the lease it shows. */
export const releaseButton: ActionHandler = async ({ value, user, prefix, deps }) => {
  const parsed = parseReleaseButtonValue(value);
  if (!parsed) throw new SstStateError("bad-action", "This button does not name a lock.", { hint: `Use \`${prefix} unlock <stage>\`.`, exitCode: 2 });
  const locker = lockerFor(deps);
  const current = await locker.get(parsed.app, parsed.stage);
  const now = deps.clock.now();
  if (!current || current.token !== parsed.token) {
    return { visibility: "ephemeral", message: renderNotLocked(parsed.app, parsed.stage, `the lock this button belongs to (token ${parsed.token}) is no longer held`) };
  }
  // The button releases its holder's own lease. Anyone else is told whose it is and how to break
  // it on purpose (`unlock --force --reason`, recorded and announced): a click is too easy a way
  // to break someone's deploy lock.
  if (!isHolder(current.holder, user)) return { visibility: "ephemeral", message: renderLockNotYours(current, { now, prefix }) };
  return releaseAsHolder(deps, locker, current, now);
};
