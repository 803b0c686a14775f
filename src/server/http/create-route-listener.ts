import type { IncomingHttpHeaders, RequestListener } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { RefusedRpc } from "../rpc-interceptor.js";
import type { HttpExchange, HttpRoute, RouteTarget } from "./http-route.js";
import type { OriginDecision } from "./origin-policy.js";
import type { Refusal } from "./routing-refusal.js";

/** Options of {@link createRouteListener}. */
export interface RouteListenerOptions {
  /** Tried in order; the first whose `match` answers serves the request. */
  routes: readonly HttpRoute[];
  /** The answer for a path that no route serves. */
  notFound: (path: string) => Refusal;
  /** Host/Origin/CORS policy (origin-policy.ts): applies to every route, and to paths no route serves. */
  originPolicy: (method: string, headers: IncomingHttpHeaders) => OriginDecision;
  /**
   * Called once for each request refused before a handler ran, once its answer is out, so that it can be logged
   * like the calls the handlers see.
   */
  onRefused?: (refused: RefusedRpc) => void;
}

/**
 * Creates the HTTP listener's request handler: the origin policy first, then the first route that matches, else
 * the 404; and for every request that no handler logged, one report of its refusal to `onRefused`.
 *
 * @example
 * createServer(createRouteListener({ routes: [connectRoute], notFound, originPolicy, onRefused }));
 */
export function createRouteListener(options: RouteListenerOptions): RequestListener {
  const { routes, notFound, originPolicy, onRefused } = options;
  return (req, res) => {
    const started = performance.now();
    const path = req.url?.split("?", 1)[0] ?? "";
    const target = findTarget(routes, path, req.method ?? "");
    let refused: ConnectError | undefined;
    const exchange: HttpExchange = {
      req,
      res,
      path,
      refuse(refusal) {
        refused = refusal.error;
        return universalResponseToNodeResponse(refusal.response, res);
      },
    };
    res.once("close", () => {
      if (refused === undefined || exchange.handlerLogged?.()) return;
      onRefused?.({ method: target?.name ?? path, error: refused, started, ...(res.headersSent ? { httpStatus: res.statusCode } : {}) });
    });
    const serve = async () => {
      // Before the route: a page of a foreign origin or a rebound name learns nothing, not even which paths exist.
      const decision = originPolicy(req.method ?? "", req.headers);
      if (decision.kind === "refuse") return exchange.refuse(decision.refusal);
      if (decision.kind === "answer") return universalResponseToNodeResponse(decision.response, res);
      for (const [name, value] of Object.entries(decision.header)) res.setHeader(name, value);
      if (!target) return exchange.refuse(notFound(path));
      return target.handle(exchange);
    };
    serve().catch((reason: unknown) => {
      const error = ConnectError.from(reason);
      refused ??= error;
      if (error.code !== Code.Aborted) res.destroy();
    });
  };
}

function findTarget(routes: readonly HttpRoute[], path: string, method: string): RouteTarget | undefined {
  for (const route of routes) {
    const target = route.match(path, method);
    if (target) return target;
  }
  return undefined;
}
