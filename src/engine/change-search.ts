import { DomainError } from "../domain/domain-error.js";
import { HistoryFilter, type HistoryQuery } from "../domain/history-filter.js";
import { encodePageToken, invalidPageTokenMessage, type Page, type PageRequest } from "../domain/pagination.js";
import type { Change } from "../domain/change.js";
import type { FlagReader } from "../store/flag-store.js";

/** Rows read from the store per step of a search, going back. */
const CHUNK = 500;
/** Rows one call looks at at most: a search for a rare change answers a short page and a token, not a long wait. */
const MAX_SCANNED = 20_000;

/**
 * Pages through the change log newest first, keeping the changes `query` accepts. The log is read backward in
 * chunks (revisions are gap-free, so "the chunk before R" is one forward read). A page token carries where the
 * previous page stopped and the feature's name there, so renames stay followed across pages.
 */
export async function searchChanges(store: Pick<FlagReader, "readChanges" | "firstRetainedRevision">, latest: number, query: HistoryQuery, page: PageRequest): Promise<Page<Change>> {
  const filter = new HistoryFilter(query);
  let before = latest + 1;
  if (page.after !== undefined) {
    const resumed = parseToken(page.after);
    before = resumed.before;
    filter.follow(resumed.name);
  }
  const first = await store.firstRetainedRevision();
  const items: Change[] = [];
  let scanned = 0;
  while (before > first && items.length < page.size && scanned < MAX_SCANNED && filter.followedName !== null) {
    const from = Math.max(first, before - CHUNK);
    const rows = await store.readChanges(from - 1, before - from);
    let i = rows.length - 1;
    for (; i >= 0 && items.length < page.size; i--) {
      const change = rows[i] as Change;
      if (filter.accepts(change)) items.push(change);
    }
    scanned += rows.length - 1 - i;
    // Where the next look starts: before the oldest row looked at.
    before = i >= 0 ? (rows[i + 1] as Change).revision : from;
    if (rows.length === 0) break;
  }
  const more = before > first && filter.followedName !== null;
  return { items, nextPageToken: more ? encodePageToken("change-search", JSON.stringify({ before, name: filter.followedName })) : "" };
}

function parseToken(after: string): { before: number; name: string | null } {
  try {
    const parsed = JSON.parse(after) as { before?: unknown; name?: unknown };
    if (Number.isSafeInteger(parsed.before) && (typeof parsed.name === "string" || parsed.name === null)) {
      return { before: parsed.before as number, name: parsed.name as string | null };
    }
  } catch {
    // Falls through to the refusal.
  }
  throw new DomainError("INVALID_ARGUMENT", invalidPageTokenMessage("change-search"));
}
