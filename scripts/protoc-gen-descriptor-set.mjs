#!/usr/bin/env node
// A protoc plugin that writes the FileDescriptorSet of the request, comments (source info) included, as
// `descriptors.json`: server reflection serves it so that `grpcurl describe` documents the API. protoc-gen-es
// embeds descriptors without comments, and a plugin keeps `buf generate` the one command that writes gen/.
import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  CodeGeneratorRequestSchema,
  CodeGeneratorResponseSchema,
  CodeGeneratorResponse_Feature,
} from "@bufbuild/protobuf/wkt";

const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const set = create(FileDescriptorSetSchema, { file: request.protoFile });
const response = create(CodeGeneratorResponseSchema, {
  supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
  file: [{ name: "descriptors.json", content: `${toJsonString(FileDescriptorSetSchema, set, { prettySpaces: 0 })}\n` }],
});
process.stdout.write(toBinary(CodeGeneratorResponseSchema, response));
