// The entry of the CLI's bundle of dynalite and its LevelDB (scripts/build.mjs → packages/cli/dist/dynalite.cjs),
// loaded by embedded-dynamo.ts `loadDynalite`. Both are exported lazily, as embedded-dynamo.ts
// asks for them: LevelDB first (the owner lock opens), dynalite's server while that open runs.
module.exports = {
  get Level() {
    return require("level").Level;
  },
  dynalite: () => require("dynalite"),
};
