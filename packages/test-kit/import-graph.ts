/**
 * The import graph of the repository's TypeScript sources, read as text (no compiler): every
 * `import … from`, `export … from`, `import("…")` and bare `import "…"`, resolved to a file when it
 * names one of ours (a relative path, or `@sst-state/<package>/<path>` through the workspace link).
 * The layout tests use it to hold the architecture: product code never imports the test kit, and no
 * product module imports itself back through a cycle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface SourceFile {
  /** path relative to the repository root, with `/` */
  path: string;
  /** every import specifier as written, with whether it is `import type` only */
  imports: { spec: string; typeOnly: boolean; resolved?: string }[];
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every `.ts` file under `dir` (relative to `root`), skipping node_modules and build output. */
export function listSources(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(relative(root, p).split("\\").join("/"));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

function resolveSpec(root: string, from: string, spec: string): string | undefined {
  let base: string;
  if (spec.startsWith(".")) base = resolve(root, dirname(from), spec);
  else if (spec.startsWith("@sst-state/")) {
    const [, pkg, ...rest] = spec.split("/");
    base = resolve(root, "packages", pkg!, ...rest);
  } else return undefined;
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split("\\").join("/");
  }
  return undefined;
}

/** Reads and resolves the imports of `paths` (relative to `root`). */
export function readImports(root: string, paths: string[]): SourceFile[] {
  return paths.map((path) => {
    const text = readFileSync(join(root, path), "utf8");
    const imports: SourceFile["imports"] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4];
      if (!spec) continue;
      imports.push({ spec, typeOnly: !!m[2], resolved: resolveSpec(root, path, spec) });
    }
    return { path, imports };
  });
}

/** Every cycle among `files` (each as the list of files around it, starting at its smallest path). */
export function findCycles(files: SourceFile[]): string[][] {
  const edges = new Map(files.map((f) => [f.path, [...new Set(f.imports.map((i) => i.resolved).filter((r): r is string => !!r && r !== f.path))]]));
  const cycles = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === "open") {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const norm = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(norm.join(" → "), norm);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return [...cycles.values()];
}
