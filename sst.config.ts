/// <reference path="./.sst/platform/config.d.ts" />

// sst-state on AWS (DESIGN §3), one concern per file in infra/:
//   defaults   what every function shares (runtime, architecture, sst-state.json), via $transform
//   storage    the table for deploy locks, restore requests, the audit log and retry de-duplication
//   secrets    the Slack app's signing secret and bot token
//   announcer  the table's stream → lock announcements in Slack (CI jobs need no Slack token)
//   feed       every minute: each deploy of the watched stages in Slack (reads the bucket only)
//   workflow   the diagnosis state machine (the same definition `sst-state serve` runs locally)
//   restore    the restore worker: the only function that may write SST's state
//   bot        the Slack ingress (Function URL, acks within 3 s) and its worker (read-only state)
// Every function reads the one state bucket: SST_STATE_BUCKET at deploy time, e.g.
// SST_STATE_BUCKET=sst-state-… npx sst deploy --stage production (or leave it unset to read it
// from SSM /sst/bootstrap in the home region).
export default $config({
  app(input) {
    return {
      name: "sst-state",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: ["production"].includes(input?.stage ?? ""),
      home: "aws",
    };
  },
  async run() {
    await import("./infra/defaults");
    const { table } = await import("./infra/storage");
    const { slackBotToken } = await import("./infra/secrets");
    await import("./infra/announcer");
    await import("./infra/feed");
    const { createSlackBot } = await import("./infra/bot");
    const { createDiagnosisWorkflow } = await import("./infra/workflow");
    const { createRestoreWorker } = await import("./infra/restore");

    const workflow = createDiagnosisWorkflow({ link: [slackBotToken] });
    const restore = createRestoreWorker();
    const bot = createSlackBot({
      // Approve clicks invoke the restore worker (the link grants lambda:InvokeFunction);
      // `diagnose` starts the workflow (the link gives its ARN and states:StartExecution).
      link: [restore.worker, workflow.link],
    });

    return {
      slackRequestUrl: $interpolate`${bot.ingress.url}slack/events`,
      table: table.name,
      stateMachine: workflow.stateMachine.arn,
    };
  },
});
