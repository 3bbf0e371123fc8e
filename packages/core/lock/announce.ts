/**
 * Lock announcements: each LockEvent is posted to the stage's channel (`policy(stage).channel`
 * from sst-state.json). Announcing never throws: a Slack outage must not turn a deploy lock that
 * was taken or released into an error, so failures are logged and returned as data.
 *
 * With an AnnouncementStore, the message that announced a lease is remembered (channel and ts,
 * by app, stage and token) and, when the lease ends (released, broken, expired, or taken over
 * after it expired), rewritten in place by `renderEnded`: no Release button left on a lock that
 * is gone, and who ended it, when. The end is also posted as its own message, as before.
 */
import type { Config } from "../config.ts";
import type { ChatMessage, Notifier } from "../ports.ts";
import type { AnnouncementStore, LockEnd, LockEvent } from "./types.ts";

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
  /** where announcements were posted; with `renderEnded`, a lease's end rewrites its announcement */
  messages?: AnnouncementStore;
  /** the announcement of a lease that ended (packages/slack/render/lock-event.ts `renderLockEnded`) */
  renderEnded?: (end: LockEnd) => ChatMessage;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export function createLockAnnouncer(opts: LockAnnouncerOptions): LockAnnouncer {
  const render = opts.render;
  const log = opts.log ?? ((m, d) => console.warn(m, d));
  const remember = async (event: LockEvent, posted: { channel: string; ts: string }) => {
    if (!opts.messages || !posted.ts) return;
    await opts.messages.remember(event.lock, posted).catch((error: unknown) =>
      log("lock announcement posted, but where it is could not be recorded (its end will not update it)", { lock: `${event.lock.app}/${event.lock.stage}`, error: String(error) }),
    );
  };
  /** Rewrite the announcement of the lease that ended; a failure is logged, never thrown. */
  const rewrite = async (end: LockEnd) => {
    if (!opts.messages || !opts.renderEnded) return;
    try {
      const at = await opts.messages.recall(end.lock);
      if (at) await opts.notifier.update(at.channel, at.ts, opts.renderEnded(end));
    } catch (error) {
      log("the announcement of an ended lock could not be updated", { lock: `${end.lock.app}/${end.lock.stage}`, token: end.lock.token, error: (error as Error)?.message ?? String(error) });
    }
  };
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
      if (event.type === "acquired") {
        if (event.tookOver) await rewrite({ type: "expired", lock: event.tookOver });
        await remember(event, res);
      } else await rewrite(event);
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
