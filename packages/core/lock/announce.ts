/**
 * Lock announcements: each LockEvent is posted to the stage's channel (`policy(stage).channel`
 * from sst-state.json). Announcing never throws: a Slack outage must not turn a deploy lock that
 * was taken or released into an error, so failures are logged and returned as data.
 */
import type { Config } from "../config.ts";
import type { ChatMessage, Notifier } from "../ports.ts";
import type { LockEvent } from "./types.ts";

export type AnnounceResult =
  | { posted: true; channel: string; ts: string }
  | { posted: false; skipped: "no-channel" }
  | { posted: false; channel: string; error: unknown };

export interface LockAnnouncer {
  announce(event: LockEvent): Promise<AnnounceResult>;
  /** In order (a stream batch keeps the order of one stage's changes). */
  announceAll(events: LockEvent[]): Promise<AnnounceResult[]>;
}

export interface LockAnnouncerOptions {
  notifier: Notifier;
  config: Pick<Config, "policy">;
  /** the message of an event (packages/slack/render/lock-event.ts `renderLockEvent`) */
  render: (event: LockEvent) => ChatMessage;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export function createLockAnnouncer(opts: LockAnnouncerOptions): LockAnnouncer {
  const render = opts.render;
  const log = opts.log ?? ((m, d) => console.warn(m, d));
  const announce = async (event: LockEvent): Promise<AnnounceResult> => {
    let channel: string | undefined;
    try {
      channel = opts.config.policy(event.lock.stage).channel;
    } catch (error) {
      log("lock announcement skipped: the stage policy could not be read", { stage: event.lock.stage, error: String(error) });
      return { posted: false, skipped: "no-channel" };
    }
    if (!channel) return { posted: false, skipped: "no-channel" };
    try {
      const res = await opts.notifier.post(channel, render(event));
      return { posted: true, channel: res.channel, ts: res.ts };
    } catch (error) {
      log("lock announcement failed; the lock operation itself succeeded", {
        channel,
        event: event.type,
        lock: `${event.lock.app}/${event.lock.stage}`,
        token: event.lock.token,
        error: (error as Error)?.message ?? String(error),
      });
      return { posted: false, channel, error };
    }
  };
  return {
    announce,
    async announceAll(events) {
      const out: AnnounceResult[] = [];
      for (const e of events) out.push(await announce(e));
      return out;
    },
  };
}
