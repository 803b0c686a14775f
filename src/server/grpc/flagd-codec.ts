import { create, toBinary, type JsonObject } from "@bufbuild/protobuf";
import type { ResolveBooleanResponseSchema as ResponseV1 } from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import type { ResolveBooleanResponseSchema as ResponseV2 } from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import type { Evaluation } from "../../domain/evaluate.js";
import { CONTEXT_ATTRIBUTES } from "../services/flagd-context.js";
import { flagdResolution, type FlagdResolutionAt, type FlagRequest } from "../services/flagd-resolve-handlers.js";

// The gRPC port's codec of flagd's ResolveBoolean (v1 and v2 alike): through protobuf-es, reading the request's
// context Struct and writing the response's metadata Struct by reflection cost more than all the rest of the call.
// Checked byte for byte against protobuf-es in test/unit/server/flagd-codec.test.ts; the fields it knows are
// pinned in test/unit/server/flagd-codec-schema.test.ts.

/** The response type of either flagd evaluation version (v2 makes the value and variant optional). */
export type ResolveBooleanResponseSchema = typeof ResponseV1 | typeof ResponseV2;

/**
 * ResolveBooleanResponse writer for one version, byte-identical to protobuf-es: per outcome and targeting, the
 * response is written once by protobuf-es at revision 0, and each answer is a copy with its revision put in the
 * last 8 bytes (the revision is the metadata Struct's last entry, a double, and the Struct the last field).
 */
export function createResolveBooleanEncoder(schema: ResolveBooleanResponseSchema): (resolution: FlagdResolutionAt) => Uint8Array {
  // Per shared outcome object, [untargeted, targeted]; null when protobuf-es does not write the revision last.
  const templates = new WeakMap<Evaluation, [Uint8Array | null | undefined, Uint8Array | null | undefined]>();
  const encodeWhole = (resolution: FlagdResolutionAt) => toBinary(schema, create(schema, flagdResolution(resolution)));
  return (resolution) => {
    let byTarget = templates.get(resolution.evaluation);
    if (!byTarget) templates.set(resolution.evaluation, (byTarget = [undefined, undefined]));
    const slot = resolution.targeted ? 1 : 0;
    let template = byTarget[slot];
    if (template === undefined) template = byTarget[slot] = templateOf(encodeWhole({ ...resolution, revision: 0 }));
    if (template === null) return encodeWhole(resolution);
    const bytes = Buffer.allocUnsafe(template.length);
    bytes.set(template, 0);
    bytes.writeDoubleLE(resolution.revision, template.length - REVISION_BYTES);
    return bytes;
  };
}

const REVISION_BYTES = 8;

/** The response at revision 0 if it ends with that revision (a number value, tag 0x11, of 8 zero bytes), else null. */
function templateOf(bytes: Uint8Array): Uint8Array | null {
  const at = bytes.length - REVISION_BYTES;
  return at > 0 && bytes[at - 1] === 0x11 && bytes.subarray(at).every((byte) => byte === 0) ? bytes : null;
}

/**
 * ResolveBooleanRequest (the same message in v1 and v2) read by hand, for the requests flagd providers send: an
 * ASCII flag key and a context Struct of ASCII keys whose values are strings, numbers, booleans, nulls, lists or
 * structs. The context comes back reduced to what flagwire reads of it (the targeting key and `customerId`, when
 * present); every other value is checked as protobuf-es would read it, and skipped. Anything else (unknown fields,
 * non-ASCII text, a context given twice, an id that is not a string, deep nesting, bad bytes) returns undefined,
 * and the caller decodes with protobuf-es as usual, so every answer, error message included, stays the same.
 */
export function decodeResolveBooleanRequest(bytes: Uint8Array): FlagRequest | undefined {
  let flagKey = "";
  let context: JsonObject | undefined;
  const end = bytes.length;
  pos = 0;
  while (pos < end) {
    const tag = bytes[pos++];
    const length = readLength(bytes, end);
    if (length < 0) return undefined;
    const fieldEnd = pos + length;
    if (tag === 0x0a) {
      // field 1, flag_key: the last one wins, as in protobuf
      if (!isAscii(bytes, pos, fieldEnd)) return undefined;
      flagKey = latin1(bytes, pos, fieldEnd);
      pos = fieldEnd;
    } else if (tag === 0x12 && context === undefined) {
      // field 2, context (given twice, protobuf merges the two: left to protobuf-es)
      context = readContext(bytes, fieldEnd);
      if (context === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return context === undefined ? { flagKey } : { flagKey, context };
}

// The reader's position in the bytes being read: decoding is synchronous, so one is enough, and the helpers
// return their value without allocating a pair.
let pos = 0;
// Set by readEntry: where the entry's key is.
let keyAt = 0;
let keyEnd = 0;
// Levels of lists and structs within a context value that the reader follows (protobuf-es allows 100 messages).
const MAX_DEPTH = 16;

const USER = CONTEXT_ATTRIBUTES.user;
const CUSTOMER = CONTEXT_ATTRIBUTES.customer;
const USER_BYTES = Buffer.from(USER, "latin1");
const CUSTOMER_BYTES = Buffer.from(CUSTOMER, "latin1");
// A key protobuf-es would set as the object's prototype: left to it.
const PROTO_BYTES = Buffer.from("__proto__", "latin1");

/**
 * The context Struct from `pos` to `end`, reduced to the two attributes flagwire reads: absent ones left out, a
 * null or empty value as null (as protobuf-es reads them). Undefined for anything the reader leaves.
 */
function readContext(bytes: Uint8Array, end: number): JsonObject | undefined {
  let user: string | null | undefined;
  let customer: string | null | undefined;
  while (pos < end) {
    const valueEnd = readEntry(bytes, end);
    if (valueEnd < 0) return undefined;
    const isUser = keyIs(bytes, USER_BYTES);
    if (isUser || keyIs(bytes, CUSTOMER_BYTES)) {
      const id = idValue(bytes, valueEnd);
      if (id === undefined) return undefined;
      if (isUser) user = id;
      else customer = id;
    } else if (!skipValue(bytes, valueEnd, MAX_DEPTH)) {
      return undefined;
    }
  }
  const context: JsonObject = {};
  if (user !== undefined) context[USER] = user;
  if (customer !== undefined) context[CUSTOMER] = customer;
  return context;
}

/**
 * One entry of a Struct's `fields` map from `pos`: an ASCII key (field 1) then a value (field 2) filling the entry,
 * as encoders write them. Leaves `pos` at the value's first byte and returns where it ends; -1 for anything else.
 */
function readEntry(bytes: Uint8Array, end: number): number {
  if (bytes[pos++] !== 0x0a) return -1;
  const entryLength = readLength(bytes, end);
  if (entryLength < 0) return -1;
  const entryEnd = pos + entryLength;
  if (pos >= entryEnd || bytes[pos++] !== 0x0a) return -1;
  const keyLength = readLength(bytes, entryEnd);
  if (keyLength < 0) return -1;
  keyAt = pos;
  keyEnd = pos += keyLength;
  if (!isAscii(bytes, keyAt, keyEnd) || keyIs(bytes, PROTO_BYTES)) return -1;
  if (pos >= entryEnd || bytes[pos++] !== 0x12) return -1;
  const valueLength = readLength(bytes, entryEnd);
  return valueLength >= 0 && pos + valueLength === entryEnd ? entryEnd : -1;
}

function keyIs(bytes: Uint8Array, key: Uint8Array): boolean {
  if (keyEnd - keyAt !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (bytes[keyAt + i] !== key[i]) return false;
  return true;
}

/** An id attribute's Value from `pos` to `end`: an ASCII string, or null (no kind, or null_value); else undefined. */
function idValue(bytes: Uint8Array, end: number): string | null | undefined {
  if (pos === end) return null;
  const tag = bytes[pos++];
  if (tag === 0x08) {
    // null_value, a one-byte enum value
    if (pos + 1 !== end || (bytes[pos++] as number) >= 0x80) return undefined;
    return null;
  }
  if (tag !== 0x1a) return undefined; // string_value alone; anything else gets protobuf-es's value and our error
  const length = readLength(bytes, end);
  if (length < 0 || pos + length !== end || !isAscii(bytes, pos, end)) return undefined;
  const id = latin1(bytes, pos, end);
  pos = end;
  return id;
}

/** Checks a Value from `pos` to `end` as protobuf-es would read it, and skips it; false for anything else. */
function skipValue(bytes: Uint8Array, end: number, depth: number): boolean {
  while (pos < end) {
    const tag = bytes[pos++];
    if (tag === 0x08 || tag === 0x20) {
      // null_value or bool_value: one-byte varints only
      if (pos >= end || (bytes[pos++] as number) >= 0x80) return false;
    } else if (tag === 0x11) {
      // number_value: any 8 bytes are a double
      if (pos + 8 > end) return false;
      pos += 8;
    } else if (tag === 0x1a || tag === 0x2a || tag === 0x32) {
      const length = readLength(bytes, end);
      if (length < 0) return false;
      const valueEnd = pos + length;
      if (tag === 0x1a) {
        // string_value
        if (!isAscii(bytes, pos, valueEnd)) return false;
        pos = valueEnd;
      } else if (depth === 0) {
        return false;
      } else if (tag === 0x2a) {
        // struct_value
        while (pos < valueEnd) {
          const entryEnd = readEntry(bytes, valueEnd);
          if (entryEnd < 0 || !skipValue(bytes, entryEnd, depth - 1)) return false;
        }
      } else {
        // list_value: its values (field 1)
        while (pos < valueEnd) {
          if (bytes[pos++] !== 0x0a) return false;
          const itemLength = readLength(bytes, valueEnd);
          if (itemLength < 0 || !skipValue(bytes, pos + itemLength, depth - 1)) return false;
        }
      }
    } else {
      return false;
    }
  }
  return pos === end;
}

/** A length-delimited field's length from `pos` (a varint of up to 4 bytes) if it fits before `end`; else -1. */
function readLength(bytes: Uint8Array, end: number): number {
  let length = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) return -1;
    const byte = bytes[pos++] as number;
    length |= (byte & 0x7f) << shift;
    if (byte < 0x80) return pos + length <= end ? length : -1;
  }
  return -1;
}

function isAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/** Text of bytes known to be ASCII. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}
