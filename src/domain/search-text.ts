import { DomainError } from "./domain-error.js";

/** The longest search text a list query takes. */
export const MAX_SEARCH_LENGTH = 128;

/**
 * The test a list's search text makes of each candidate's text: contains it, ignoring case. Undefined for an
 * empty query (no filter), so that an unfiltered list keeps its O(log n + page) slice.
 *
 * @example
 * searchTest("Beta")?.("new-beta-ui") // true
 */
export function searchTest(query: string): ((text: string) => boolean) | undefined {
  if (query === "") return undefined;
  if (query.length > MAX_SEARCH_LENGTH) {
    throw new DomainError("INVALID_ARGUMENT", `query of ${query.length} characters is too long: search with at most ${MAX_SEARCH_LENGTH}`);
  }
  const needle = query.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}
