import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createGrpcService } from "../../../src/server/grpc/create-grpc-service.js";
import { createHealthService } from "../../../src/server/grpc/health-service.js";
import { createReflectionServices } from "../../../src/server/grpc/reflection-service.js";
import { FeatureFlagService, file_flagwire_v1_flags } from "../../../gen/flagwire/v1/flags_pb.js";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListRequestSchema,
  HealthListResponseSchema,
  file_grpc_health_v1_health,
} from "../../../gen/grpc/health/v1/health_pb.js";
import * as v1 from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";

const run = promisify(execFile);
const serviceNames = [FeatureFlagService, Health, v1.ServerReflection, v1alpha.ServerReflection].map((s) => s.typeName);

const health = createHealthService();
const shutdown = new AbortController();
const server = new grpc.Server();
let address = "";
let client: grpc.Client;

beforeAll(async () => {
  const reflection = createReflectionServices({
    files: [file_flagwire_v1_flags, file_grpc_health_v1_health, v1.file_grpc_reflection_v1_reflection, v1alpha.file_grpc_reflection_v1alpha_reflection],
    serviceNames,
  });
  const options = { shutdownSignal: shutdown.signal };
  for (const service of [
    createGrpcService(Health, health.impl, options),
    createGrpcService(v1.ServerReflection, reflection.v1, options),
    createGrpcService(v1alpha.ServerReflection, reflection.v1alpha, options),
  ]) {
    server.addService(service.definition, service.handlers);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
  client = new grpc.Client(address, grpc.credentials.createInsecure());
  health.setStatus(FeatureFlagService.typeName, ServingStatus.SERVING);
});

afterAll(() => {
  client?.close();
  shutdown.abort();
  server.forceShutdown(); // a stream left open by a failed test must not hang the run
});

const serializer = <D extends DescMessage>(schema: D) => (init: MessageInitShape<D>) => Buffer.from(toBinary(schema, create(schema, init)));
const deserializer = <D extends DescMessage>(schema: D) => (bytes: Buffer) => fromBinary(schema, bytes);

function unary<I extends DescMessage, O extends DescMessage>(path: string, input: I, output: O, request: MessageInitShape<I>) {
  return new Promise<MessageShape<O>>((resolve, reject) =>
    client.makeUnaryRequest(path, serializer(input), deserializer(output), request, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

/** A server stream read one message at a time. */
function reader<T>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<never, T>) {
  const received: T[] = [];
  const waiting: ((value: T) => void)[] = [];
  stream.on("data", (value: T) => {
    const next = waiting.shift();
    if (next) next(value);
    else received.push(value);
  });
  stream.on("error", () => undefined); // cancelled on purpose at the end of each test
  return (): Promise<T> => (received.length ? Promise.resolve(received.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

/** Opens a reflection stream of either version; `ask` sends one request and reads its answer. */
function reflectionStream(version: typeof v1 | typeof v1alpha) {
  const path = `/${version.ServerReflection.typeName}/ServerReflectionInfo`;
  const stream = client.makeBidiStreamRequest(
    path,
    serializer(version.ServerReflectionRequestSchema as typeof v1.ServerReflectionRequestSchema),
    deserializer(version.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema),
  );
  const next = reader(stream);
  return {
    ask(messageRequest: MessageInitShape<typeof v1.ServerReflectionRequestSchema>["messageRequest"]) {
      stream.write({ host: "flagwire.test", messageRequest });
      return next();
    },
    close: () => stream.cancel(),
  };
}

function fileNames(response: v1.ServerReflectionResponse): string[] {
  expect(response.messageResponse.case).toBe("fileDescriptorResponse");
  const files = response.messageResponse.case === "fileDescriptorResponse" ? response.messageResponse.value.fileDescriptorProto : [];
  return files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

/** Runs the real `buf curl`, which rejects descriptors that do not link; 5 s is ample for a local call. */
async function bufCurl(...args: string[]): Promise<string> {
  const argv = ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "5s", ...args];
  const { stdout } = await run("node_modules/.bin/buf", argv, { timeout: 8_000 });
  return stdout;
}

describe("grpc.reflection over grpc-js", () => {
  it.each([["v1", v1] as const, ["v1alpha", v1alpha] as const])("%s lists the configured services", async (_, version) => {
    const stream = reflectionStream(version);
    const response = await stream.ask({ case: "listServices", value: "" });
    stream.close();
    expect(response.validHost).toBe("flagwire.test");
    expect(response.originalRequest?.messageRequest).toEqual({ case: "listServices", value: "" });
    const names = response.messageResponse.case === "listServicesResponse" ? response.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(serviceNames);
  });

  it("sends a file with its imports, and each import once per stream", async () => {
    const stream = reflectionStream(v1);
    expect(fileNames(await stream.ask({ case: "fileContainingSymbol", value: "flagwire.v1.FeatureFlagService" }))).toEqual([
      "flagwire/v1/flags.proto",
      "google/protobuf/timestamp.proto",
    ]);
    // Same file again: the answer itself, but timestamp.proto is not sent twice on this stream.
    expect(fileNames(await stream.ask({ case: "fileContainingSymbol", value: "flagwire.v1.Feature" }))).toEqual(["flagwire/v1/flags.proto"]);
    expect(fileNames(await stream.ask({ case: "fileByFilename", value: "google/protobuf/timestamp.proto" }))).toEqual([
      "google/protobuf/timestamp.proto",
    ]);
    stream.close();
  });

  it.each([
    ["method", "grpc.health.v1.Health.Watch", "grpc/health/v1/health.proto"],
    ["nested enum", "grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
    ["enum value", "grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN", "grpc/health/v1/health.proto"],
    ["field", "flagwire.v1.Feature.create_time", "flagwire/v1/flags.proto"],
    ["imported message", "google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
  ])("finds the file of a %s", async (_, symbol, file) => {
    const stream = reflectionStream(v1alpha);
    expect(fileNames(await stream.ask({ case: "fileContainingSymbol", value: symbol }))[0]).toBe(file);
    stream.close();
  });

  it("answers unknown names with NOT_FOUND and keeps the stream open", async () => {
    const stream = reflectionStream(v1);
    const requests = [
      { case: "fileContainingSymbol", value: "flagwire.v1.Nope" },
      { case: "fileByFilename", value: "nope.proto" },
      { case: "allExtensionNumbersOfType", value: "flagwire.v1.Nope" },
      { case: "fileContainingExtension", value: { containingType: "flagwire.v1.Feature", extensionNumber: 100 } },
    ] as const;
    for (const request of requests) {
      const { messageResponse } = await stream.ask(request);
      expect(messageResponse.case).toBe("errorResponse");
      expect(messageResponse.value).toMatchObject({ errorCode: grpc.status.NOT_FOUND });
    }
    const { messageResponse } = await stream.ask({ case: "allExtensionNumbersOfType", value: "flagwire.v1.Feature" });
    expect(messageResponse).toMatchObject({ case: "allExtensionNumbersResponse", value: { baseTypeName: "flagwire.v1.Feature", extensionNumber: [] } });
    stream.close();
  });

  it("ends the stream with OK when the client half-closes", async () => {
    const stream = client.makeBidiStreamRequest(
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      serializer(v1.ServerReflectionRequestSchema),
      deserializer(v1.ServerReflectionResponseSchema),
    );
    const next = reader(stream);
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
    stream.write({ messageRequest: { case: "listServices", value: "" } });
    await next();
    stream.end();
    const timeout = new Promise((resolve) => setTimeout(() => resolve("no status 2 s after half-close"), 2_000));
    expect(await Promise.race([status, timeout])).toMatchObject({ code: grpc.status.OK });
    stream.cancel();
  });

  it.each(["grpc-v1", "grpc-v1alpha"])("serves buf curl --list-methods with --reflect-protocol %s", async (protocol) => {
    const out = await bufCurl("--reflect-protocol", protocol, "--list-methods", `http://${address}`);
    expect(out.split("\n")).toEqual(
      expect.arrayContaining(["flagwire.v1.FeatureFlagService/Evaluate", "grpc.health.v1.Health/Watch", "grpc.reflection.v1.ServerReflection/ServerReflectionInfo"]),
    );
  }, 15_000);

  it("lets buf curl call a method it resolved through reflection", async () => {
    const out = await bufCurl("--reflect-protocol", "grpc-v1", "-d", `{"service":"${FeatureFlagService.typeName}"}`, `http://${address}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(out)).toEqual({ status: "SERVING" });
  }, 15_000);
});

describe("grpc.health.v1 over grpc-js", () => {
  const check = (service: string) => unary("/grpc.health.v1.Health/Check", HealthCheckRequestSchema, HealthCheckResponseSchema, { service });
  const watch = (service: string) => {
    const stream = client.makeServerStreamRequest(
      "/grpc.health.v1.Health/Watch",
      serializer(HealthCheckRequestSchema),
      deserializer(HealthCheckResponseSchema),
      { service },
    );
    const next = reader(stream);
    return { next: async () => (await next()).status, close: () => stream.cancel() };
  };

  it("checks the server, a set service and an unknown one", async () => {
    expect((await check("")).status).toBe(ServingStatus.SERVING);
    expect((await check(FeatureFlagService.typeName)).status).toBe(ServingStatus.SERVING);
    await expect(check("nope")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("lists every service", async () => {
    const { statuses } = await unary("/grpc.health.v1.Health/List", HealthListRequestSchema, HealthListResponseSchema, {});
    expect(Object.fromEntries(Object.entries(statuses).map(([name, s]) => [name, s.status]))).toEqual({
      "": ServingStatus.SERVING,
      [FeatureFlagService.typeName]: ServingStatus.SERVING,
    });
  });

  it("watches a service that does not exist yet", async () => {
    const watcher = watch("later");
    expect(await watcher.next()).toBe(ServingStatus.SERVICE_UNKNOWN);
    health.setStatus("later", ServingStatus.NOT_SERVING);
    expect(await watcher.next()).toBe(ServingStatus.NOT_SERVING);
    watcher.close();
  });

  it("tells watchers NOT_SERVING on shutdown, and refuses SERVING after it", async () => {
    const watcher = watch("");
    expect(await watcher.next()).toBe(ServingStatus.SERVING);
    health.shutdown();
    expect(await watcher.next()).toBe(ServingStatus.NOT_SERVING);
    health.setStatus("", ServingStatus.SERVING);
    expect((await check("")).status).toBe(ServingStatus.NOT_SERVING);
    watcher.close();
  });
});
