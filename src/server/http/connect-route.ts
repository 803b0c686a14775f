import type { ServerResponse } from "node:http";
import type { DescService } from "@bufbuild/protobuf";
import { createConnectRouter, createContextValues, type ServiceImpl } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { createAsyncIterable, type UniversalHandler, type UniversalServerRequest } from "@connectrpc/connect/protocol";
import { repeatedAuthorization } from "../auth/repeated-authorization.js";
import { CLIENT_ADDRESS, clientAddress, rpcName } from "../call-context.js";
import { followShutdown, unfollowShutdown } from "../follow-shutdown.js";
import { isRpcLogged } from "../rpc-interceptor.js";
import { httpWatchTransport, WATCH_TRANSPORT } from "../watch-transport.js";
import { checkBody } from "./check-body.js";
import { checkGetMessage } from "./check-get-message.js";
import { createJsonFastPath, type JsonFastPath } from "./connect-json-fast-path.js";
import { COMPRESSIONS } from "./decompress.js";
import { encodeEvaluateAllJson, encodeEvaluateJson } from "./evaluate-json.js";
import type { HttpExchange, HttpRoute, RouteTarget } from "./http-route.js";
import { readRefusal } from "./read-refusal.js";
import { explainRoutingRefusal, hostMissing } from "./routing-refusal.js";

/** Options of {@link createConnectRoute}. */
export interface ConnectRouteOptions {
  /** The services to serve, at `/<package.Service>/<Method>`. */
  services: ReadonlyArray<{ service: DescService; impl: ServiceImpl<DescService> }>;
  /** Largest request accepted, in bytes. */
  readMaxBytes: number;
  /** Aborted at shutdown: connect-node then ends open streams. */
  shutdownSignal: AbortSignal;
  /** How long a cut-off watcher's client has to read its last message before it is disconnected. */
  cutOffGraceMs: number;
  /** Serve the hottest calls' plainest Connect JSON requests without connect-node (connect-json-fast-path.ts); default on. */
  fastPaths?: boolean;
}

/**
 * The methods with a Connect JSON fast path, by RPC name, and how each writes its answer: those a benchmark showed
 * to cost several times their gRPC counterpart in connect-node's routing, reflection JSON and request conversion.
 */
const FAST_JSON = new Map<string, (output: never) => string>([
  ["flagwire.v1.FeatureFlagService/Evaluate", encodeEvaluateJson],
  ["flagwire.v1.FeatureFlagService/EvaluateAll", encodeEvaluateAllJson],
]);

/**
 * The route of the RPCs: connect-node's universal handlers (Connect, JSON and binary, and gRPC-Web), one target per
 * RPC path, plus three steps of ours. Bodies are checked so that bytes which are not protobuf, JSON that is not
 * UTF-8 and compression that does not decompress get INVALID_ARGUMENT instead of connect-es's INTERNAL or U+FFFD
 * (check-body.ts, check-get-message.ts); the refusals that connect leaves bare (405, 415) get a Connect JSON
 * error that says what would work (routing-refusal.ts); and what connect refuses before any handler is recorded
 * with its real code (read-refusal.ts), for the listener to log.
 */
export function createConnectRoute(options: ConnectRouteOptions): HttpRoute {
  const router = createConnectRouter({
    connect: true,
    grpcWeb: true,
    grpc: false, // native gRPC needs HTTP/2: it is served by grpc-js on its own port
    readMaxBytes: options.readMaxBytes,
    // No shutdownSignal here: connect would add a listener to it per call. Each request follows it below.
    acceptCompression: [...COMPRESSIONS],
    // `"enabled": false` is an answer people look for: show defaults rather than omit them. Unknown
    // fields and enum names are refused: a typo must not silently create a disabled feature.
    jsonOptions: { alwaysEmitImplicit: true, ignoreUnknownFields: false },
  });
  for (const { service, impl } of options.services) router.service(service, impl);
  const fastPaths = new Map<string, JsonFastPath>();
  if (options.fastPaths !== false) {
    for (const { service, impl } of options.services) {
      for (const method of service.methods) {
        const encode = FAST_JSON.get(rpcName(method));
        const fn = (impl as Record<string, unknown>)[method.localName];
        if (!encode || typeof fn !== "function" || method.methodKind !== "unary") continue;
        const bound = fn.bind(impl) as Parameters<typeof createJsonFastPath>[0]["impl"];
        fastPaths.set(rpcName(method), createJsonFastPath({ method, impl: bound, encode, readMaxBytes: options.readMaxBytes }));
      }
    }
  }
  const targets = new Map(router.handlers.map((handler) => [handler.requestPath, rpcTarget(handler, options, fastPaths.get(rpcName(handler.method)))]));
  // Connect answers a wrong HTTP method itself (405, explained below): the route takes every method of its paths.
  return { match: (path) => targets.get(path) };
}

function rpcTarget(handler: UniversalHandler, options: ConnectRouteOptions, fastPath: JsonFastPath | undefined): RouteTarget {
  const { readMaxBytes } = options;
  const input = handler.method.input;
  const streams = handler.method.methodKind === "server_streaming";
  return {
    name: rpcName(handler.method),
    async handle(exchange: HttpExchange) {
      const { req, res } = exchange;
      // Per request, so that the logging interceptor can mark it as logged: connect hands it to the handler context.
      const values = createContextValues();
      values.set(CLIENT_ADDRESS, clientAddress(req.socket.remoteAddress));
      if (streams) values.set(WATCH_TRANSPORT, httpWatchTransport(res, options.cutOffGraceMs));
      exchange.handlerLogged = () => isRpcLogged(values);
      const authorization = repeatedAuthorization(req.rawHeaders);
      if (authorization !== undefined) req.headers.authorization = authorization;
      // connect-node builds the request URL from Host, and throws without it (HTTP/1.0 may omit it).
      if (!req.headers.host) return exchange.refuse(hostMissing());
      // The plainest JSON requests of the hottest calls skip connect-node, to the same answer; any other is left to it,
      // with the body the fast path may have read.
      const fast = fastPath && (await fastPath(req, res, values));
      if (fast && fast.served) return;
      if (req.method === "GET") {
        const refusal = await checkGetMessage(new URL(req.url ?? "/", "http://localhost"), input, readMaxBytes);
        if (refusal) return exchange.refuse(refusal);
      }
      const read = fast?.served === false ? fast.body : undefined;
      const fromNode = universalRequestFromNodeRequest(req, res, undefined, values);
      const universal = read ? { ...fromNode, body: createAsyncIterable([read]) } : fromNode;
      const request = checkBody(followShutdownPerRequest(universal, res, options.shutdownSignal), input, readMaxBytes);
      const response = await handler(request);
      if (isRpcLogged(values)) return universalResponseToNodeResponse(response, res);
      return exchange.refuse(explainRoutingRefusal(handler, request, response) ?? (await readRefusal(response, readMaxBytes)));
    },
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
