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
  if (existsSync("sst-state.json")) args.copyFiles ??= [{ from: "sst-state.json" }];
});
