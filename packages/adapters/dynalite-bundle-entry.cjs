// The entry of the CLI's bundle of dynalite and its LevelDB (scripts/build.mjs → packages/cli/dist/dynalite.cjs),
// loaded by embedded-dynamo.ts `loadDynalite`. Both are exported lazily, as embedded-dynamo.ts
// asks for them: LevelDB first (the owner lock opens), then dynalite in this process
// (dynalite-direct.cjs, which loads dynalite's HTTP server only when the store is published).
module.exports = {
  get Level() {
    return require("level").Level;
  },
  direct: () => require("./dynalite-direct.cjs"),
};
