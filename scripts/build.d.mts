// Types of scripts/build.mjs, for tests that build an entry the way `npm test`'s pretest does.
import type { BuildOptions } from "esbuild";

export interface BuildEntry {
  in: string;
  out: string;
  /** code-split into dist/<name>-chunks (dist/chunks for the CLI) */
  split?: boolean;
  options?: BuildOptions;
}
export const entries: BuildEntry[];
export function build(list?: BuildEntry[], extra?: BuildOptions): Promise<void>;
