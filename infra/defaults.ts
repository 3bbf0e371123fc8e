// What every function of sst-state shares, set once through SST's $transform (it applies to the
// functions created after this file is imported, including the one `table.subscribe` creates):
// the same runtime and architecture everywhere, and sst-state.json (per-stage channels, approvers,
// lock and request TTLs) copied into the bundle when the project has one, where
// packages/adapters/config-file.ts finds it (./sst-state.json next to the handler).
//
// Usage in sst.config.ts's run(), before any other infra file: `await import("./infra/defaults");`
import { existsSync } from "node:fs";

$transform(sst.aws.Function, (args) => {
  args.runtime ??= "nodejs22.x";
  args.architecture ??= "arm64";
  // Code splitting: what the composition root (packages/services/services.ts) loads by `import()`
  // (the table's client, the state store, the restore service, the verb map) becomes chunks a
  // function loads only when it calls them, so the lock announcer does not parse the S3 client.
  // SST's `nodejs.splitting` (default false): sst/sst platform/src/components/aws/function.ts,
  // commit 08fa0a6, lines 804-820; SST 4.17.1's binary still reads it (pkg/runtime/node/node.go,
  // `Splitting bool json:"splitting"`, line 121 at that commit).
  args.nodejs ??= { splitting: true };
  if (existsSync("sst-state.json")) args.copyFiles ??= [{ from: "sst-state.json" }];
});
