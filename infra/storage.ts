// The one table for deploy locks, restore requests, the audit log and Slack retry de-duplication
// (layout in packages/adapters/dynamo-table.ts). The stream feeds the lock announcer; `ttl`
// expires released leases, finished requests and de-duplication keys.
export const table = new sst.aws.Dynamo("StateTable", {
  fields: { pk: "string", sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  stream: "new-and-old-images",
  ttl: "ttl",
});
