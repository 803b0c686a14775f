import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { ServerReflection, type ServerReflectionRequestSchema } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// `grpcurl describe` and `buf curl` show what reflection serves: the descriptors must carry the proto's comments
// (source_code_info), so that the API documents itself on a running server.

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(() => ts.close());

/** The FileDescriptorProto of flagwire/v1/flags.proto, as the running server's reflection serves it. */
async function servedFlagsProto(): Promise<FileDescriptorProto> {
  const reflection = createClient(ServerReflection, createGrpcTransport({ baseUrl: ts.grpcUrl }));
  async function* ask(): AsyncIterable<MessageInitShape<typeof ServerReflectionRequestSchema>> {
    yield { messageRequest: { case: "fileContainingSymbol", value: FeatureFlagService.typeName } };
  }
  for await (const response of reflection.serverReflectionInfo(ask())) {
    if (response.messageResponse.case !== "fileDescriptorResponse") throw new Error(`unexpected answer ${response.messageResponse.case}`);
    const files = response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    const flags = files.find((file) => file.name === "flagwire/v1/flags.proto");
    if (flags) return flags;
  }
  throw new Error("no flags.proto in the answer");
}

/** The leading comment at a descriptor path (FileDescriptorProto field numbers: 6 service, 2 method). */
function leadingComment(file: FileDescriptorProto, path: number[]): string | undefined {
  return file.sourceCodeInfo?.location.find((location) => location.path.join(".") === path.join("."))?.leadingComments;
}

describe("server reflection documents the API", () => {
  it("serves flags.proto with its comments: the service's, Evaluate's and RenameFeature's", async () => {
    const file = await servedFlagsProto();
    const service = file.service.findIndex((s) => s.name === "FeatureFlagService");
    const method = (name: string) => file.service[service]!.method.findIndex((m) => m.name === name);
    expect(leadingComment(file, [6, service])).toContain("FeatureFlagService switches features on or off globally");
    expect(leadingComment(file, [6, service, 2, method("Evaluate")])).toContain("Tells whether a feature is on for a context, and why.");
    expect(leadingComment(file, [6, service, 2, method("RenameFeature")])).toContain("Renaming a feature to its own name changes nothing");
  });
});
