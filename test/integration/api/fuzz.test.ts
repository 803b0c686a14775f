import fc from "fast-check";
import { fromJson, ScalarType, toBinary, type DescField, type DescMessage, type DescMethod, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { connectRawGrpc, type RawGrpc } from "../../support/raw-grpc.js";
import { envelope, postConnect, postConnectStream, postGrpcWeb, type WireOutcome } from "../../support/raw-http.js";
import { dumpState, type StateDump } from "../../support/state-dump.js";
import { picture, replay, wholeLog } from "../../support/state-picture.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { PROTOCOLS } from "../../support/protocols.js";

// Every RPC gets random bytes, mutated protobuf and random or mutated JSON, on both listeners (native gRPC through a
// raw HTTP/2 stream, so that the framing itself can be wrong; Connect and gRPC-Web over HTTP/1.1). Each answer must be
// a proper status that is neither INTERNAL nor UNKNOWN; data may change only through writes that were answered OK (a
// mutated request can be a valid one: the samples name the seeded data, so that fuzzing reaches the handlers);
// the stored state stays the change log replayed; and the server keeps serving.

const RUNS = Number(process.env.FLAGWIRE_FUZZ_RUNS ?? 300);
const methods = FeatureFlagService.methods;
/** Methods whose OK answer may have written something. */
const WRITES = new Set(methods.filter((m) => !/^(Get|List|Evaluate|Watch)/.test(m.name)).map((m) => m.name));
/** Short deadlines: a request that decodes to a valid watch must not keep its stream open. */
const DEADLINE = { grpc: { "grpc-timeout": "100m" }, connect: { "connect-timeout-ms": "100" } };

/** A plausible request as JSON: strings that name the seeded data, small numbers, the first member of each oneof. */
function sampleJson(schema: DescMessage, depth = 0): JsonObject {
  const json: JsonObject = {};
  const oneofs = new Set<unknown>();
  for (const field of schema.fields) {
    if (field.oneof) {
      if (oneofs.has(field.oneof)) continue;
      oneofs.add(field.oneof);
    }
    const value = sampleValue(field, depth);
    if (value !== undefined) json[field.jsonName] = value;
  }
  return json;
}

function sampleValue(field: DescField, depth: number): JsonValue | undefined {
  const scalar = (type: ScalarType): JsonValue =>
    type === ScalarType.STRING ? "dashboard" : type === ScalarType.BOOL ? true : type === ScalarType.BYTES ? "" : type === ScalarType.INT64 ? "1" : 2;
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar);
    case "enum":
      return 1;
    case "message":
      return depth < 2 ? sampleJson(field.message, depth + 1) : undefined;
    case "list":
      return field.listKind === "scalar" ? [scalar(field.scalar)] : field.listKind === "enum" ? [1] : [sampleJson(field.message, depth + 1)];
    default:
      return undefined;
  }
}

const validBytes = (method: DescMethod) => toBinary(method.input, fromJson(method.input, sampleJson(method.input)));

/** Byte edits: overwrite, insert or delete at a position, or cut the message short. */
const byteEdits = fc.array(
  fc.record({ at: fc.nat(), op: fc.constantFrom("set", "insert", "delete", "truncate"), byte: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 6 },
);

function edit(base: Uint8Array, edits: { at: number; op: string; byte: number }[]): Uint8Array {
  const bytes = [...base];
  for (const { at, op, byte } of edits) {
    const i = bytes.length === 0 ? 0 : at % (bytes.length + 1);
    if (op === "set" && i < bytes.length) bytes[i] = byte;
    else if (op === "insert") bytes.splice(i, 0, byte);
    else if (op === "delete") bytes.splice(i, 1);
    else if (op === "truncate") bytes.length = i;
  }
  return Uint8Array.from(bytes);
}

/** A protobuf body for `method`: random bytes, a valid request with byte edits, or a valid one with a random tail. */
const protobufBody = (method: DescMethod) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    byteEdits.map((edits) => edit(validBytes(method), edits)),
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map((tail) => Uint8Array.from([...validBytes(method), ...tail])),
  );

/** A JSON body for `method`: any text, any JSON, or the valid request with fields replaced by any JSON value. */
const jsonBody = (method: DescMethod) => {
  const names = [...method.input.fields.map((f) => f.jsonName), ...method.input.fields.map((f) => f.name), "unknownField"];
  return fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.json({ maxDepth: 3 }),
    fc
      .dictionary(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
      .map((changes) => JSON.stringify({ ...sampleJson(method.input), ...changes })),
  );
};

type Send = (method: DescMethod, body: Uint8Array | string) => Promise<WireOutcome>;

let ts: TestServer;
let grpcRaw: RawGrpc;
let before: StateDump;
/** OK answers of write methods: the only calls that may have changed data. */
let okWrites = 0;

const streaming = (method: DescMethod) => method.methodKind !== "unary";

/** A Connect unary call: HTTP 200 carries the response message, anything else a JSON error with its code. */
async function connectUnary(method: DescMethod, contentType: string, body: Uint8Array | string): Promise<WireOutcome> {
  const outcome = await postConnect(ts.httpUrl, method.name, contentType, body, DEADLINE.connect);
  return outcome.http === 200 ? { ...outcome, code: "ok" } : outcome;
}

/** How each kind of body is sent, on both listeners. */
const binaryTransports: Record<string, Send> = {
  "native gRPC": (method, body) => grpcRaw.post(method.name, envelope(body as Uint8Array), DEADLINE.grpc),
  "native gRPC, raw framing": (method, body) => grpcRaw.post(method.name, body as Uint8Array, DEADLINE.grpc),
  "gRPC-Web": (method, body) => postGrpcWeb(ts.httpUrl, method.name, envelope(body as Uint8Array), DEADLINE.grpc),
  "gRPC-Web, raw framing": (method, body) => postGrpcWeb(ts.httpUrl, method.name, body as Uint8Array, DEADLINE.grpc),
  "Connect binary": (method, body) =>
    streaming(method)
      ? postConnectStream(ts.httpUrl, method.name, envelope(body as Uint8Array), DEADLINE.connect)
      : connectUnary(method, "application/proto", body),
};

const sendJson: Send = (method, body) =>
  streaming(method)
    ? postConnectStream(ts.httpUrl, method.name, envelope(Buffer.from(body as string)), { ...DEADLINE.connect, "content-type": "application/connect+json" })
    : connectUnary(method, "application/json", body);

async function check(method: DescMethod, send: Send, body: Uint8Array | string): Promise<void> {
  const { code: status } = await send(method, body);
  expect(status, `${method.name}: a proper status that is not INTERNAL or UNKNOWN`).toMatch(
    /^(ok|canceled|invalid_argument|deadline_exceeded|not_found|already_exists|failed_precondition|resource_exhausted|unimplemented|unavailable|out_of_range)$/,
  );
  if (status === "ok" && WRITES.has(method.name)) okWrites++;
}

beforeAll(async () => {
  ts = await startTestServer();
  grpcRaw = connectRawGrpc(ts.grpcUrl);
  const seed = ts.client("grpc");
  await seed.createFeature({ name: "dashboard", enabled: true });
  await seed.createCustomer({ id: "101" });
  await seed.createUser({ id: "456", customerId: "101" });
  await seed.setOverride({ feature: "dashboard", target: { kind: { case: "userId", value: "456" } }, enabled: false });
  before = await dumpState(ts.client("grpc"));
});

afterAll(async () => {
  grpcRaw?.close();
  await ts?.close();
});

describe("fuzzing every RPC on both listeners", () => {
  it.each(Object.keys(binaryTransports))("protobuf over %s", { timeout: 60_000 }, async (transport) => {
    const send = binaryTransports[transport] as Send;
    const input = fc.constantFrom(...methods).chain((method) => protobufBody(method).map((body) => ({ method, body })));
    await fc.assert(
      fc.asyncProperty(input, ({ method, body }) => check(method, send, body)),
      { numRuns: RUNS },
    );
  });

  it("JSON over Connect", { timeout: 60_000 }, async () => {
    const input = fc.constantFrom(...methods).chain((method) => jsonBody(method).map((body) => ({ method, body })));
    await fc.assert(
      fc.asyncProperty(input, ({ method, body }) => check(method, sendJson, body)),
      { numRuns: RUNS },
    );
  });

  it("afterwards: data changed only through writes answered OK, consistently, and both listeners serve", async () => {
    const after = await dumpState(ts.client("grpc"));
    expect(after.changes.length - before.changes.length).toBeLessThanOrEqual(okWrites);
    if (okWrites === 0) expect(after).toEqual(before);
    expect(after.changes.slice(0, before.changes.length)).toEqual(before.changes);
    const store = openSqliteStore({ path: ts.dbPath });
    try {
      expect(picture(ts.server.engine.state)).toEqual(picture(replay(await wholeLog(store))));
    } finally {
      await store.close();
    }
    for (const protocol of PROTOCOLS) {
      expect((await ts.client(protocol).listChanges({ pageSize: 1000 })).changes).toHaveLength(after.changes.length);
    }
  });
});
