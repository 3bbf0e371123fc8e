/**
 * sst-state.json, read the one way every entry point reads it (the CLI, `serve` and every Lambda):
 * 1. SST_STATE_CONFIG_JSON, the file's text: the Lambda form (infra passes the policy this way, so
 *    a function never depends on a file in its bundle);
 * 2. else the file SST_STATE_CONFIG names (relative to `cwd`), which must exist;
 * 3. else `sst-state.json` in `root` (the CLI passes its project root, found like git finds a
 *    repository; default `cwd`) when there is one; else the defaults (every stage needs approval by
 *    someone other than the requester).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseConfig, type Config } from "@sst-state/core/config";
import { UsageError } from "@sst-state/core/errors";

export function loadConfig(env: Record<string, string | undefined>, cwd: string = process.cwd(), root: string = cwd): Config {
  if (env.SST_STATE_CONFIG_JSON) return parseConfig(env.SST_STATE_CONFIG_JSON, "SST_STATE_CONFIG_JSON");
  const named = env.SST_STATE_CONFIG;
  const file = named ? resolve(cwd, named) : join(root, "sst-state.json");
  if (named && !existsSync(file)) {
    throw new UsageError(`SST_STATE_CONFIG names ${file}, which does not exist.`, "Point it at your sst-state.json (or pass its text as SST_STATE_CONFIG_JSON), or unset it.");
  }
  return parseConfig(existsSync(file) ? readFileSync(file, "utf8") : undefined, file);
}
