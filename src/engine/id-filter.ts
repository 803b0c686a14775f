/**
 * Small Bloom filters of ids: 128 bits, two per id. "Certainly absent" is exact; "maybe present" is wrong for a
 * few ids in a hundred when a filter holds a handful of ids. EvaluateAll keeps one per feature and kind of override,
 * to skip the features that have no override for the context without looking in their Maps.
 */

/** 32-bit words per filter. */
export const ID_FILTER_WORDS = 4;

/** Where an id's two bits are: word and mask of each. */
export interface IdProbe {
  readonly word1: number;
  readonly bit1: number;
  readonly word2: number;
  readonly bit2: number;
}

/** The bits of `id` (FNV-1a over its UTF-16 code units; two 7-bit slices of the hash). */
export function idProbe(id: string): IdProbe {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  const a = h & 127;
  const b = (h >>> 7) & 127;
  return { word1: a >>> 5, bit1: 1 << (a & 31), word2: b >>> 5, bit2: 1 << (b & 31) };
}

/** Adds `ids` to the filter at `words[offset, offset + ID_FILTER_WORDS)`. */
export function addIds(words: Uint32Array, offset: number, ids: Iterable<string>): void {
  for (const id of ids) {
    const probe = idProbe(id);
    words[offset + probe.word1] = (words[offset + probe.word1] as number) | probe.bit1;
    words[offset + probe.word2] = (words[offset + probe.word2] as number) | probe.bit2;
  }
}

/** False when the id of `probe` is certainly not in the filter at `words[offset, ...)`. */
export function mayHold(words: Uint32Array, offset: number, probe: IdProbe): boolean {
  return ((words[offset + probe.word1] as number) & probe.bit1) !== 0 && ((words[offset + probe.word2] as number) & probe.bit2) !== 0;
}
