/// <reference path="./.sst/platform/config.d.ts" />

// sst-state on AWS: the Slack bot (ingress + worker), the diagnosis workflow, the restore worker
// and the table that holds locks, approvals and the audit log. Each concern lives in infra/.
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
    const storage = await import("./infra/storage");
    await import("./infra/announcer");
    return {
      table: storage.table.name,
    };
  },
});
