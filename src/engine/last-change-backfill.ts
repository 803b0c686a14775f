import type { Change } from "../domain/change.js";
import type { FeatureRecord, FlagState } from "../domain/flag-state.js";
import type { FlagReader } from "../store/flag-store.js";

/** Rows read per step, going back. */
const CHUNK = 1000;

/**
 * Fills `lastChange` of the features loaded from storage by reading the change log backward from the revision the
 * state was loaded at, until every feature has one, the log's start, or `maxRows`. Runs in the background after
 * start (listening does not wait). Only features still without one are set: a change applied since is newer.
 * Names are followed back through renames; a name's creation ends its trail (before it, another feature's).
 */
export async function backfillLastChanges(store: Pick<FlagReader, "readChanges" | "firstRetainedRevision">, state: FlagState, maxRows = 200_000): Promise<void> {
  // The features by the names they had at the revision being read; null for a name whose feature was deleted.
  const byName = new Map<string, FeatureRecord | null>(state.features);
  let missing = [...state.features.values()].filter((feature) => feature.lastChange === null).length;
  const first = await store.firstRetainedRevision();
  let before = state.revision + 1;
  let read = 0;
  while (missing > 0 && before > first && read < maxRows) {
    const from = Math.max(first, before - CHUNK);
    const rows = await store.readChanges(from - 1, before - from);
    for (let i = rows.length - 1; i >= 0; i--) {
      const change = rows[i] as Change;
      if (!("feature" in change)) continue;
      const name = change.kind === "feature.renamed" ? change.newName : change.feature;
      if (change.kind === "feature.deleted") {
        if (!byName.has(name)) byName.set(name, null);
        continue;
      }
      const feature = byName.get(name);
      if (feature && feature.lastChange === null) {
        feature.lastChange = { revision: change.revision, at: change.at, actor: change.actor };
        missing--;
      }
      if (change.kind === "feature.renamed") {
        byName.delete(change.newName);
        if (feature !== undefined) byName.set(change.feature, feature);
      } else if (change.kind === "feature.created") {
        byName.delete(name);
      }
    }
    read += rows.length;
    if (rows.length === 0) break;
    before = from;
  }
}
