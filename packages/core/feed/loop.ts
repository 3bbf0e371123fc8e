/**
 * `serve`'s deploy feed: one poll of every watched stage, then the next `intervalMs` after it ended
 * (default 5 s; polls never overlap). The timer does not keep the process alive; a poll that fails
 * goes to `onError` and the loop goes on.
 */
import type { DeployFeed } from "./feed.ts";

export const DEFAULT_FEED_INTERVAL_MS = 5_000;

export interface DeployFeedLoop {
  /** poll now (tests; or right after a known change), after any poll in flight */
  pollNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startDeployFeedLoop(feed: Pick<DeployFeed, "pollAll">, opts: { intervalMs?: number; onError?: (e: unknown) => void } = {}): DeployFeedLoop {
  const intervalMs = opts.intervalMs ?? DEFAULT_FEED_INTERVAL_MS;
  const onError = opts.onError ?? ((e: unknown) => console.warn("deploy feed:", (e as Error)?.message ?? e));
  let running = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  const pollNow = (): Promise<void> => {
    chain = chain.then(() => feed.pollAll().then(() => undefined, onError));
    return chain;
  };
  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      void pollNow().finally(schedule);
    }, intervalMs);
    (timer as { unref?: () => void }).unref?.();
  };
  void pollNow().finally(schedule);
  return {
    pollNow,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}
