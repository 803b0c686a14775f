/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's reference `MurmurHash3_x86_32`), fed incrementally so that
 * strings are hashed as their UTF-8 bytes without encoding them into a buffer first: bucketing a context
 * allocates nothing.
 *
 * @example
 * const hash = new Murmur3().reset(0).updateUtf8("hello").digest(); // 613153351 (0x248bfa47)
 */
export class Murmur3 {
  private h = 0;
  /** Bytes of the current 4-byte block, little-endian. */
  private block = 0;
  private length = 0;

  /** Starts a new hash with `seed`. */
  reset(seed = 0): this {
    this.h = seed | 0;
    this.block = 0;
    this.length = 0;
    return this;
  }

  /** Feeds one byte (0-255). */
  updateByte(byte: number): this {
    this.block |= (byte & 0xff) << (8 * (this.length & 3));
    this.length++;
    if ((this.length & 3) === 0) {
      let h = this.h ^ mixBlock(this.block);
      h = (h << 13) | (h >>> 19);
      this.h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      this.block = 0;
    }
    return this;
  }

  /** Feeds bytes. */
  updateBytes(bytes: Uint8Array): this {
    for (let i = 0; i < bytes.length; i++) this.updateByte(bytes[i] as number);
    return this;
  }

  /** Feeds the UTF-8 encoding of `text` (a lone surrogate counts as U+FFFD, as TextEncoder encodes it). */
  updateUtf8(text: string): this {
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        this.updateByte(c);
        continue;
      }
      if (c < 0x800) {
        this.updateByte(0xc0 | (c >> 6)).updateByte(0x80 | (c & 0x3f));
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          this.updateByte(0xf0 | (c >> 18)).updateByte(0x80 | ((c >> 12) & 0x3f));
          this.updateByte(0x80 | ((c >> 6) & 0x3f)).updateByte(0x80 | (c & 0x3f));
          continue;
        }
        c = 0xfffd;
      }
      this.updateByte(0xe0 | (c >> 12)).updateByte(0x80 | ((c >> 6) & 0x3f)).updateByte(0x80 | (c & 0x3f));
    }
    return this;
  }

  /** The hash of everything fed since `reset`, as an unsigned 32-bit integer. */
  digest(): number {
    let h = this.h;
    if ((this.length & 3) !== 0) h ^= mixBlock(this.block);
    h ^= this.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

function mixBlock(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** MurmurHash3 x86 32-bit of `bytes` with `seed`, as an unsigned integer. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  return new Murmur3().reset(seed).updateBytes(bytes).digest();
}
