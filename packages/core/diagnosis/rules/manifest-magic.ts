import type { Rule } from "../types.ts";
import { checkIntegrity } from "../integrity.ts";
import { editStep, integrityFindings, restoreStep } from "../integrity-findings.ts";

/**
 * The manifest's magic cookie does not match its version. Mirrors pulumi/pulumi v3.215.0
 * pkg/resource/deploy/snapshot.go L587-590 with `Manifest.NewMagic` (pkg/resource/deploy/manifest.go
 * L82-89): the magic must be the sha256 hex of `manifest.version`, or "" when the version is "".
 * SST 4.17.1's `sst state repair` keeps the manifest as it is.
 */
export const manifestMagic: Rule = {
  name: "manifest-magic",
  group: "structure",
  description: "the manifest's magic cookie does not match its version",
  run: ({ current, stage }) => {
    const { manifest } = checkIntegrity(current);
    return integrityFindings(current, "manifest-magic", (group) => ({
      message:
        `The manifest's \`magic\` (${manifest.magic ? `\`${manifest.magic.slice(0, 12)}…\`` : "empty"}) does not match its \`version\` (${manifest.version ? `\`${manifest.version}\`` : "empty"}): ` +
        `Pulumi refuses the state ("snapshot integrity failure": ${group[0]!.pulumi}). Usually the manifest was edited by hand.`,
      fix: `No SST command rewrites the manifest (\`sst state repair\` keeps it). In ${editStep(stage)}, set \`checkpoint.latest.manifest.magic\` to \`"${manifest.expectedMagic}"\`; or ${restoreStep(stage)}.`,
    }));
  },
};
