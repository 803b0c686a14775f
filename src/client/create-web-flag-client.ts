import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../gen/flagwire/v1/tokens_pb.js";
import { createClientInterceptors } from "./client-interceptors.js";
import type { FlagClient, FlagClientBaseOptions, TokenClient } from "./flag-client.js";

// The browser entry's clients: fetch carries the calls, so no node: module is needed (and native gRPC,
// which needs HTTP/2 trailers that fetch does not expose, is not offered).

/** The protocols a browser can speak; both go to the server's HTTP port. */
export type WebFlagClientProtocol = "connect" | "grpc-web";

/** Options of {@link createWebFlagClient}. */
export interface WebFlagClientOptions extends FlagClientBaseOptions {
  /** Default `connect`. */
  protocol?: WebFlagClientProtocol;
  /** The fetch to call through, e.g. one that sets `credentials`; default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Creates a typed client for FeatureFlagService over fetch: in a browser, or anywhere with a global fetch.
 *
 * @example
 * const flags = createWebFlagClient({ baseUrl: "https://flags.example.com", token });
 * const { enabled, reason } = await flags.evaluate({ feature: "dashboard", customerId: "101" });
 */
export function createWebFlagClient(options: WebFlagClientOptions): FlagClient {
  return createClient(FeatureFlagService, createWebFlagTransport(options));
}

/** Creates a typed client for TokenService over fetch (admin tokens only). */
export function createWebTokenClient(options: WebFlagClientOptions): TokenClient {
  return createClient(TokenService, createWebFlagTransport(options));
}

/** One fetch transport for any of flagwire's services: protocol and headers as the options say. */
function createWebFlagTransport(options: WebFlagClientOptions): Transport {
  const fetch = options.fetch ? { fetch: options.fetch } : {};
  const base = { baseUrl: options.baseUrl, interceptors: createClientInterceptors(options), ...fetch };
  return options.protocol === "grpc-web"
    ? createGrpcWebTransport(base)
    : createConnectTransport({ ...base, useBinaryFormat: !options.useJson });
}
