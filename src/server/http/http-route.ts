import type { IncomingMessage, ServerResponse } from "node:http";
import type { Refusal } from "./routing-refusal.js";

/** A request in flight on the HTTP port, as the route that serves it sees it. */
export interface HttpExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The request path, without the query. */
  readonly path: string;
  /** Sends an answer no handler made and records its error: the request is logged as refused once it is out. */
  refuse(refusal: Refusal): Promise<void>;
  /**
   * Set by a route whose handlers log their own calls (the RPC interceptor): whether they took charge of this
   * request's log line. While unset, or false, a refused request gets its line from the listener.
   */
  handlerLogged?: (() => boolean) | undefined;
}

/** What serves the requests at one path; made once per path, not per request (the hot path allocates nothing here). */
export interface RouteTarget {
  /** How a refused request's log line names it: the RPC (`package.Service/Method`), or else the path. */
  readonly name: string;
  /**
   * Serves the request. A rejection ends it: one with ABORTED means the client went away; any other closes the
   * connection, and is logged as the request's refusal unless one was recorded already.
   */
  handle(exchange: HttpExchange): Promise<void>;
}

/**
 * One entry of the HTTP listener's route table: entries are tried in order, the first that matches serves the
 * request, and a request no entry matches gets the 404 (create-route-listener.ts). The Host/Origin/CORS policy
 * applies before any of them.
 *
 * @example
 * const metrics: HttpRoute = { match: (path) => (path === "/metrics" ? metricsTarget : undefined) };
 */
export interface HttpRoute {
  /** The target that serves `method` at `path`, or undefined to leave the request to the routes after this one. */
  match(path: string, method: string): RouteTarget | undefined;
}
