// Types of scripts/ingress-plugins.mjs, for the tests that load it.
import type { Plugin } from "esbuild";

declare const plugins: Plugin[];
export default plugins;
