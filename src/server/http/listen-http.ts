import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { RefusedRpc } from "../rpc-interceptor.js";
import { parseAddress } from "../parse-address.js";
import { httpsServerOptions, type ServerTls } from "../tls-options.js";
import { createConnectRoute } from "./connect-route.js";
import { createRouteListener } from "./create-route-listener.js";
import type { HttpRoute } from "./http-route.js";
import { createOriginPolicy, type OriginPolicyOptions } from "./origin-policy.js";
import { routeNotFound } from "./routing-refusal.js";

/** Options of {@link listenHttp}. */
export interface HttpListenOptions {
  /** `host:port`; port 0 picks a free one. */
  address: string;
  /** The services to serve; the first is the one a 404 suggests. */
  services: Array<{ service: DescService; impl: ServiceImpl<DescService> }>;
  /** Serve HTTPS (and require client certificates when it has a client CA); plain HTTP when unset. */
  tls?: ServerTls;
  /** Largest request accepted, in bytes. */
  readMaxBytes: number;
  /** How long a client may take to send a whole request (headers within at most 10 s); then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** Aborted at shutdown: connect-node then ends open streams. */
  shutdownSignal: AbortSignal;
  /** Which Host and Origin headers are served, and to which origins CORS answers (origin-policy.ts). */
  origins: Omit<OriginPolicyOptions, "tls">;
  /** Open connections the listener holds at most; one more is closed at once. */
  maxConnections: number;
  /** How long a cut-off watcher's client has to read its last message before it is disconnected. */
  cutOffGraceMs: number;
  /**
   * Called once for each request refused before a handler ran (unknown path, HTTP method, content type, a body
   * that does not decode or is too large...), once its answer is out, so that it can be logged like the calls
   * the handlers see. Requests a handler saw are recognized by the logging interceptor's mark (`isRpcLogged`).
   */
  onRefused?: (refused: RefusedRpc) => void;
  /** Serve the hottest calls' plainest Connect JSON requests without connect-node (connect-json-fast-path.ts); default on. */
  fastPaths?: boolean;
  /** Routes tried after the RPCs, in order: where static files, `/ofrep/v1/*` and `/metrics` plug in. */
  routes?: readonly HttpRoute[];
}

/** A running HTTP/1.1 listener. */
export interface HttpListener {
  port: number;
  close(graceMs: number): Promise<void>;
}

/** Starts the HTTP/1.1 listener (HTTPS when configured) serving the Connect protocol (JSON and binary) and gRPC-Web via connect-node. */
export async function listenHttp(options: HttpListenOptions): Promise<HttpListener> {
  // Slow clients must not hold connections forever (slow loris). The request timeout ends when the request has
  // arrived, so long-lived response streams are not cut. Node checks the timeouts only every checking interval.
  const timeouts = {
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: Math.min(10_000, options.requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, options.requestTimeoutMs),
  };
  const handler = createHttpHandler(options);
  const server: Server = options.tls
    ? createHttpsServer({ ...httpsServerOptions(options.tls), ...timeouts }, handler)
    : createServer(timeouts, handler);
  server.maxConnections = options.maxConnections;
  const { host, port } = parseAddress(options.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot listen for HTTP on ${options.address}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: (graceMs) => closeServer(server, graceMs) };
}

/**
 * The route table, in order: the RPCs (Connect and gRPC-Web, by connect-node) first, then `options.routes` (static
 * files, `/ofrep/v1/*`, `/metrics`). The Host/Origin/CORS policy comes before every route, and a path that no
 * route serves gets a 404 that points at the main service.
 */
function createHttpHandler(options: HttpListenOptions): RequestListener {
  const mainService = (options.services[0] as { service: DescService }).service;
  return createRouteListener({
    routes: [createConnectRoute(options), ...(options.routes ?? [])],
    notFound: (path) => routeNotFound(path, mainService),
    originPolicy: createOriginPolicy({ ...options.origins, tls: options.tls !== undefined }),
    onRefused: options.onRefused,
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
