import { EvaluateRequestSchema, type EvaluateRequest } from "../../../gen/flagwire/v1/flags_pb.js";
import type { Evaluation } from "../../domain/evaluate.js";
import { REASON_TO_PROTO } from "../services/proto-mapping.js";

// The hand-written codecs of the hottest calls on the gRPC port (Evaluate, EvaluateAll): the same bytes as
// protobuf-es, checked in test/unit/evaluate-codec.test.ts; the fields they write are pinned in
// test/unit/evaluate-codec-schema.test.ts, so that a field added to the contract is not silently left out.

const utf8 = new TextEncoder();
// Field 1 of FeatureEvaluation (the name), per feature name; bounded, since renamed features leave theirs.
const nameFields = new Map<string, Uint8Array>();
const MAX_CACHED_NAMES = 100_000;
// Fields 2, 3 and 5 (enabled, reason, segment) per outcome: evaluation returns a few shared objects.
const outcomeFields = new WeakMap<Evaluation, Uint8Array>();

/**
 * EvaluateAllResponse for `features[i]` evaluated to `evaluations[i]`: the same bytes protobuf-es writes
 * (see above). With `anonymous` (the same features' answers to the empty context, one array per revision; see
 * `AllEvaluations`), the entries are encoded once per revision and each response copies them, writing afresh only
 * the entries whose evaluation differs; without it, every entry is assembled from cached name and outcome fields.
 */
export function encodeEvaluateAllResponse(
  features: readonly string[],
  evaluations: readonly Evaluation[],
  revision: number,
  anonymous?: readonly Evaluation[],
): Uint8Array {
  if (anonymous !== undefined && anonymous.length === features.length && evaluations.length === features.length) {
    return encodeOverRun(entryRun(features, anonymous), evaluations, revision);
  }
  const { bytes, size } = encodeEntries(features, evaluations, revisionSize(revision));
  return finish(bytes, size, revision);
}

/** Every entry (field 1) of one list of evaluations, encoded, with where each starts: a response minus its revision. */
interface EntryRun {
  features: readonly string[];
  evaluations: readonly Evaluation[];
  bytes: Uint8Array;
  /** Entry i is `bytes[starts[i], starts[i + 1])`. */
  starts: Uint32Array;
}

// Per answers-to-the-empty-context array (one per revision of a server's state): garbage once its revision is.
const entryRuns = new WeakMap<readonly Evaluation[], EntryRun>();
// The positions where a response differs from its run; reused by every call (encoding is synchronous).
let differing: Uint32Array = new Uint32Array(64);

function entryRun(features: readonly string[], evaluations: readonly Evaluation[]): EntryRun {
  const cached = entryRuns.get(evaluations);
  if (cached?.features === features) return cached;
  const { bytes, starts } = encodeEntries(features, evaluations, 0);
  const run = { features, evaluations, bytes, starts };
  entryRuns.set(evaluations, run);
  return run;
}

/** The response: `run`'s bytes, with the entries whose evaluation differs from the run's written in their place. */
function encodeOverRun(run: EntryRun, evaluations: readonly Evaluation[], revision: number): Uint8Array {
  const { features, starts } = run;
  const base = run.evaluations;
  let size = run.bytes.length + revisionSize(revision);
  let count = 0;
  for (let i = 0; i < evaluations.length; i++) {
    if (evaluations[i] === base[i]) continue;
    if (count === differing.length) differing = grow(differing);
    differing[count++] = i;
    const entry = nameField(features[i] as string).length + outcomeField(evaluations[i] as Evaluation).length;
    size += 1 + varintSize(entry) + entry - ((starts[i + 1] as number) - (starts[i] as number));
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  let from = 0; // the next byte of the run to copy
  for (let k = 0; k < count; k++) {
    const i = differing[k] as number;
    bytes.set(run.bytes.subarray(from, starts[i]), at);
    at += (starts[i] as number) - from;
    at = writeEntry(bytes, at, nameField(features[i] as string), outcomeField(evaluations[i] as Evaluation));
    from = starts[i + 1] as number;
  }
  bytes.set(run.bytes.subarray(from), at);
  at += run.bytes.length - from;
  return finish(bytes, at, revision);
}

/** The entries of `features` and `evaluations` into a buffer with `spare` bytes left after them (for the revision). */
function encodeEntries(features: readonly string[], evaluations: readonly Evaluation[], spare: number): { bytes: Buffer; size: number; starts: Uint32Array } {
  const names = new Array<Uint8Array>(features.length);
  const outcomes = new Array<Uint8Array>(features.length);
  let size = 0;
  for (let i = 0; i < features.length; i++) {
    const name = (names[i] = nameField(features[i] as string));
    const outcome = (outcomes[i] = outcomeField(evaluations[i] as Evaluation));
    const entry = name.length + outcome.length;
    size += 1 + varintSize(entry) + entry;
  }
  const bytes = Buffer.allocUnsafe(size + spare);
  const starts = new Uint32Array(features.length + 1);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    starts[i] = at;
    at = writeEntry(bytes, at, names[i] as Uint8Array, outcomes[i] as Uint8Array);
  }
  starts[names.length] = at;
  return { bytes, size, starts };
}

/** One FeatureEvaluation (field 1, length-delimited) from its name field and its outcome fields. */
function writeEntry(bytes: Uint8Array, at: number, name: Uint8Array, outcome: Uint8Array): number {
  bytes[at++] = 0x0a;
  at = writeVarint(bytes, at, name.length + outcome.length);
  bytes.set(name, at);
  at += name.length;
  bytes.set(outcome, at);
  return at + outcome.length;
}

/** Writes the revision (field 2) after the `at` bytes of entries; proto3 leaves a zero out, as protobuf-es does. */
function finish(bytes: Buffer, at: number, revision: number): Uint8Array {
  if (revision !== 0) {
    bytes[at++] = 0x10; // field 2, varint: revision
    at = writeVarint(bytes, at, revision);
  }
  return at === bytes.length ? bytes : bytes.subarray(0, at);
}

function revisionSize(revision: number): number {
  return revision === 0 ? 0 : 1 + varintSize(revision);
}

function grow(array: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

// EvaluateResponse around its revision (field 3), per outcome: enabled and reason before it, segment after it.
const responseParts = new WeakMap<Evaluation, { head: Uint8Array; tail: Uint8Array }>();
const NO_BYTES = new Uint8Array(0);

/** EvaluateResponse, byte-identical to protobuf-es's: the hottest response, from two cached pieces and a varint. */
export function encodeEvaluateResponse(evaluation: Evaluation, revision: number): Uint8Array {
  let parts = responseParts.get(evaluation);
  if (!parts) {
    const reason = REASON_TO_PROTO[evaluation.reason];
    parts = {
      head: Uint8Array.from(evaluation.enabled ? [0x08, 1, 0x10, reason] : [0x10, reason]),
      tail: evaluation.segment ? lengthDelimited(0x22, utf8.encode(evaluation.segment)) : NO_BYTES,
    };
    responseParts.set(evaluation, parts);
  }
  const { head, tail } = parts;
  const bytes = Buffer.allocUnsafe(head.length + (revision === 0 ? 0 : 1 + varintSize(revision)) + tail.length);
  bytes.set(head, 0);
  let at = head.length;
  if (revision !== 0) {
    bytes[at++] = 0x18; // field 3, varint: revision
    at = writeVarint(bytes, at, revision);
  }
  bytes.set(tail, at);
  return bytes;
}

/**
 * EvaluateRequest read by hand: three ASCII strings, a quarter of what reflection-driven `fromBinary` costs on
 * the hottest call. Anything else (other fields, non-ASCII text, a malformed varint) returns undefined, and
 * the caller decodes with protobuf-es as usual, so every answer, error message included, stays the same.
 */
export function decodeEvaluateRequest(bytes: Uint8Array): EvaluateRequest | undefined {
  let feature = "";
  let customerId = "";
  let userId = "";
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at++];
    if ((tag !== 0x0a && tag !== 0x12 && tag !== 0x1a) || at >= bytes.length) return undefined; // fields 1-3, length-delimited
    const length = bytes[at++] as number;
    if (length >= 0x80 || at + length > bytes.length) return undefined; // longer than one varint byte: leave it to protobuf-es
    let text = "";
    for (let i = at; i < at + length; i++) {
      const byte = bytes[i] as number;
      if (byte >= 0x80) return undefined;
      text += String.fromCharCode(byte);
    }
    at += length;
    if (tag === 0x0a) feature = text;
    else if (tag === 0x12) customerId = text;
    else userId = text;
  }
  return { $typeName: EvaluateRequestSchema.typeName, feature, customerId, userId };
}

function nameField(name: string): Uint8Array {
  let field = nameFields.get(name);
  if (!field) {
    if (nameFields.size >= MAX_CACHED_NAMES) nameFields.clear();
    field = lengthDelimited(0x0a, utf8.encode(name));
    nameFields.set(name, field);
  }
  return field;
}

function outcomeField(evaluation: Evaluation): Uint8Array {
  let field = outcomeFields.get(evaluation);
  if (!field) {
    const parts: number[] = [];
    if (evaluation.enabled) parts.push(0x10, 1); // field 2: enabled
    parts.push(0x18, REASON_TO_PROTO[evaluation.reason]); // field 3: reason (every value is below 128)
    const head = Uint8Array.from(parts);
    field = evaluation.segment ? concat(head, lengthDelimited(0x2a, utf8.encode(evaluation.segment))) : head; // field 5
    outcomeFields.set(evaluation, field);
  }
  return field;
}

function lengthDelimited(tag: number, payload: Uint8Array): Uint8Array {
  const field = new Uint8Array(1 + varintSize(payload.length) + payload.length);
  field[0] = tag;
  const at = writeVarint(field, 1, payload.length);
  field.set(payload, at);
  return field;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes a non-negative integer (up to 2^53) as a varint; arithmetic, not bit operators, past 32 bits. */
function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}
