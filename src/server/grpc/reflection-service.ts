import { createFileRegistry, toBinary, type DescFile, type FileRegistry } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ServerReflection as ServerReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type { ServerReflection as ServerReflectionV1alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** Options of {@link createReflectionServices}. */
export interface ReflectionOptions {
  /** The root files to describe; their imports are described too. */
  files: DescFile[];
  /** The fully-qualified names answered to `list_services`, e.g. `flagwire.v1.FeatureFlagService`. */
  serviceNames: string[];
  /**
   * The same files as built by buf, with their comments (`source_code_info`): served in place of the generated
   * code's descriptors, which have none, so that `grpcurl describe` documents the API. Matched by file name.
   */
  documented?: FileDescriptorProto[];
}

/** One implementation of gRPC server reflection, served under both protocol versions. */
export interface ReflectionServices {
  v1: ServiceImpl<typeof ServerReflectionV1>;
  v1alpha: ServiceImpl<typeof ServerReflectionV1alpha>;
}

/** The request of either protocol version: `grpc.reflection.v1` and `v1alpha` are wire-identical. */
interface ReflectionRequest {
  host: string;
  messageRequest:
    | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; value: string }
    | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** The `message_response` oneof of either protocol version, as an init object. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** gRPC status codes used in `error_response`; a failed lookup must not end the stream. */
const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;

/**
 * Creates gRPC server reflection (v1 and v1alpha), which lets grpcurl, buf curl and Postman discover
 * the services and message types of this server.
 *
 * Like grpc-go, a file response holds the requested file followed by its transitive imports, and an
 * import already sent on the same stream is not sent again. The requested file itself is always sent:
 * clients (grpcurl among them) treat an empty answer as a protocol error.
 *
 * @example
 * const reflection = createReflectionServices({ files: [file_flagwire_v1_flags], serviceNames });
 * server.addService(...Object.values(createGrpcService(ServerReflection, reflection.v1)));
 */
export function createReflectionServices(options: ReflectionOptions): ReflectionServices {
  const registry = createFileRegistry(
    ...options.files.map((file) =>
      createFileRegistry(file.proto, (name) => file.dependencies.find((dep) => dep.proto.name === name)),
    ),
  );
  const index = createReflectionIndex(registry);
  const services = options.serviceNames.map((name) => ({ name }));
  const encoded = new Map<string, Uint8Array>(); // file name -> serialized FileDescriptorProto

  function answer(request: ReflectionRequest, sent: Set<string>): ReflectionAnswer {
    const { case: kind, value } = request.messageRequest;
    switch (kind) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: services } };
      case "fileByFilename": {
        const file = registry.getFile(value);
        return file ? fileAnswer(file, sent) : notFound(`file "${value}" is not known to this server`);
      }
      case "fileContainingSymbol": {
        const file = index.get(value);
        return file ? fileAnswer(file, sent) : notFound(`symbol "${value}" is not known to this server`);
      }
      case "fileContainingExtension": {
        const message = registry.getMessage(value.containingType);
        if (!message) return notFound(`message type "${value.containingType}" is not known to this server`);
        const extension = registry.getExtensionFor(message, value.extensionNumber);
        return extension
          ? fileAnswer(extension.file, sent)
          : notFound(`message type "${value.containingType}" has no extension ${value.extensionNumber} on this server`);
      }
      case "allExtensionNumbersOfType": {
        const message = registry.getMessage(value);
        if (!message) return notFound(`message type "${value}" is not known to this server`);
        const numbers: number[] = [];
        for (const type of registry) {
          if (type.kind === "extension" && type.extendee.typeName === value) numbers.push(type.number);
        }
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: value, extensionNumber: numbers } };
      }
      default:
        return {
          case: "errorResponse",
          value: { errorCode: INVALID_ARGUMENT, errorMessage: "reflection request has no message_request set" },
        };
    }
  }

  function fileAnswer(file: DescFile, sent: Set<string>): ReflectionAnswer {
    const fileDescriptorProto: Uint8Array[] = [];
    for (const f of withImports(file)) {
      if (f !== file && sent.has(f.proto.name)) continue;
      sent.add(f.proto.name);
      fileDescriptorProto.push(encodeFile(f));
    }
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
  }

  const documented = new Map((options.documented ?? []).map((proto) => [proto.name, proto]));
  function encodeFile(file: DescFile): Uint8Array {
    let bytes = encoded.get(file.proto.name);
    if (!bytes) encoded.set(file.proto.name, (bytes = toBinary(FileDescriptorProtoSchema, documented.get(file.proto.name) ?? file.proto)));
    return bytes;
  }

  async function* serverReflectionInfo<R extends ReflectionRequest>(requests: AsyncIterable<R>) {
    const sent = new Set<string>(); // file names already sent on this stream
    for await (const request of requests) {
      yield { validHost: request.host, originalRequest: request, messageResponse: answer(request, sent) };
    }
  }

  return {
    v1: { serverReflectionInfo },
    v1alpha: { serverReflectionInfo },
  };
}

function notFound(errorMessage: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: NOT_FOUND, errorMessage } };
}

/** The file and its transitive imports, breadth first, each once. */
function withImports(file: DescFile): DescFile[] {
  const files = [file];
  const seen = new Set([file.proto.name]);
  for (let i = 0; i < files.length; i++) {
    for (const dep of files[i]?.dependencies ?? []) {
      if (seen.has(dep.proto.name)) continue;
      seen.add(dep.proto.name);
      files.push(dep);
    }
  }
  return files;
}

/**
 * Maps every fully-qualified symbol to the file that declares it: services and their methods, messages
 * (nested too) and their fields and oneofs, enums and their values (scoped like their enum, as in
 * protobuf), and extensions.
 */
function createReflectionIndex(registry: FileRegistry): Map<string, DescFile> {
  const index = new Map<string, DescFile>();
  for (const file of registry.files) {
    for (const type of nestedTypes(file)) {
      index.set(type.typeName, file);
      switch (type.kind) {
        case "service":
          for (const method of type.methods) index.set(`${type.typeName}.${method.name}`, file);
          break;
        case "message":
          for (const field of type.fields) index.set(`${type.typeName}.${field.name}`, file);
          for (const oneof of type.oneofs) index.set(`${type.typeName}.${oneof.name}`, file);
          break;
        case "enum": {
          const scope = type.typeName.slice(0, type.typeName.length - type.name.length);
          for (const value of type.values) index.set(`${scope}${value.name}`, file);
          break;
        }
      }
    }
  }
  return index;
}
