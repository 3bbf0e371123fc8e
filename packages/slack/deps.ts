/**
 * What the bot's handlers are given: the core's ports plus the ways to answer in Slack (`BotDeps`),
 * and the shapes of a verb handler and a button handler (verbs/*.ts implement them; dispatch.ts
 * runs them). It imports no module of the bot, so all of them can import it without a cycle.
 */
import type { SlackCommand as Command, SlackVerb as Verb } from "@sst-state/core/command";
import type { Config } from "@sst-state/core/config";
import type { Locker } from "@sst-state/core/lock/lease";
import type { LockStore } from "@sst-state/core/lock/types";
import type { Clock, IdempotencyStore, Notifier, Responder, StateStore } from "@sst-state/core/ports";
import type { Reply } from "./render/types.ts";

export interface BotLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface BotDeps {
  store: StateStore;
  clock: Clock;
  config: Config;
  /** the lock store (status shows a stage's lock); without it lock verbs say no lock table is configured */
  locks?: LockStore;
  /**
   * The locker over `locks`, built by the composition root (packages/services/services.ts), which
   * also decides who is told about lock changes (the embedded store has no stream: serve's feed).
   */
  locker?: Locker;
  /** chat.postMessage / update / files upload (needs the bot token) */
  notifier: Notifier;
  /** posts to a response_url */
  respond: Responder;
  idempotency: IdempotencyStore;
  log?: BotLogger;
  /** every verb and button action (`createVerbs` in verbs/index.ts) */
  verbs: VerbMap;
  actions: ActionMap;
}

export interface VerbContext<C extends Command = Command> {
  command: C;
  /** Slack user id of the person who asked */
  user: string;
  /** channel the command was typed in */
  channel: string;
  /** the slash command as invoked, for messages (`/sst-state`) */
  prefix: string;
  deps: BotDeps;
}

export type VerbHandler<V extends Verb = Verb> = (ctx: VerbContext<Extract<Command, { verb: V }>>) => Promise<Reply>;
export type VerbMap = { [V in Verb]: VerbHandler<V> };

export interface ActionContext {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  prefix: string;
  deps: BotDeps;
}
export type ActionHandler = (ctx: ActionContext) => Promise<Reply>;
export type ActionMap = Record<string, ActionHandler>;

/**
 * The one logger of the bot and the Lambdas: one JSON line per entry (CloudWatch parses it). The CLI
 * logs plain lines on stderr instead (packages/cli/services.ts).
 */
export const consoleLogger: BotLogger = {
  info: (m, d) => console.log(JSON.stringify({ level: "info", message: m, ...d })),
  warn: (m, d) => console.warn(JSON.stringify({ level: "warn", message: m, ...d })),
  error: (m, d) => console.error(JSON.stringify({ level: "error", message: m, ...d })),
};
