// `import text from "./file?raw"`: the file's text. Vitest (Vite) loads it natively; the build
// (scripts/build.mjs) with a small esbuild plugin, so the page's files are inside the CLI bundle.
declare module "*?raw" {
  const text: string;
  export default text;
}
