import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Registry } from "prom-client";
import { METRICS_SERVICE } from "../auth/method-roles.js";
import type { CallGuard } from "../auth/create-call-guard.js";
import { repeatedAuthorization } from "../auth/repeated-authorization.js";
import { clientAddress, type Call, type RpcMethod } from "../call-context.js";
import { toConnectError } from "../error-map.js";
import type { RpcMetrics } from "../metrics/rpc-metrics.js";
import type { HttpExchange, HttpRoute } from "./http-route.js";
import { errorResponse } from "./routing-refusal.js";

/** The path Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

/** How the guard and the metrics name a scrape: a route, checked like a read-only RPC (auth/method-roles.ts). */
const METRICS_RPC: RpcMethod = { service: METRICS_SERVICE, method: "Scrape", name: `GET ${METRICS_PATH}`, kind: "unary", readOnly: true };

/** Options of {@link createMetricsRoute}. */
export interface MetricsRouteOptions {
  registry: Registry;
  /** Admits a scrape: a reader token while authentication is on, unless metrics are public. */
  guard: CallGuard;
  /** Where scrapes themselves are counted. */
  rpc: RpcMetrics;
}

/**
 * `GET /metrics` on the HTTP port: the registry in Prometheus's text format. Refused scrapes answer a Connect JSON
 * error with its HTTP status (401 without a valid token, 403 for a token without the role, 405 for another method).
 */
export function createMetricsRoute(options: MetricsRouteOptions): HttpRoute {
  const { registry, guard } = options;
  const recorder = options.rpc.forMethod(METRICS_RPC);
  const target = {
    name: METRICS_RPC.name,
    async handle(exchange: HttpExchange) {
      const started = performance.now();
      const { req, res } = exchange;
      if (req.method !== "GET" && req.method !== "HEAD") {
        const error = new ConnectError(`HTTP method ${req.method ?? ""} is not allowed for ${METRICS_PATH}: use GET`, Code.Unimplemented);
        return refuse(exchange, error, 405, { allow: "GET, HEAD" });
      }
      try {
        guard.admit(scrapeCall(exchange));
      } catch (err) {
        const error = toConnectError(err);
        return refuse(exchange, error, codeToHttpStatus(error.code));
      }
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
      recorder.observe("http", 0, (performance.now() - started) / 1000);
    },
  };
  return { match: (path) => (path === METRICS_PATH ? target : undefined) };
}

/** Answers a refused scrape; the listener then logs and counts it like every refusal (under {@link METRICS_RPC}). */
function refuse(exchange: HttpExchange, error: ConnectError, status: number, header: Record<string, string> = {}): Promise<void> {
  return exchange.refuse({ error, response: errorResponse(status, error, header) });
}

/** A scrape as the guard sees a call: its headers (repeated authorization joined, as for RPCs) and client. */
function scrapeCall(exchange: HttpExchange): Call {
  const { req } = exchange;
  const authorization = repeatedAuthorization(req.rawHeaders);
  const values = createContextValues();
  return {
    rpc: METRICS_RPC,
    protocol: "http",
    clientAddress: clientAddress(req.socket.remoteAddress),
    values,
    header(name) {
      if (name === "authorization" && authorization !== undefined) return authorization;
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : (value ?? null);
    },
  };
}
