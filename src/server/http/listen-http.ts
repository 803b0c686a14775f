import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError, createConnectRouter, createContextValues } from "@connectrpc/connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { followShutdown, unfollowShutdown } from "../follow-shutdown.js";
import { repeatedAuthorization } from "../auth/repeated-authorization.js";
import { CLIENT_ADDRESS, clientAddress, rpcName } from "../call-context.js";
import { isRpcLogged, type RefusedRpc } from "../rpc-interceptor.js";
import { parseAddress } from "../parse-address.js";
import { httpsServerOptions, type ServerTls } from "../tls-options.js";
import { httpWatchTransport, WATCH_TRANSPORT } from "../watch-transport.js";
import { checkBody } from "./check-body.js";
import { checkGetMessage } from "./check-get-message.js";
import { createOriginPolicy, type OriginPolicyOptions } from "./origin-policy.js";
import { readRefusal } from "./read-refusal.js";
import { explainRoutingRefusal, hostMissing, routeNotFound, type Refusal } from "./routing-refusal.js";

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
 * connect-node's `connectNodeAdapter`, plus four steps: Host and Origin are checked first, and CORS preflights
 * answered (origin-policy.ts); bodies are checked so that bytes which are not protobuf, JSON that is not UTF-8 and
 * compression that does not decompress get INVALID_ARGUMENT instead of connect-es's INTERNAL or U+FFFD
 * (see check-body.ts); refusals that connect leaves bare (404, 405, 415) get a Connect JSON error that says what
 * would work (routing-refusal.ts); and each request no handler saw is reported to `onRefused`.
 */
function createHttpHandler(options: HttpListenOptions): RequestListener {
  const router = createConnectRouter({
    connect: true,
    grpcWeb: true,
    grpc: false, // native gRPC needs HTTP/2: it is served by grpc-js on its own port
    readMaxBytes: options.readMaxBytes,
    // No shutdownSignal here: connect would add a listener to it per call. Each request follows it below.
    acceptCompression: [compressionGzip, compressionBrotli],
    // `"enabled": false` is an answer people look for: show defaults rather than omit them. Unknown
    // fields and enum names are refused: a typo must not silently create a disabled feature.
    jsonOptions: { alwaysEmitImplicit: true, ignoreUnknownFields: false },
  });
  for (const { service, impl } of options.services) router.service(service, impl);
  const mainService = (options.services[0] as { service: DescService }).service;
  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  const originPolicy = createOriginPolicy({ ...options.origins, tls: options.tls !== undefined });
  return (req, res) => {
    const started = performance.now();
    const path = req.url?.split("?", 1)[0] ?? "";
    const handler = handlers.get(path);
    // Per request, so that the logging interceptor can mark it as logged: connect hands it to the handler context.
    const values = createContextValues();
    values.set(CLIENT_ADDRESS, clientAddress(req.socket.remoteAddress));
    if (handler?.method.methodKind === "server_streaming") values.set(WATCH_TRANSPORT, httpWatchTransport(res, options.cutOffGraceMs));
    let refused: ConnectError | undefined;
    res.once("close", () => {
      if (refused === undefined || isRpcLogged(values)) return;
      const method = handler ? rpcName(handler.method) : path;
      options.onRefused?.({ method, error: refused, started, ...(res.headersSent ? { httpStatus: res.statusCode } : {}) });
    });
    const refuse = (refusal: Refusal) => {
      refused = refusal.error;
      return universalResponseToNodeResponse(refusal.response, res);
    };
    const serve = async () => {
      // Before the route: a page of a foreign origin or a rebound name learns nothing, not even which paths exist.
      const decision = originPolicy(req.method ?? "", req.headers);
      if (decision.kind === "refuse") return refuse(decision.refusal);
      if (decision.kind === "answer") return universalResponseToNodeResponse(decision.response, res);
      for (const [name, value] of Object.entries(decision.header)) res.setHeader(name, value);
      if (!handler) return refuse(routeNotFound(path, mainService));
      const authorization = repeatedAuthorization(req.rawHeaders);
      if (authorization !== undefined) req.headers.authorization = authorization;
      // connect-node builds the request URL from Host, and throws without it (HTTP/1.0 may omit it).
      if (!req.headers.host) return refuse(hostMissing());
      if (req.method === "GET") {
        const refusal = await checkGetMessage(new URL(req.url ?? "/", "http://localhost"), handler.method.input, options.readMaxBytes);
        if (refusal) return refuse(refusal);
      }
      const request = checkBody(
        followShutdownPerRequest(universalRequestFromNodeRequest(req, res, undefined, values), res, options.shutdownSignal),
        handler.method.input,
        options.readMaxBytes,
      );
      const response = await handler(request);
      if (isRpcLogged(values)) return universalResponseToNodeResponse(response, res);
      return refuse(explainRoutingRefusal(handler, request, response) ?? (await readRefusal(response, options.readMaxBytes)));
    };
    serve().catch((reason: unknown) => {
      const error = ConnectError.from(reason);
      refused ??= error;
      if (error.code !== Code.Aborted) res.destroy();
    });
  };
}

/**
 * The request's signal, aborted as well at shutdown: connect-node then ends the call (open streams included)
 * as it would with its own shutdownSignal, but through one fan-out listener instead of one per call.
 */
function followShutdownPerRequest(request: UniversalServerRequest, res: ServerResponse, shutdown: AbortSignal): UniversalServerRequest {
  const call = new AbortController();
  const clientGone = () => call.abort(request.signal.reason);
  if (request.signal.aborted) clientGone();
  else request.signal.addEventListener("abort", clientGone, { once: true });
  followShutdown(shutdown, call);
  res.once("close", () => unfollowShutdown(shutdown, call));
  return { ...request, signal: call.signal };
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
