import type { Change } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import type { FlagState } from "../domain/flag-state.js";
import { encodePageToken, invalidPageTokenMessage, type Page, type PageRequest } from "../domain/pagination.js";
import type { FlagReader } from "../store/flag-store.js";

/** A page of the change log, and how far back the log still reaches. */
export interface ChangesPage extends Page<Change> {
  /** Changes up to this revision were pruned by retention and are missing from the page; 0 when none. */
  prunedThrough: number;
}

/**
 * Refuses a `since_revision` from the future: the client follows another database. The store is asked
 * too, since another process may have committed what this one has not read yet.
 */
export async function checkRevisionKnown(revision: number, known: number, store: FlagReader): Promise<void> {
  if (revision <= known) return;
  const latest = await store.latestRevision();
  if (revision > latest) {
    throw new DomainError(
      "FAILED_PRECONDITION",
      `since_revision ${revision} is ahead of the latest revision ${latest}: this server holds a different database than the one you followed`,
    );
  }
}

/** Pages through the change log after `sinceRevision`, read from the store: history is not kept in memory. */
export async function listChanges(store: FlagReader, state: FlagState, sinceRevision: number, page: PageRequest): Promise<ChangesPage> {
  await checkRevisionKnown(sinceRevision, state.revision, store);
  let after = sinceRevision;
  if (page.after !== undefined) {
    const fromToken = Number(page.after);
    if (!Number.isSafeInteger(fromToken) || fromToken < 0) {
      throw new DomainError("INVALID_ARGUMENT", invalidPageTokenMessage("changes"));
    }
    after = Math.max(after, fromToken);
  }
  const first = await store.firstRetainedRevision();
  const rows = await store.readChanges(after, page.size + 1);
  const items = rows.slice(0, page.size);
  const last = items[items.length - 1];
  const nextPageToken = rows.length > page.size && last ? encodePageToken("changes", String(last.revision)) : "";
  // The log holds nothing before `first`. Revisions are gap-free, so rows that do not start right after `after`
  // lost their start to a prune that ran between the two reads: a guard, since `first` was read before them.
  const start = Math.max(first, rows[0]?.revision ?? first);
  return { items, nextPageToken, prunedThrough: after + 1 < start ? start - 1 : 0 };
}
