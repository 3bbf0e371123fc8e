import type { Rule } from "../types.ts";

/**
 * SST encrypts every secret of a stage (its `secret/<app>/<stage>.json`, and Pulumi's secret
 * outputs in the state) with the stage's passphrase, kept next to the state: in the local home at
 * `state/passphrase/<app>/<stage>.json`. A pipeline that commits SST's home (or a flat
 * `passphrase/<stage>.json` copy) hands that key to everyone who can read the repository.
 *
 * What SST supports instead (read in sst/sst at 08fa0a6, 2024-10; the 4.17.1 binary still holds
 * the `SST_PASSPHRASE` name):
 * - pkg/project/provider/provider.go L80-118 `Passphrase()`: the passphrase is read from the home
 *   (local.go L66-80: the file above); only when the home has none does SST take the
 *   `SST_PASSPHRASE` environment variable (pkg/flag/flag.go L8), else it generates 32 random bytes
 *   — and in both cases it then writes it into the home (`setPassphrase`).
 * - pkg/project/stack.go L251 sets `PULUMI_CONFIG_PASSPHRASE` for Pulumi from that value itself,
 *   so setting PULUMI_CONFIG_PASSPHRASE in CI changes nothing.
 * SST 4.17.1 does the same (packages/cli/tests/integration/sst-passphrase.test.ts runs its binary,
 * node_modules/sst-linux-x64/bin/sst, offline on a local home): `sst secret set … --stage ci` with
 * SST_PASSPHRASE=<base64> and no passphrase file writes `state/passphrase/<app>/ci.json` holding
 * exactly that value; with a file in the home, SST_PASSPHRASE is ignored. The value must be base64
 * (4.17.1 fails with "illegal base64 data" otherwise), as the file's own content is.
 * So the passphrase can live in a CI secret (`SST_PASSPHRASE`) as long as the SST home the deploy
 * runs with has no passphrase file, and the one SST writes there is never committed:
 * `sst-state run --git` deploys in a temporary SST home and never copies a passphrase back into a
 * repository that did not have it.
 */
export const passphraseInGit: Rule = {
  name: "passphrase-in-git",
  group: "lock",
  description: "the stage's passphrase file is committed to the repository (git home)",
  run({ passphraseInGit: found, stage }) {
    if (!found) return [];
    const history = found.firstCommit ? ` It has been in the history since commit ${found.firstCommit}.` : "";
    return [
      {
        rule: "passphrase-in-git",
        severity: found.tracked ? "error" : "warning",
        message: found.tracked
          ? `${found.path} is tracked by git: anyone who can read this repository can decrypt every secret of ${stage} (SST encrypts them with this passphrase).${history}`
          : `${found.path} is no longer tracked, but git history still holds it: anyone who can read the repository's history can decrypt the secrets of ${stage}.${history}`,
        fix:
          `1. Store the file's content (as it is: SST wants the base64 text) as a CI secret named SST_PASSPHRASE (SST reads SST_PASSPHRASE only when its home has no passphrase file; PULUMI_CONFIG_PASSPHRASE is overwritten by SST and does not work). ` +
          `2. ${found.tracked ? `\`git rm --cached ${found.path}\`, add it to .gitignore, commit and push. ` : ""}` +
          `3. Deploy with \`sst-state run ${stage} --git${found.stateDir ? ` --state-dir ${found.stateDir}` : ""} -- npx sst deploy --stage ${stage}\`: it deploys in a temporary SST home without the file (SST then uses SST_PASSPHRASE) and never copies a passphrase back into the repository. ` +
          `4. The old commits still hold the passphrase: limit who can read the repository, or rewrite its history (git filter-repo) and change the values of the stage's secrets (\`sst secret set … --stage ${stage}\`). SST has no command to change the passphrase itself.`,
      },
    ];
  },
};
