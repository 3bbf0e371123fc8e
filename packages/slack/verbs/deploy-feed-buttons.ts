/**
 * The buttons under the deploy feed's messages (core/feed, render/deploy-feed.ts):
 * - Diagnose (`<app>/<stage>`): the same as `/sst-state diagnose <app>/<stage>` typed in that channel;
 * - Unlock SST (`<app>/<stage>/<updateID>`): `sst unlock` for exactly that update, refused unless
 *   SST's lock still names it and it still shows no progress (core/feed/unlock.ts). The channel is
 *   told who removed the lock; the feed's message then turns to "failed: … force unlocked".
 */
import { SstStateError } from "@sst-state/core/errors";
import { FEED_DIAGNOSE_ACTION_ID, FEED_SST_UNLOCK_ACTION_ID, parseFeedButtonValue, unlockStuckDeploy } from "@sst-state/core/feed";
import { fitMessage, section } from "../render/limits.ts";
import { code, esc, who } from "../render/text.ts";
import type { ActionHandler, ActionMap } from "../deps.ts";

function parsed(value: string, needsUpdate: boolean, prefix: string) {
  const p = parseFeedButtonValue(value);
  if (!p || (needsUpdate && !p.updateId)) {
    throw new SstStateError("bad-action", "This button does not name a stage of the deploy feed.", { hint: `Use \`${prefix} diagnose <stage>\`, or \`sst unlock --stage <stage>\` in a terminal.`, exitCode: 2 });
  }
  return p;
}

const diagnose: ActionHandler = async (ctx) => {
  const { app, stage } = parsed(ctx.value, false, ctx.prefix);
  return ctx.deps.verbs.diagnose({ command: { verb: "diagnose", target: { app, stage } }, user: ctx.user, channel: ctx.channel, prefix: ctx.prefix, deps: ctx.deps });
};

const sstUnlock: ActionHandler = async ({ value, user, prefix, deps }) => {
  const { app, stage, updateId } = parsed(value, true, prefix);
  const res = await unlockStuckDeploy({ store: deps.store, clock: deps.clock }, { app, stage, updateId: updateId!, stuckMs: deps.config.policy(stage).feedStuckMs });
  if (!res.unlocked) {
    return { visibility: "ephemeral", message: fitMessage({ text: `SST's lock was left alone: ${res.reason}.`, blocks: [section(`:information_source: SST's lock was left alone: ${esc(res.reason)}.`)] }) };
  }
  return {
    visibility: "in_channel",
    message: fitMessage({
      text: `SST's lock of ${app}/${stage} removed by ${user} (update ${updateId} closed as force unlocked)`,
      blocks: [
        section(
          `:unlock: ${who(user)} removed SST's lock of *${esc(app)}/${esc(stage)}*: update ${code(updateId!)} is closed as force unlocked, as \`sst unlock\` does. Deploys can run again; a diagnosis shows what the stopped deploy left behind.`,
        ),
      ],
    }),
  };
};

/** The feed's buttons, for `createVerbs`. */
export function deployFeedActions(): ActionMap {
  return { [FEED_DIAGNOSE_ACTION_ID]: diagnose, [FEED_SST_UNLOCK_ACTION_ID]: sstUnlock };
}
