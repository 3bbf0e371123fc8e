/**
 * `sst-state repair <stage> [--rule R…] [--exists URN…] [--gone URN…]`: propose a repair of the
 * current state (and SST's stale lock), verified with Pulumi's integrity rules before anything is
 * asked. The request goes where restore requests go (Slack, by SLACK_BOT_TOKEN and the stage's
 * channel) and someone else approves it there; `--yes` repairs at once where the stage's policy
 * says `"requireApproval": false`; `--plan` only shows it.
 */
import { REPAIR_RULES, type RepairProposal, type RepairRule } from "@sst-state/core/repair";
import type { CliCommand, CliContext } from "../cli-types.ts";
import { createStyle } from "../output.ts";
import { approvalWhere, cliRestoreService, describeRequest, printOutcome, requirePostable, whoAmI } from "./restore.ts";

/** The proposal for a terminal: changes with reasons, the choices made, questions, what blocks it. */
function describeProposal(ctx: CliContext, app: string, stage: string, p: RepairProposal): string {
  const style = createStyle(ctx.io.color);
  const lines: string[] = [];
  const n = p.plan.changes.length;
  if (p.spec) {
    lines.push(`${style.bold("repair")} of ${app}/${stage}: ${n} change${n === 1 ? "" : "s"}${p.unlock ? ` and SST's stale lock (update ${p.unlock.updateID})` : ""}; Pulumi's integrity rules accept the repaired state.`);
  } else {
    lines.push(`${style.red("nothing proposed")} for ${app}/${stage}: ${p.why ?? "nothing to repair"}.`);
  }
  for (const c of p.plan.changes) lines.push(`  ~ ${c.urn}`, `      [${c.rule}] ${c.detail}`, `      why: ${c.reason}`);
  if (p.unlock) lines.push(`  - SST's lock (update ${p.unlock.updateID}, ${p.unlock.command ?? "deploy"}) removed only if it still names that update; its update record closed as \`sst unlock\` does.`, `      why: ${p.unlock.reason}`);
  for (const note of p.spec?.notes ?? []) lines.push(`  choice: ${note}`);
  if (p.plan.blocked.length) {
    lines.push("", "What blocks it:");
    for (const b of p.plan.blocked) lines.push(`  [${b.rule}]${b.urn ? ` ${b.urn}` : ""}: ${b.reason}`);
  }
  if (p.plan.questions.length) {
    lines.push("", `Pending operations left until someone says whether the resource exists in AWS (--exists URN / --gone URN):`);
    for (const q of p.plan.questions) lines.push(`  ${q.urn || "(no URN)"}  (${q.operation} ${q.type})`);
  }
  return lines.join("\n");
}

const repair: CliCommand<"repair"> = {
  verb: "repair",
  async run(args, ctx) {
    const { target } = args.command;
    const { app, stage } = await ctx.services.target(target);
    const json = args.flags.json === true;
    const rules = (args.command.rule ?? []) as RepairRule[];
    const input = {
      app,
      stage,
      requester: whoAmI(ctx.services.env),
      source: "cli" as const,
      ...(rules.length ? { rules } : {}),
      ...(args.command.exists ? { exists: args.command.exists } : {}),
      ...(args.command.gone ? { gone: args.command.gone } : {}),
    };
    const service = await cliRestoreService(ctx);
    const style = createStyle(ctx.io.color);

    if (args.flags.plan === true) {
      const p = await service.previewRepair(input);
      if (json) ctx.io.out(JSON.stringify(proposalJson(p)));
      else ctx.io.out(describeProposal(ctx, app, stage, p));
      return p.spec ? 0 : 1;
    }
    if (args.flags.yes === true) {
      const { proposal, outcome } = await service.repairNow(input);
      if (!outcome) {
        if (json) ctx.io.out(JSON.stringify({ repaired: false, ...proposalJson(proposal) }));
        else ctx.io.err(describeProposal(ctx, app, stage, proposal));
        return 1;
      }
      if (!json) ctx.io.err(describeProposal(ctx, app, stage, proposal));
      return printOutcome(ctx, outcome, json);
    }

    const plan = ` \`sst-state repair ${stage} --plan\` shows the repair without asking.`;
    const policy = await requirePostable(ctx, stage, { kind: "repair", slack: `/sst-state repair ${stage}`, noChannelHint: plan, noTokenHint: `.${plan}` });
    await service.expirePending({ app, stage }).catch(() => []);
    const out = await service.requestRepair(input);
    if (!out.proposed) {
      if (json) ctx.io.out(JSON.stringify({ request: null, ...proposalJson(out.proposal) }));
      else ctx.io.err(describeProposal(ctx, app, stage, out.proposal));
      return 1;
    }
    const req = out.request;
    if (json) {
      ctx.io.out(JSON.stringify({ request: req, posted: out.posted ?? null, ...proposalJson(out.proposal) }));
      return out.posted ? 0 : 1;
    }
    ctx.io.out(describeProposal(ctx, app, stage, out.proposal));
    if (!out.posted) {
      ctx.io.err(`${style.red("not posted")}: repair request ${req.id} for ${app}/${stage} is recorded, but posting it in ${policy.channel} failed (see the warning above), so nobody can approve it yet. Check SLACK_BOT_TOKEN and that the bot is in ${policy.channel}; then ask again.`);
      return 1;
    }
    ctx.io.out(["", `${style.bold("repair requested")}: ${app}/${stage} (request ${req.id})`, ...describeRequest(req), "", approvalWhere(ctx, req, out.posted)].join("\n"));
    return 0;
  },
};
export default repair;

/** `--json`: the proposal (changes, what blocks it, questions) next to the request. */
function proposalJson(p: RepairProposal) {
  return {
    proposed: p.spec !== null,
    why: p.why ?? null,
    changes: p.plan.changes,
    blocked: p.plan.blocked,
    questions: p.plan.questions,
    unlock: p.unlock,
    rules: p.spec?.rules ?? [...REPAIR_RULES],
  };
}
