/** What the Bolt listeners share: how they hand a job to the worker, and what they say when that fails. */
import type { BotLogger } from "../deps.ts";
import type { SlackJob } from "../jobs.ts";

export interface ListenerOptions {
  /** Hands a job to the worker. Awaited after the ack; must be quick (enqueue / async invoke). */
  handOff: (job: SlackJob) => Promise<void>;
  log?: BotLogger | undefined;
  /** the default app, shown by `help` (answered in the ack) */
  defaultApp?: string | undefined;
}

export async function handOffOrSay(opts: ListenerOptions, job: SlackJob, respond: (m: { response_type: "ephemeral"; text: string }) => Promise<unknown>): Promise<void> {
  try {
    await opts.handOff(job);
  } catch (e) {
    opts.log?.error("hand-off failed", { error: String(e), stack: (e as Error)?.stack, kind: job.kind });
    await respond({ response_type: "ephemeral", text: ":boom: Something went wrong, check the logs: the request could not be handed to the worker." }).catch(
      () => {},
    );
  }
}
