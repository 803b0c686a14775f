import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";

/** The wire protocol a client speaks; `grpc` needs the gRPC port, the others the HTTP port. */
export type FlagClientProtocol = "grpc" | "connect" | "grpc-web";

/** Options of {@link createFlagClient}. */
export interface FlagClientOptions {
  /** Server URL: `http://127.0.0.1:50051` for gRPC, `http://127.0.0.1:8080` for Connect and gRPC-Web. */
  baseUrl: string;
  /** Default `grpc`. */
  protocol?: FlagClientProtocol;
  /** Recorded in the change log as who made each change (the `x-flagwire-actor` header). */
  actor?: string;
  /** Connect (HTTP/1.1) only: JSON instead of binary protobuf. */
  useJson?: boolean;
}

/** A typed FeatureFlagService client. */
export type FlagClient = Client<typeof FeatureFlagService>;

/**
 * Creates a typed client for FeatureFlagService over any of the server's protocols.
 *
 * @example
 * const flags = createFlagClient({ baseUrl: "http://127.0.0.1:50051", actor: "deploy-bot" });
 * const { enabled, reason } = await flags.evaluate({ feature: "dashboard", customerId: "101" });
 */
export function createFlagClient(options: FlagClientOptions): FlagClient {
  const interceptors: Interceptor[] = [];
  const actor = options.actor;
  if (actor) {
    interceptors.push((next) => (req) => {
      req.header.set("x-flagwire-actor", actor);
      return next(req);
    });
  }
  const protocol = options.protocol ?? "grpc";
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl: options.baseUrl, interceptors })
      : protocol === "grpc-web"
        ? createGrpcWebTransport({ baseUrl: options.baseUrl, httpVersion: "1.1", interceptors })
        : createConnectTransport({ baseUrl: options.baseUrl, httpVersion: "1.1", useBinaryFormat: !options.useJson, interceptors });
  return createClient(FeatureFlagService, transport);
}
