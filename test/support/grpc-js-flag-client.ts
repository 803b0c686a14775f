import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** proto-loader options: int64 as decimal strings, enums by name, unset fields present (null or default). */
export const LOADER_OPTIONS: protoLoader.Options = { includeDirs: ["proto"], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

/**
 * A FeatureFlagService client that shares no code with the server: the contract is loaded from the
 * .proto file by @grpc/proto-loader (protobuf.js) and called through plain @grpc/grpc-js. Methods are
 * looked up by their camelCase name.
 */
export function grpcJsFlagClient(grpcUrl: string): grpc.Client {
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync("flagwire/v1/flags.proto", LOADER_OPTIONS));
  const Client = ((definition.flagwire as grpc.GrpcObject).v1 as grpc.GrpcObject).FeatureFlagService as grpc.ServiceClientConstructor;
  return new Client(grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
}

/** Calls a unary method of a {@link grpcJsFlagClient}; rejects with the grpc-js ServiceError. */
export function grpcJsUnary<T>(client: grpc.Client, method: string, request: object): Promise<T> {
  const fn = (client as unknown as Record<string, grpc.requestCallback<T> & ((...args: unknown[]) => unknown)>)[method];
  if (!fn) throw new Error(`no method ${method} on the client`);
  return new Promise<T>((resolve, reject) => {
    fn.call(client, request, (err: grpc.ServiceError | null, response?: T) => (err ? reject(err) : resolve(response as T)));
  });
}

/** Opens a server-streaming method of a {@link grpcJsFlagClient}. */
export function grpcJsStream<T>(client: grpc.Client, method: string, request: object): grpc.ClientReadableStream<T> {
  const fn = (client as unknown as Record<string, (request: object) => grpc.ClientReadableStream<T>>)[method];
  if (!fn) throw new Error(`no method ${method} on the client`);
  return fn.call(client, request);
}
