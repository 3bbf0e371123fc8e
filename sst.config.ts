/// <reference path="./.sst/platform/config.d.ts" />

// sst-state on AWS (DESIGN §3), one concern per file in infra/:
//   storage    the table for deploy locks, restore requests, the audit log and retry de-duplication
//   secrets    the Slack app's signing secret and bot token
//   announcer  the table's stream → lock announcements in Slack (CI jobs need no Slack token)
//   workflow   the diagnosis state machine (the same definition `sst-state serve` runs locally)
//   restore    the restore worker: the only function that may write SST's state
//   bot        the Slack ingress (Function URL, acks within 3 s) and its worker (read-only state)
// Deploy with the state bucket known: SST_STATE_BUCKET=sst-state-… npx sst deploy --stage production
// (or leave it unset to read it from SSM /sst/bootstrap in the home region).
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
    const { table } = await import("./infra/storage");
    const { slackBotToken } = await import("./infra/secrets");
    await import("./infra/announcer");
    const { stateBucketName, createSlackBot } = await import("./infra/bot");
    const { createDiagnosisWorkflow } = await import("./infra/workflow");
    const { createRestoreWorker } = await import("./infra/restore");

    const workflow = createDiagnosisWorkflow({ link: [slackBotToken], environment: { SST_STATE_BUCKET: stateBucketName() } });
    const restore = createRestoreWorker();
    const bot = createSlackBot({
      // Approve clicks invoke the restore worker (the link grants lambda:InvokeFunction).
      link: [restore.worker],
      environment: { SST_STATE_STATE_MACHINE_ARN: workflow.stateMachine.arn },
      permissions: [{ actions: ["states:StartExecution"], resources: [workflow.stateMachine.arn] }],
    });

    return {
      slackRequestUrl: $interpolate`${bot.ingress.url}slack/events`,
      table: table.name,
      stateMachine: workflow.stateMachine.arn,
    };
  },
});
