// The diagnosis workflow (issue "Diagnoses … run in Step Functions"): one Lambda per task of the
// state machine that packages/core/diagnosis/workflow-definition.ts describes, and the state
// machine itself, built from the SAME definition the CLI and `sst-state serve` run locally.
//
// SST's `sst.aws.StepFunctions` takes a chain of its own State objects, not raw Amazon States
// Language, so the machine is an `aws.sfn.StateMachine` with the JSON definition and a role that
// may invoke exactly these functions.
//
// Usage in sst.config.ts (the Slack bot token secret belongs to the bot's concern, so it is passed in):
//   const workflow = (await import("./infra/workflow")).createDiagnosisWorkflow({ link: [slackBotToken] });
//   … and link `workflow.link` to the Slack worker: it reads the machine's ARN as
//   Resource.DiagnosisWorkflow.arn and gets states:StartExecution on it.
import { buildDiagnosisDefinition, type DiagnosisResources } from "../packages/core/diagnosis/workflow-definition";
import { stateBucketName, stateReadPermissions } from "./bot";

export interface DiagnosisWorkflowArgs {
  /** linked to every task function (e.g. the Slack bot token secret) */
  link?: any[];
  /** extra environment for every task function (SST_STATE_APP, …) */
  environment?: Record<string, $util.Input<string>>;
}

const TASKS: Record<keyof DiagnosisResources, string> = {
  load: "load",
  structureRules: "structureRules",
  historyRules: "historyRules",
  lockRules: "lockRules",
  probes: "probes",
  report: "report",
  notifyFailure: "notifyFailure",
};

export function createDiagnosisWorkflow(args: DiagnosisWorkflowArgs = {}) {
  const bucket = stateBucketName();
  const fns = Object.fromEntries(
    Object.entries(TASKS).map(([key, handler]) => [
      key,
      new sst.aws.Function(`Diagnose${key[0]!.toUpperCase()}${key.slice(1)}`, {
        handler: `packages/functions/diagnose.${handler}`,
        timeout: "5 minutes",
        // a 50k-resource state is parsed in memory
        memory: "1536 MB",
        link: args.link ?? [],
        environment: { SST_STATE_HOME: "aws", SST_STATE_BUCKET: bucket, ...(args.environment ?? {}) },
        permissions: [
          // the one state bucket, read only, as the bot reads it (never secret/* or the passphrase)
          ...stateReadPermissions(bucket),
          // cloud probes (read only)
          { actions: ["cloudfront-keyvaluestore:ListKeys", "cloudfront-keyvaluestore:GetKey", "cloudfront-keyvaluestore:DescribeKeyValueStore"], resources: ["*"] },
          { actions: ["tag:GetResources"], resources: ["*"] },
        ],
      }),
    ]),
  ) as Record<keyof DiagnosisResources, sst.aws.Function>;

  const role = new aws.iam.Role("DiagnoseStateMachineRole", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "states.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });
  new aws.iam.RolePolicy("DiagnoseStateMachineInvoke", {
    role: role.id,
    policy: $util.all(Object.values(fns).map((f) => f.arn)).apply((arns) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: arns.flatMap((a) => [a, `${a}:*`]) }],
      }),
    ),
  });

  const keys = Object.keys(TASKS) as (keyof DiagnosisResources)[];
  const stateMachine = new aws.sfn.StateMachine("DiagnoseStateMachine", {
    roleArn: role.arn,
    type: "STANDARD",
    definition: $util.all(keys.map((k) => fns[k].arn)).apply((arns) => {
      const resources = Object.fromEntries(keys.map((k, i) => [k, arns[i]!])) as unknown as DiagnosisResources;
      return JSON.stringify(buildDiagnosisDefinition(resources));
    }),
  });

  // What the Slack worker links to start a diagnosis: the machine's ARN and the right to start it.
  const link = new sst.Linkable("DiagnosisWorkflow", {
    properties: { arn: stateMachine.arn },
    include: [sst.aws.permission({ actions: ["states:StartExecution"], resources: [stateMachine.arn] })],
  });

  return { stateMachine, role, functions: fns, link };
}
