import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../gen/flagwire/v1/tokens_pb.js";
import { createClientInterceptors } from "./client-interceptors.js";
import type { FlagClient, FlagClientBaseOptions, TokenClient } from "./flag-client.js";

// The Node entry's clients: connect-node speaks all three protocols, native gRPC included (a browser cannot).

export type { FlagClient, TokenClient } from "./flag-client.js";

/** The wire protocol a client speaks; `grpc` needs the gRPC port, the others the HTTP port. */
export type FlagClientProtocol = "grpc" | "connect" | "grpc-web";

/** TLS settings of a client; used with an `https://` base URL. PEM strings or buffers. */
export interface FlagClientTls {
  /** The CA that signed the server's certificate, when it is not one the system trusts. */
  ca?: string | Buffer;
  /** A client certificate and its key, for servers started with `--tls-client-ca`. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Options of {@link createFlagClient}. */
export interface FlagClientOptions extends FlagClientBaseOptions {
  /** Default `grpc`. Connect and gRPC-Web go over HTTP/1.1, gRPC over HTTP/2. */
  protocol?: FlagClientProtocol;
  /** CA and client certificate for TLS. */
  tls?: FlagClientTls;
}

/**
 * Creates a typed client for FeatureFlagService over any of the server's protocols (Node).
 *
 * @example
 * const flags = createFlagClient({ baseUrl: "http://127.0.0.1:50051", token: process.env.FLAGWIRE_TOKEN });
 * const { enabled, reason } = await flags.evaluate({ feature: "dashboard", customerId: "101" });
 */
export function createFlagClient(options: FlagClientOptions): FlagClient {
  return createClient(FeatureFlagService, createFlagTransport(options));
}

/**
 * Creates a typed client for TokenService (create, list and revoke API tokens).
 *
 * @example
 * const tokens = createTokenClient({ baseUrl: "http://127.0.0.1:50051", token: adminToken });
 * const { secret } = await tokens.createToken({ name: "checkout", role: TokenRole.READER });
 */
export function createTokenClient(options: FlagClientOptions): TokenClient {
  return createClient(TokenService, createFlagTransport(options));
}

/** One transport for any of flagwire's services: protocol, headers and TLS as the options say. */
function createFlagTransport(options: FlagClientOptions): Transport {
  const nodeOptions = options.tls ? { nodeOptions: { ...options.tls } } : {};
  const base = { baseUrl: options.baseUrl, interceptors: createClientInterceptors(options), ...nodeOptions };
  const protocol = options.protocol ?? "grpc";
  return protocol === "grpc"
    ? createGrpcTransport(base)
    : protocol === "grpc-web"
      ? createGrpcWebTransport({ ...base, httpVersion: "1.1" })
      : createConnectTransport({ ...base, httpVersion: "1.1", useBinaryFormat: !options.useJson });
}
