import type { BotDeps } from "../deps.ts";

/** The queries' deps from the bot's: the lock store when there is one (status shows the lock). */
export function queryDeps(deps: BotDeps) {
  return deps.locks ? { store: deps.store, clock: deps.clock, locks: deps.locks } : { store: deps.store, clock: deps.clock };
}
