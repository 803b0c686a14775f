import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Service as FlagdV1 } from "../../gen/flagd/evaluation/v1/evaluation_pb.js";
import { Service as FlagdV2 } from "../../gen/flagd/evaluation/v2/evaluation_pb.js";
import type { TestServer } from "./test-server.js";

/** A flagd evaluation client of either version, over native gRPC (the gRPC port) or Connect (the HTTP port). */
export interface FlagdClients {
  v1: Client<typeof FlagdV1>;
  v2: Client<typeof FlagdV2>;
}

/** The two wire paths the flagd services are mounted on. */
export const FLAGD_TRANSPORTS = ["grpc", "connect"] as const;

/** protobuf-es clients of both flagd versions for `ts`, over the given transport, sending `token` if given. */
export function flagdClients(ts: TestServer, transport: (typeof FLAGD_TRANSPORTS)[number], token?: string): FlagdClients {
  const interceptors: Interceptor[] = token ? [(next) => (request) => (request.header.set("authorization", `Bearer ${token}`), next(request))] : [];
  const wire =
    transport === "grpc"
      ? createGrpcTransport({ baseUrl: ts.grpcUrl, interceptors })
      : createConnectTransport({ baseUrl: ts.httpUrl, httpVersion: "1.1", interceptors });
  return { v1: createClient(FlagdV1, wire), v2: createClient(FlagdV2, wire) };
}
