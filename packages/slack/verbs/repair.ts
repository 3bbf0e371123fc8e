/**
 * `/sst-state repair <stage> [--rule R…] [--exists URN…] [--gone URN…]`, the "Propose fix" button
 * of a diagnosis report, and the per-resource answers about pending operations ("Exists in AWS" /
 * "Gone from AWS"). A proposed repair is a restore request of kind "repair": it is posted, approved
 * (Approve / Reject), written and undone by the restore flow's own buttons and service
 * (verbs/restore.ts), so nothing here writes state.
 */
import { SstStateError } from "@sst-state/core/errors";
import { resolveApp } from "@sst-state/core/queries";
import type { RepairRule } from "@sst-state/core/repair";
import type { RepairRequestOutcome } from "@sst-state/core/restore";
import type { ActionHandler, ActionMap, VerbHandler } from "../deps.ts";
import { decodeRepairValue, renderRepairNotProposed, REPAIR_ANSWER_ACTION_ID, REPAIR_PROPOSE_ACTION_ID, urnHash, type RepairButtonValue } from "../render/repair.ts";
import { renderRequestCreated } from "../render/restore.ts";
import type { Reply } from "../render/types.ts";
import type { RestoreService } from "@sst-state/core/restore";

const ephemeral = (message: Reply["message"]): Reply => ({ visibility: "ephemeral", message });

function badValue(): never {
  throw new SstStateError("bad-action", "This button does not name a repair sst-state offered.", { hint: "Run `/sst-state repair <stage>` to see the repair as it is now.", exitCode: 2 });
}

/** The reply to a request for a repair: where it was posted, or why nothing was proposed (with the questions left). */
function replyOf(out: RepairRequestOutcome, value: Omit<RepairButtonValue, "give">): Reply {
  if (out.proposed) return ephemeral(renderRequestCreated(out.request, out.posted));
  return ephemeral(renderRepairNotProposed(out.proposal, value));
}

/** `service`: the bot's restore service (built once by the composition root), which runs repair requests too. */
export function createRepairHandlers(service: RestoreService): { verbs: { repair: VerbHandler<"repair"> }; actions: ActionMap } {
  const repair: VerbHandler<"repair"> = async ({ command, deps, user, channel }) => {
    const app = await resolveApp(deps.store, command.target.app, deps.config);
    const stage = command.target.stage;
    await service.expirePending({ app, stage }).catch((e) => deps.log?.warn("expiring old requests failed", { error: String(e) }));
    const rules = (command.rule ?? []) as RepairRule[];
    const out = await service.requestRepair({
      app,
      stage,
      requester: user,
      source: "slack",
      channel,
      ...(rules.length ? { rules } : {}),
      ...(command.exists ? { exists: command.exists } : {}),
      ...(command.gone ? { gone: command.gone } : {}),
    });
    return replyOf(out, { app, stage, rules, answers: [] });
  };

  /**
   * The answers carried by a button, by URN: each must still be the pending operation at that
   * position (the hash of its URN), else the state changed since the buttons were drawn.
   */
  async function answersOf(v: RepairButtonValue): Promise<Record<string, "exists" | "gone">> {
    const preview = await service.previewRepair({ app: v.app, stage: v.stage, requester: "sst-state", source: "slack", ...(v.rules.length ? { rules: v.rules } : {}) });
    const out: Record<string, "exists" | "gone"> = {};
    for (const a of [...v.answers, ...(v.give ? [v.give] : [])]) {
      const q = preview.plan.questions.find((x) => x.index === a.index && x.urn && urnHash(x.urn) === a.hash);
      if (!q) {
        throw new SstStateError("repair-questions-changed", `The pending operations of ${v.app}/${v.stage} changed since these buttons were drawn; nothing was answered.`, {
          hint: `Run \`/sst-state repair ${v.stage}\` for the questions as they are now.`,
          exitCode: 1,
        });
      }
      out[q.urn] = a.answer;
    }
    return out;
  }

  /** "Propose fix" (a diagnosis report, or the questions message once answered). */
  const propose: ActionHandler = async ({ value, user, channel }) => {
    const v = decodeRepairValue(value) ?? badValue();
    const answers = await answersOf(v);
    const out = await service.requestRepair({ app: v.app, stage: v.stage, requester: user, source: "slack", channel, ...(v.rules.length ? { rules: v.rules } : {}), answers });
    return replyOf(out, v);
  };

  /** "Exists in AWS" / "Gone from AWS": the answer is added; with every question answered, the repair is proposed. */
  const answer: ActionHandler = async ({ value, user, channel }) => {
    const v = decodeRepairValue(value) ?? badValue();
    if (!v.give) badValue();
    const answers = await answersOf(v);
    const next = { app: v.app, stage: v.stage, rules: v.rules, answers: [...v.answers.filter((a) => a.index !== v.give!.index), v.give] };
    const preview = await service.previewRepair({ app: v.app, stage: v.stage, requester: user, source: "slack", ...(v.rules.length ? { rules: v.rules } : {}), answers });
    if (preview.plan.questions.some((q) => q.urn)) return ephemeral(renderRepairNotProposed(preview, next));
    const out = await service.requestRepair({ app: v.app, stage: v.stage, requester: user, source: "slack", channel, ...(v.rules.length ? { rules: v.rules } : {}), answers });
    return replyOf(out, next);
  };

  return { verbs: { repair }, actions: { [REPAIR_PROPOSE_ACTION_ID]: propose, [REPAIR_ANSWER_ACTION_ID]: answer } };
}
