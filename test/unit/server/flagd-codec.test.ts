import { create, fromBinary, toBinary, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as v1 from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import * as v2 from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { decodeRequest } from "../../../src/server/decode-request.js";
import { FLAGD_GRPC_CODECS } from "../../../src/server/grpc/create-flagd-grpc-service.js";
import { createResolveBooleanEncoder, decodeResolveBooleanRequest } from "../../../src/server/grpc/flagd-codec.js";
import { contextFromOpenFeature } from "../../../src/server/services/flagd-context.js";
import { flagdResolution, type FlagRequest } from "../../../src/server/services/flagd-resolve-handlers.js";
import { EVERY_OUTCOME } from "../../support/evaluation-outcomes.js";
import { seededRandom } from "../../support/seeded-random.js";

// The gRPC port's ResolveBoolean codec must agree with protobuf-es on every input: the same bytes out, and in, the
// same flag key and the same reading of the context (ids, or the error naming the attribute); whatever the hand
// reader does not take is left to protobuf-es, errors included.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const VERSIONS = [
  { version: "v1", request: v1.ResolveBooleanRequestSchema, response: v1.ResolveBooleanResponseSchema, codec: FLAGD_GRPC_CODECS.v1.resolveBoolean },
  { version: "v2", request: v2.ResolveBooleanRequestSchema, response: v2.ResolveBooleanResponseSchema, codec: FLAGD_GRPC_CODECS.v2.resolveBoolean },
] as const;

describe.each(VERSIONS)("ResolveBooleanResponse $version", ({ response, codec }) => {
  it("is written as protobuf-es writes it, for every outcome, targeted or not, and revisions of every size", () => {
    const encode = createResolveBooleanEncoder(response);
    for (const evaluation of EVERY_OUTCOME) {
      for (const targeted of [false, true]) {
        // Twice each: the second answer comes from the cached bytes of the outcome.
        for (const revision of [0, 1, 127, 128, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 5, 0]) {
          const resolution = { evaluation, targeted, revision };
          const reference = toBinary(response, create(response, flagdResolution(resolution)));
          expect(hex(encode(resolution))).toBe(hex(reference));
          expect(hex(codec.encode(resolution))).toBe(hex(reference));
        }
      }
    }
  });
});

/** The request as protobuf-es reads it, reduced to what the handler reads: the flag key and the two id attributes. */
function reduced(schema: (typeof VERSIONS)[number]["request"], bytes: Uint8Array): FlagRequest {
  const { flagKey, context } = fromBinary(schema, bytes);
  if (context === undefined) return { flagKey };
  const ids: JsonObject = {};
  for (const key of ["targetingKey", "customerId"]) if (Object.hasOwn(context, key)) ids[key] = context[key] as JsonValue;
  return { flagKey, context: ids };
}

/** What the handler makes of a decoded request: the flag key and the evaluation context, or the error of its ids. */
function reading(decode: () => FlagRequest): unknown {
  try {
    const request = decode();
    return { flagKey: request.flagKey, context: contextFromOpenFeature(request.context) };
  } catch (err) {
    return { error: String(err) };
  }
}

const requestBytes = (flagKey: string, context?: JsonObject) => toBinary(v1.ResolveBooleanRequestSchema, create(v1.ResolveBooleanRequestSchema, { flagKey, context }));

/** A random JSON value: every Struct value kind, nested up to `depth`, ASCII or not, short and long. */
function randomValue(next: () => number, depth: number, ascii: boolean): JsonValue {
  const kind = Math.floor(next() * (depth > 0 ? 7 : 5));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return [0, -0, 1.5, -7, 2 ** 60, NaN, Infinity][Math.floor(next() * 7)] as number;
    case 2:
      return next() < 0.5;
    case 3:
    case 4:
      return randomText(next, ascii);
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1, ascii));
    default:
      return randomObject(next, depth - 1, ascii);
  }
}

function randomText(next: () => number, ascii: boolean): string {
  // Lengths around the one- and two-byte varint boundaries, and past them (rarely: they are slow to make).
  const length = next() < 0.01 ? 17_000 : ([0, 1, 12, 127, 128, 300] as const)[Math.floor(next() * 6)] ?? 0;
  const alphabet = ascii || next() < 0.7 ? "abcXYZ019-_. :/\u007f\u0000" : "aé€😀";
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

function randomObject(next: () => number, depth: number, ascii: boolean): JsonObject {
  const keys = ["targetingKey", "customerId", "email", "plan", "", "targetingkey", ascii || next() < 0.8 ? "k".repeat(200) : "clé"];
  const object: JsonObject = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) object[keys[Math.floor(next() * keys.length)] as string] = randomValue(next, depth, ascii);
  return object;
}

describe("decodeResolveBooleanRequest", () => {
  it("reads what protobuf-es reads from ASCII requests with string or null ids and any other attributes", () => {
    const next = seededRandom(14);
    for (let run = 0; run < 1000; run++) {
      const context = next() < 0.1 ? undefined : randomObject(next, 4, true);
      // The ids the hand reader takes: strings (empty ones too) or null.
      for (const id of ["targetingKey", "customerId"]) if (context && id in context && typeof context[id] !== "string") context[id] = next() < 0.5 ? null : `id-${run}`;
      const bytes = requestBytes(next() < 0.05 ? "" : `flag-${run}`, context);
      expect(decodeResolveBooleanRequest(bytes)).toEqual(reduced(v1.ResolveBooleanRequestSchema, bytes));
    }
  });

  it.each(VERSIONS)("$version: through the codec, any context is read as protobuf-es reads it, errors included", ({ request, codec }) => {
    const next = seededRandom(15);
    let fast = 0;
    for (let run = 0; run < 1000; run++) {
      const bytes = requestBytes(next() < 0.1 ? "fl\u00e4g" : `flag-${run}`, next() < 0.1 ? undefined : randomObject(next, 20, false));
      if (decodeResolveBooleanRequest(bytes)) fast++;
      expect(reading(() => codec.decode(bytes))).toEqual(reading(() => decodeRequest(request, bytes)));
    }
    expect(fast).toBeGreaterThan(200); // the comparison above went through the hand reader often enough
  });

  // Requests by hand (every length under 128): a field is its tag, its length and its bytes.
  const field = (tag: number, bytes: number[]) => [tag, bytes.length, ...bytes];
  const latin1 = (text: string) => [...Buffer.from(text, "latin1")];
  const key = (text: string) => field(0x0a, latin1(text));
  const entry = (key: number[], value: number[]) => field(0x0a, [...key, ...value]);
  const stringValue = (text: string) => field(0x12, field(0x1a, latin1(text)));
  const contextField = (...entries: number[][]) => field(0x12, entries.flat());
  const user = (id: string) => entry(key("targetingKey"), stringValue(id));

  it.each([
    ["an unknown request field", [0x0a, 0x01, 0x66, 0x18, 0x01]],
    ["an unknown Struct field", [0x12, 0x02, 0x10, 0x01]],
    ["a map entry with its value first", contextField(field(0x0a, [...stringValue("u1"), ...key("targetingKey")]))],
    ["a map entry without a value", contextField(field(0x0a, key("targetingKey")))],
    ["a map entry without a key", contextField(field(0x0a, stringValue("u1")))],
    ["an unknown map entry field", contextField(field(0x0a, [...key("targetingKey"), ...stringValue("u1"), 0x18, 0x01]))],
    ["a context given twice (protobuf merges)", [...contextField(user("u1")), ...contextField(entry(key("customerId"), stringValue("c1")))]],
    ["a truncated context", [0x12, 0x10, 0x0a, 0x02]],
    ["a truncated flag key", [0x0a, 0x05, 0x61]],
    ["a wrong wire type for flag_key", [0x08, 0x01]],
    ["invalid UTF-8 in a key", contextField(entry(field(0x0a, [0xff]), field(0x12, [])))],
    ["invalid UTF-8 in an ignored value", contextField(entry(key("plan"), field(0x12, field(0x1a, [0xff]))))],
    ["a __proto__ key (protobuf-es sets the object's prototype)", contextField(entry(key("__proto__"), field(0x12, field(0x2a, user("u1")))))],
    ["a null_value of two bytes", contextField(entry(key("targetingKey"), field(0x12, [0x08, 0x80, 0x01])))],
    ["an id Value of two kinds (the last wins)", contextField(entry(key("targetingKey"), field(0x12, [...field(0x1a, latin1("u1")), 0x20, 0x01])))],
    ["a number id", contextField(entry(key("customerId"), field(0x12, [0x11, 0, 0, 0, 0, 0, 0, 0x1c, 0x40])))],
    ["a five-byte length", [0x0a, 0x81, 0x80, 0x80, 0x80, 0x00, 0x61]],
  ])("leaves %s to protobuf-es", (_, bytes) => {
    const request = Uint8Array.from(bytes);
    expect(decodeResolveBooleanRequest(request)).toBeUndefined();
    for (const { request: schema, codec } of VERSIONS) expect(reading(() => codec.decode(request))).toEqual(reading(() => decodeRequest(schema, request)));
  });

  it.each([
    ["no context", [0x0a, 0x01, 0x66], { flagKey: "f" }],
    ["an empty context", [0x12, 0x00], { flagKey: "", context: {} }],
    ["no flag key", contextField(user("u1")), { flagKey: "", context: { targetingKey: "u1" } }],
    ["a flag key given twice (the last wins)", [0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62], { flagKey: "b" }],
    ["an id given twice (the last wins)", contextField(user("u1"), user("u2")), { flagKey: "", context: { targetingKey: "u2" } }],
    ["an id Value with no kind (null)", contextField(entry(key("targetingKey"), field(0x12, []))), { flagKey: "", context: { targetingKey: null } }],
    ["an ignored Value with no kind", contextField(entry(key("plan"), field(0x12, []))), { flagKey: "", context: {} }],
    ["a non-minimal length", [0x0a, 0x81, 0x00, 0x61], { flagKey: "a" }],
  ] as const)("reads %s as protobuf-es does", (_, bytes, expected) => {
    const request = Uint8Array.from(bytes);
    expect(decodeResolveBooleanRequest(request)).toEqual(expected);
    expect(decodeResolveBooleanRequest(request)).toEqual(reduced(v1.ResolveBooleanRequestSchema, request));
  });

  it("refuses bytes that are not a request in protobuf-es's words, naming the version", () => {
    expect(() => FLAGD_GRPC_CODECS.v1.resolveBoolean.decode(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(
      /request is not a valid flagd.evaluation.v1.ResolveBooleanRequest message/,
    );
    expect(() => FLAGD_GRPC_CODECS.v2.resolveBoolean.decode(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(
      /request is not a valid flagd.evaluation.v2.ResolveBooleanRequest message/,
    );
  });

  it("follows nesting 16 levels deep, and leaves deeper values to protobuf-es", () => {
    const nested = (levels: number): JsonValue => (levels === 0 ? "x" : next(levels));
    const next = (levels: number): JsonValue => (levels % 2 ? [nested(levels - 1)] : { a: nested(levels - 1) });
    expect(decodeResolveBooleanRequest(requestBytes("f", { deep: nested(16), targetingKey: "u" }))).toEqual({ flagKey: "f", context: { targetingKey: "u" } });
    expect(decodeResolveBooleanRequest(requestBytes("f", { deep: nested(17), targetingKey: "u" }))).toBeUndefined();
  });
});
