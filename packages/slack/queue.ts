/**
 * The in-process hand-off of `serve`: jobs run in the background, a few at a time, after the ack
 * has been sent. `drain()` resolves when nothing is queued or running (tests, shutdown).
 */
export interface JobQueue<J> {
  push(job: J): void;
  drain(): Promise<void>;
  readonly pending: number;
}

export function createJobQueue<J>(run: (job: J) => Promise<unknown>, opts: { concurrency?: number; onError?: (e: unknown) => void } = {}): JobQueue<J> {
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const queue: J[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  const settle = () => {
    if (running === 0 && queue.length === 0) {
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  };
  const pump = () => {
    while (running < concurrency && queue.length) {
      const job = queue.shift()!;
      running++;
      // setImmediate: never start the work in the same tick as the push (the ack goes out first)
      setImmediate(() => {
        run(job)
          .catch((e) => opts.onError?.(e))
          .finally(() => {
            running--;
            pump();
            settle();
          });
      });
    }
  };
  return {
    push(job) {
      queue.push(job);
      pump();
    },
    drain() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    get pending() {
      return running + queue.length;
    },
  };
}
