import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type { GrpcService } from "../../src/server/grpc/create-grpc-service.js";

/** The echo RPC's path; h2load and the load generators call it like any gRPC method. */
export const ECHO_PATH = "/flagwire.bench.Echo/Echo";

const same = (bytes: Buffer) => bytes;

/**
 * The baseline of the RPC figures: a unary method that answers its request bytes unchanged, with no decoding,
 * no interceptor and no logging. Registered on the same grpc-js server as FeatureFlagService, it measures what
 * the stack itself costs per call, so `Evaluate / echo` is the share of the limit that flagwire reaches.
 */
export function createEchoService(): GrpcService {
  return {
    definition: {
      Echo: {
        path: ECHO_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: same,
        requestDeserialize: same,
        responseSerialize: same,
        responseDeserialize: same,
        originalName: "echo",
      },
    },
    handlers: {
      Echo: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request),
    },
  };
}
