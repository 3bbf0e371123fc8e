/** What the worker needs: the core's ports plus the ways to answer in Slack. */
import type { Config } from "@sst-state/core/config";
import type { LockEvent, LockStore } from "@sst-state/core/lock/types";
import type { Clock, Notifier, StateStore } from "@sst-state/core/ports";
import type { IdempotencyStore } from "./idempotency.ts";
import type { Responder } from "./respond.ts";
import type { ActionMap, VerbMap } from "./verbs.ts";

export interface BotLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface BotDeps {
  store: StateStore;
  clock: Clock;
  config: Config;
  /** deploy locks; without it `lock`, `unlock` and `locks` say that no lock table is configured */
  locks?: LockStore;
  /**
   * Told about every lock change made from Slack. Set it where the lock store has no stream
   * (memory, the embedded store behind `serve`); in AWS the table's stream announces instead.
   */
  onLockEvent?: (event: LockEvent) => unknown;
  /** chat.postMessage / update / files upload (needs the bot token) */
  notifier: Notifier;
  /** posts to a response_url */
  respond: Responder;
  idempotency: IdempotencyStore;
  log?: BotLogger;
  /** every verb and button action (`createVerbs` in verbs.ts) */
  verbs: VerbMap;
  actions: ActionMap;
}

export const consoleLogger: BotLogger = {
  info: (m, d) => console.log(JSON.stringify({ level: "info", message: m, ...d })),
  warn: (m, d) => console.warn(JSON.stringify({ level: "warn", message: m, ...d })),
  error: (m, d) => console.error(JSON.stringify({ level: "error", message: m, ...d })),
};
