import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../gen/flagwire/v1/tokens_pb.js";

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
export interface FlagClientOptions {
  /**
   * Server URL: `http://127.0.0.1:50051` for gRPC, `http://127.0.0.1:8080` for Connect and gRPC-Web;
   * `https://` for a server with TLS.
   */
  baseUrl: string;
  /** Default `grpc`. */
  protocol?: FlagClientProtocol;
  /** The API token, sent as `authorization: Bearer <token>`; needed once the server has tokens. */
  token?: string;
  /**
   * Recorded in the change log as who made each change (the `x-flagwire-actor` header), while the server has
   * no tokens; with a token, the server records the token's name instead.
   */
  actor?: string;
  /** Connect (HTTP/1.1) only: JSON instead of binary protobuf. */
  useJson?: boolean;
  /** CA and client certificate for TLS. */
  tls?: FlagClientTls;
  /**
   * A call fails with DEADLINE_EXCEEDED when the server has not answered within this long: a unary call's
   * response, or a stream's response headers (an established stream, such as a watch, then runs without limit).
   * Default none.
   */
  answerTimeoutMs?: number;
}

/** A typed FeatureFlagService client. */
export type FlagClient = Client<typeof FeatureFlagService>;

/** A typed TokenService client (admin tokens only, once the server has tokens). */
export type TokenClient = Client<typeof TokenService>;

/**
 * Creates a typed client for FeatureFlagService over any of the server's protocols.
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
  const headers: Array<[string, string]> = [];
  if (options.token) headers.push(["authorization", `Bearer ${options.token}`]);
  if (options.actor) headers.push(["x-flagwire-actor", options.actor]);
  const interceptors: Interceptor[] = [];
  if (headers.length > 0) {
    interceptors.push((next) => (req) => {
      for (const [name, value] of headers) req.header.set(name, value);
      return next(req);
    });
  }
  if (options.answerTimeoutMs !== undefined) interceptors.push(answerDeadline(options.answerTimeoutMs));
  const nodeOptions = options.tls ? { nodeOptions: { ...options.tls } } : {};
  const base = { baseUrl: options.baseUrl, interceptors, ...nodeOptions };
  const protocol = options.protocol ?? "grpc";
  return protocol === "grpc"
    ? createGrpcTransport(base)
    : protocol === "grpc-web"
      ? createGrpcWebTransport({ ...base, httpVersion: "1.1" })
      : createConnectTransport({ ...base, httpVersion: "1.1", useBinaryFormat: !options.useJson });
}

/**
 * Aborts a call whose answer has not come within `ms`. A call's `next` resolves once the unary response, or a
 * stream's headers, are in, so one timer covers both without cutting a stream that is already flowing (which a
 * transport-wide deadline would).
 */
function answerDeadline(ms: number): Interceptor {
  return (next) => async (req) => {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new ConnectError(`no answer within ${ms / 1000} s`, Code.DeadlineExceeded)),
      ms,
    );
    try {
      return await next({ ...req, signal: AbortSignal.any([req.signal, deadline.signal]) });
    } finally {
      clearTimeout(timer);
    }
  };
}
