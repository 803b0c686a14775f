import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, encodeBinaryHeader, type HandlerContext } from "@connectrpc/connect";
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus } from "../../../gen/grpc/health/v1/health_pb.js";
import { createGrpcService, type GrpcRefusal } from "../../../src/server/grpc/create-grpc-service.js";
import { listenGrpc, type GrpcListener } from "../../../src/server/grpc/listen-grpc.js";

// The grpc-js adapter on its own, with hand-written implementations: what it reports of the calls it refuses before
// the implementation runs, and how the headers and trailers an implementation sets reach the client.

const refusals: GrpcRefusal[] = [];
let listener: GrpcListener;
let client: grpc.Client;

/** Sets one text and one binary (`-bin`, base64 in Headers) entry on a Headers object. */
function tag(headers: Headers, name: string): void {
  headers.set(`x-${name}`, "text");
  headers.set(`x-${name}-bin`, encodeBinaryHeader(new Uint8Array([0, 1, 254, 255])));
}

const SERVING = { status: HealthCheckResponse_ServingStatus.SERVING };

/** `check` answers, `watch` streams one answer; both set headers and trailers. `list` is left unimplemented. */
const impl = {
  check(_request: unknown, context: HandlerContext) {
    tag(context.responseHeader, "header");
    tag(context.responseTrailer, "trailer");
    return SERVING;
  },
  async *watch(_request: unknown, context: HandlerContext) {
    tag(context.responseHeader, "header");
    tag(context.responseTrailer, "trailer");
    yield SERVING;
  },
};

beforeAll(async () => {
  listener = await listenGrpc({
    address: "127.0.0.1:0",
    maxReceiveMessageLength: 1024,
    services: [createGrpcService(Health, impl, { onRefused: (refusal) => refusals.push(refusal) })],
  });
  client = new grpc.Client(`127.0.0.1:${listener.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await listener?.close(0);
});

const CHECK_REQUEST = Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {})));

interface Outcome {
  code: number;
  details: string;
  header?: grpc.Metadata;
  trailer?: grpc.Metadata;
}

function unary(method: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let header: grpc.Metadata | undefined;
    const call = client.makeUnaryRequest<Buffer, Buffer>(`/grpc.health.v1.Health/${method}`, (b) => b, (b) => b, body, () => undefined);
    call.on("metadata", (metadata: grpc.Metadata) => (header = metadata));
    call.on("status", (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details, header, trailer: status.metadata }));
  });
}

function serverStream(method: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let header: grpc.Metadata | undefined;
    const call = client.makeServerStreamRequest<Buffer, Buffer>(`/grpc.health.v1.Health/${method}`, (b) => b, (b) => b, body);
    call.on("metadata", (metadata: grpc.Metadata) => (header = metadata));
    call.on("data", () => undefined);
    call.on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details, header, trailer: status.metadata }));
  });
}

describe("onRefused", () => {
  const rows = [
    { name: "a unary request that is not protobuf", call: () => unary("Check", Buffer.from([0xff])), method: "Check", code: Code.InvalidArgument },
    { name: "a streaming request that is not protobuf", call: () => serverStream("Watch", Buffer.from([0xff])), method: "Watch", code: Code.InvalidArgument },
    { name: "a method the implementation lacks", call: () => unary("List", CHECK_REQUEST), method: "List", code: Code.Unimplemented },
  ];
  for (const { name, call, method, code } of rows) {
    it(`reports ${name} once, with the status the client gets`, async () => {
      refusals.length = 0;
      const outcome = await call();
      expect(outcome.code).toBe(code);
      expect(refusals).toEqual([{ method: `grpc.health.v1.Health/${method}`, error: expect.any(ConnectError), started: expect.any(Number) }]);
      expect(refusals[0]?.error.code).toBe(code);
      expect(refusals[0]?.error.rawMessage).toBe(outcome.details);
    });
  }

  it("reports nothing for calls the implementation answers", async () => {
    refusals.length = 0;
    expect((await unary("Check", CHECK_REQUEST)).code).toBe(grpc.status.OK);
    expect((await serverStream("Watch", CHECK_REQUEST)).code).toBe(grpc.status.OK);
    expect(refusals).toEqual([]);
  });
});

describe("headers and trailers an implementation sets", () => {
  for (const [kind, call] of [
    ["unary", () => unary("Check", CHECK_REQUEST)],
    ["server-streaming", () => serverStream("Watch", CHECK_REQUEST)],
  ] as const) {
    it(`reach a ${kind} client as metadata, -bin entries as bytes`, async () => {
      const outcome = await call();
      expect(outcome.code, outcome.details).toBe(grpc.status.OK);
      expect(outcome.header?.get("x-header")).toEqual(["text"]);
      expect(outcome.header?.get("x-header-bin")).toEqual([Buffer.from([0, 1, 254, 255])]);
      expect(outcome.trailer?.get("x-trailer")).toEqual(["text"]);
      expect(outcome.trailer?.get("x-trailer-bin")).toEqual([Buffer.from([0, 1, 254, 255])]);
    });
  }
});

describe("codecs", () => {
  const raw = (port: number, body: Buffer) =>
    new Promise<{ code: number; details: string; response?: Buffer }>((resolve) => {
      const other = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      let response: Buffer | undefined;
      const call = other.makeUnaryRequest<Buffer, Buffer>("/grpc.health.v1.Health/Check", (b) => b, (b) => b, body, (_err, value) => (response = value));
      call.on("status", (status: grpc.StatusObject) => {
        other.close();
        setImmediate(() => resolve({ code: status.code, details: status.details, ...(response ? { response } : {}) }));
      });
    });

  it("refuses a codec for a method the service lacks", () => {
    const codec = { decode: (bytes: Uint8Array) => bytes, encode: (bytes: Uint8Array) => bytes };
    expect(() => createGrpcService(Health, impl, { codecs: { chek: codec } })).toThrow(/grpc.health.v1.Health has no method chek/);
  });

  it("read and write a method's messages instead of protobuf-es, refusals included", async () => {
    // The implementation answers a number; the codec writes it as HealthCheckResponse.status (field 1, varint).
    const codec = {
      decode: (bytes: Uint8Array) => {
        if (bytes.length > 3) throw new ConnectError("too long for this codec", Code.InvalidArgument);
        return bytes.length;
      },
      encode: (status: number) => Uint8Array.of(0x08, status),
    };
    const own: GrpcRefusal[] = [];
    const served = await listenGrpc({
      address: "127.0.0.1:0",
      maxReceiveMessageLength: 1024,
      services: [createGrpcService(Health, { check: (length: number) => length + 1 }, { codecs: { check: codec }, onRefused: (r) => own.push(r) })],
    });
    try {
      const answered = await raw(served.port, Buffer.from([1, 2]));
      expect(answered.code).toBe(grpc.status.OK);
      expect([...(answered.response ?? [])]).toEqual([0x08, 3]);
      const refused = await raw(served.port, Buffer.from([1, 2, 3, 4]));
      expect({ code: refused.code, details: refused.details }).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: "too long for this codec" });
      expect(own.map((r) => r.method)).toEqual(["grpc.health.v1.Health/Check"]);
    } finally {
      await served.close(0);
    }
  });
});
