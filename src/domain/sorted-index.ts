/**
 * A set of strings kept in ascending code-unit order (SQLite's BINARY collation), so that lists page in a
 * stable order and a page can start from any key in O(log n).
 */
export class SortedIndex {
  private keys: string[];

  /** Builds the index from keys in any order, sorting once. */
  constructor(keys: Iterable<string> = []) {
    this.keys = [...keys].sort(compareKeys);
  }

  /** Number of keys. */
  get size(): number {
    return this.keys.length;
  }

  /** The sorted keys; callers must not modify the array. */
  get all(): readonly string[] {
    return this.keys;
  }

  /** Adds a key (no-op when present): O(log n) to find the place, a memmove to make room. */
  insert(key: string): void {
    const at = bound(this.keys, key, false);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  /** Removes a key (no-op when absent). */
  delete(key: string): void {
    const at = bound(this.keys, key, false);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }
}

/** Code-unit order, the same as SQLite's BINARY collation for ASCII ids. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The position of the first of the sorted `keys` greater than `key`: where a page after `key` starts. */
export function upperBound(keys: readonly string[], key: string): number {
  return bound(keys, key, true);
}

/** Binary search: the first position whose key is > `key` (upper) or >= `key` (lower). */
function bound(keys: readonly string[], key: string, upper: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid] as string;
    if (k < key || (upper && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
