/**
 * The diff a finished update made: its snapshot (`snapshot/<app>/<stage>/<updateID>.json`, the
 * state after it) against the version before it in `history` order; the stage's first update is
 * compared with an empty state (everything added). Null when the update saved no snapshot (a
 * failed build, a crash before the push).
 */
import type { StateStore } from "../ports.ts";
import type { DiffReport } from "../report-types.ts";
import { indexCheckpoint } from "../state/checkpoint-index.ts";
import { diffViews } from "../state/diff.ts";

const EMPTY_STATE = Buffer.from(JSON.stringify({ version: 3, checkpoint: { stack: "", latest: { resources: [] } } }));

export async function deployDiff(store: StateStore, app: string, stage: string, updateId: string): Promise<DiffReport | null> {
  // versions are matched by update id and kind only: no update record is read (one GET each on S3)
  const versions = await store.listVersions(app, stage, { records: 0 });
  const i = versions.findIndex((v) => v.updateId === updateId && v.kind !== "current");
  if (i < 0) return null;
  const before = versions.slice(i + 1).find((v) => v.kind !== "current" && v.kind !== "uncommitted");
  const [to, from] = await Promise.all([store.readVersion(app, stage, versions[i]!), before ? store.readVersion(app, stage, before) : Promise.resolve(EMPTY_STATE)]);
  // as `sst-state diff` does (queries.ts getDiff): only the resources whose bytes differ are parsed
  return diffViews(indexCheckpoint(from, `${app}/${stage}@${before?.id ?? "empty"}`), indexCheckpoint(to, `${app}/${stage}@${updateId}`), {
    from: before?.id ?? "empty",
    to: updateId,
  });
}
