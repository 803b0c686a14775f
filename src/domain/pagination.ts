import { DomainError } from "./domain-error.js";
import { upperBound } from "./sorted-index.js";

/** Page size used when a request gives none. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page a request may ask for. */
export const MAX_PAGE_SIZE = 1000;

/** One page of a list and the token of the next one ("" on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** A page request as the domain sees it: a size already checked, and the key the page starts after. */
export interface PageRequest {
  size: number;
  after: string | undefined;
}

/**
 * Checks `pageSize` and decodes `pageToken` for the list named `list`.
 * Tokens are opaque to clients: base64url of the list name and the last key of the previous page. A
 * token that does not decode, or was made for another kind of list, is refused; a well-formed token is a
 * position in key order, so it stays valid when the key it names is deleted.
 */
export function toPageRequest(list: string, pageSize: number, pageToken: string): PageRequest {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `page_size ${pageSize} is out of range: use 1-${MAX_PAGE_SIZE}, or 0 for the default of ${DEFAULT_PAGE_SIZE}`,
    );
  }
  return { size: pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, after: decodePageToken(list, pageToken) };
}

/** The message for a page token that cannot be used, naming what to send instead. */
export function invalidPageTokenMessage(list: string): string {
  return `page_token is not valid for ${list}: pass the next_page_token of the previous response unchanged, or an empty token for the first page`;
}

/** Encodes the token of the page that starts after `lastKey`. */
export function encodePageToken(list: string, lastKey: string): string {
  return Buffer.from(`${list}\n${lastKey}`, "utf8").toString("base64url");
}

function decodePageToken(list: string, token: string): string | undefined {
  if (token === "") return undefined;
  const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  const prefix = `${list}\n`;
  if (!decoded.startsWith(prefix) || decoded.length === prefix.length) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      invalidPageTokenMessage(list),
    );
  }
  return decoded.slice(prefix.length);
}

/**
 * Pages through sorted keys, starting after `request.after` (found by binary search), keeping those that `accept`.
 * It stops at the first accepted key past a full page: that key only tells that a next page exists (so the last
 * page is never empty). With no filter a page is a slice: O(log n + page). With one, the cost is the keys it
 * looks at: the page's accepted keys plus the rejected ones between them, and, when no accepted key is left
 * after a full page, the rest of the keys (only the end can tell that none is left).
 */
export function pageOfKeys(list: string, keys: readonly string[], request: PageRequest, accept?: (key: string) => boolean): Page<string> {
  const start = request.after === undefined ? 0 : upperBound(keys, request.after);
  let items: string[];
  let more: boolean;
  if (accept === undefined) {
    items = keys.slice(start, start + request.size);
    more = start + request.size < keys.length;
  } else {
    items = [];
    more = false;
    for (let i = start; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!accept(key)) continue;
      if (items.length === request.size) {
        more = true;
        break;
      }
      items.push(key);
    }
  }
  const last = items[items.length - 1];
  return { items, nextPageToken: more && last !== undefined ? encodePageToken(list, last) : "" };
}
