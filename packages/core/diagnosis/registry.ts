/** Every rule, in report order within a severity. */
import type { Rule, RuleGroup } from "./types.ts";
import { pendingOperations } from "./rules/pending-operations.ts";
import { danglingParent } from "./rules/dangling-parent.ts";
import { danglingDependency } from "./rules/dangling-dependency.ts";
import { danglingProvider } from "./rules/dangling-provider.ts";
import { duplicateUrn } from "./rules/duplicate-urn.ts";
import { dependencyOrder } from "./rules/dependency-order.ts";
import { integrityError } from "./rules/integrity-error.ts";
import { malformedCheckpoint } from "./rules/malformed-checkpoint.ts";
import { unsupportedFeatures } from "./rules/unsupported-features.ts";
import { manifestMagic } from "./rules/manifest-magic.ts";
import { malformedResource } from "./rules/malformed-resource.ts";
import { parentUrnMismatch } from "./rules/parent-urn-mismatch.ts";
import { emptyState } from "./rules/empty-state.ts";
import { retainedOrphan } from "./rules/retained-orphan.ts";
import { fixedNameCollision } from "./rules/fixed-name-collision.ts";
import { routeIdentityChange } from "./rules/route-identity-change.ts";
import { stateBloat } from "./rules/state-bloat.ts";
import { staleLock } from "./rules/stale-lock.ts";
import { interruptedUpdate } from "./rules/interrupted-update.ts";
import { updateErrors } from "./rules/update-errors.ts";
import { passphraseInGit } from "./rules/passphrase-in-git.ts";
import { routerKvDrift } from "./rules/router-kv-drift.ts";
import { untrackedResources } from "./rules/untracked-resources.ts";

export const ALL_RULES: readonly Rule[] = [
  // structure: the current checkpoint alone. Every "error" of these rules means Pulumi v3.215.0
  // refuses the state (integrity.ts); pending operations are never worse than a warning.
  pendingOperations,
  malformedCheckpoint,
  unsupportedFeatures,
  manifestMagic,
  malformedResource,
  danglingParent,
  danglingDependency,
  danglingProvider,
  duplicateUrn,
  dependencyOrder,
  parentUrnMismatch,
  integrityError,
  // history: the current checkpoint against the previous version, and the version counts
  emptyState,
  retainedOrphan,
  fixedNameCollision,
  routeIdentityChange,
  stateBloat,
  // lock and update records
  staleLock,
  interruptedUpdate,
  updateErrors,
  passphraseInGit,
  // cloud probes (results arrive in input.probes)
  routerKvDrift,
  untrackedResources,
];

export const RULE_NAMES: readonly string[] = ALL_RULES.map((r) => r.name);

export function rulesOf(group: RuleGroup): Rule[] {
  return ALL_RULES.filter((r) => r.group === group);
}
