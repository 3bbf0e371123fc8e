/**
 * The project a command runs in, found the way git finds its repository: walk up from the working
 * folder to the first folder that holds `sst-state.json` (our policy) or `sst.config.ts` (an SST
 * app) — or `.sst-state/` itself, once a command made it there (as `.git` marks a repository).
 * That folder keeps `.sst-state/` (the embedded store, the demo home) and `sst-state.json`, so a
 * command run from `src/` sees the lock taken at the root instead of silently creating a second
 * store. With none of them anywhere above, the working folder is the project.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const POLICY_FILE = "sst-state.json";
export const SST_CONFIG_FILE = "sst.config.ts";
export const DATA_DIR = ".sst-state";

export interface Project {
  /** the folder that holds the marker, else the working folder */
  root: string;
  /** which file made it the project root; undefined when none was found above the working folder */
  marker: typeof POLICY_FILE | typeof SST_CONFIG_FILE | typeof DATA_DIR | undefined;
}

export function findProject(cwd: string): Project {
  const start = resolve(cwd);
  for (let dir = start; ; ) {
    if (existsSync(join(dir, POLICY_FILE))) return { root: dir, marker: POLICY_FILE };
    if (existsSync(join(dir, SST_CONFIG_FILE))) return { root: dir, marker: SST_CONFIG_FILE };
    if (existsSync(join(dir, DATA_DIR))) return { root: dir, marker: DATA_DIR };
    const up = dirname(dir);
    if (up === dir) return { root: start, marker: undefined };
    dir = up;
  }
}

/**
 * The app name in an `sst.config.ts`, read as text: the string literal given to `name:` inside the
 * object that `app(…)` returns, e.g. `app(input) { return { name: "shop", home: "aws" }; }`.
 * The file is never executed (it is the user's code, and would need SST's globals); a name that is
 * computed (a variable, a template with `${…}`) is not guessed: undefined, and the other sources
 * of the app name apply.
 */
export function readSstConfigAppName(text: string): string | undefined {
  // Drop comments first, so `// name: "old"` does not count.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const at = code.search(/\bapp\s*\(/);
  if (at < 0) return undefined;
  // `run(` follows `app(` in every SST config; a `name:` after it belongs to a resource.
  const rest = code.slice(at);
  const runAt = rest.search(/\brun\s*\(/);
  const appPart = runAt < 0 ? rest : rest.slice(0, runAt);
  const m = /\bname\s*:\s*(["'`])([A-Za-z0-9][A-Za-z0-9_-]*)\1/.exec(appPart);
  return m?.[2];
}

/** The app name from `<root>/sst.config.ts`, when there is one and it names the app statically. */
export function sstConfigAppName(root: string): string | undefined {
  const file = join(root, SST_CONFIG_FILE);
  try {
    return readSstConfigAppName(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
