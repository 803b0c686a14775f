import type { ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { DomainError } from "../../../domain/domain-error.js";
import type { Evaluation } from "../../../domain/evaluate.js";
import type { FlagEngine } from "../../../engine/flag-engine.js";
import { EvaluateAllRequestSchema, EvaluateRequestSchema } from "../../../../gen/flagwire/v1/flags_pb.js";
import type { CallGuard } from "../../auth/create-call-guard.js";
import type { Call, RpcMethod } from "../../call-context.js";
import { logRefusedRpc } from "../../rpc-interceptor.js";
import { createEvaluateHandlers, type EvaluationCounter } from "../../services/evaluate-handlers.js";
import type { StreamLimit } from "../../stream-limit.js";
import type { HttpExchange, HttpRoute, RouteTarget } from "../http-route.js";
import { createEventTickets, type EventTickets } from "./event-ticket.js";
import { ofrepCall, OFREP_METHODS } from "./ofrep-call.js";
import { OfrepError, ofrepErrorBody, ofrepErrorOf } from "./ofrep-error.js";
import { bulkEtag, noneMatch } from "./ofrep-etag.js";
import { ofrepEvaluation, ofrepEvaluationJson } from "./ofrep-evaluation.js";
import { lastEventRevision, streamOfrepEvents } from "./ofrep-events.js";
import { readOfrepRequest } from "./read-ofrep-request.js";

/** What the OFREP route needs from the engine. */
export type OfrepEngine = Pick<FlagEngine, "revision" | "evaluate" | "evaluateAll" | "state" | "watch">;

/** Options of {@link createOfrepRoute}. */
export interface OfrepRouteOptions {
  engine: OfrepEngine;
  /** Admits each request by its token (reader role), as for every RPC; none: every request is admitted. */
  guard?: CallGuard | undefined;
  /** Whether calls need a token now: then bulk answers point at the event stream with a ticket (event-ticket.ts). */
  authOn?: (() => boolean) | undefined;
  /** Counts event streams with the other streams of the server. */
  streams?: StreamLimit | undefined;
  logger: Logger;
  /** Largest request body accepted, in bytes (the server's request limit). */
  readMaxBytes: number;
  /** How long a cut-off event stream's client has to read what is left before it is disconnected. */
  cutOffGraceMs: number;
  /** Counts each flag evaluated (flag usage), as for the RPCs. */
  usage?: EvaluationCounter | undefined;
}

const PREFIX = "/ofrep/v1/";
const BULK = "/ofrep/v1/evaluate/flags";
const SINGLE = `${BULK}/`;
/** The server-sent events endpoint that bulk answers name in `eventStreams`. */
export const EVENTS_PATH = "/ofrep/v1/events";
const USE = `use POST ${SINGLE}{key} or POST ${BULK} with {"context": {...}}, or GET ${EVENTS_PATH} for change events`;

/**
 * The OpenFeature Remote Evaluation Protocol on the HTTP port: `POST /ofrep/v1/evaluate/flags/{key}` (one flag),
 * `POST /ofrep/v1/evaluate/flags` (all flags, with an ETag and `eventStreams`) and `GET /ofrep/v1/events`
 * (server-sent `refetchEvaluation` events). Evaluation goes through the same evaluate handlers as the RPCs, so
 * the answer is `decide()`'s; every refusal is an OFREP error body with the status the spec gives it.
 */
export function createOfrepRoute(options: OfrepRouteOptions): HttpRoute {
  const handlers = createEvaluateHandlers(options.engine, options.usage);
  const { engine, readMaxBytes } = options;
  const context: RouteContext = { ...options, tickets: createEventTickets() };
  const { tickets } = context;
  // One request message each, filled per call: the handlers read it synchronously and keep nothing of it.
  const one = create(EvaluateRequestSchema);
  const all = create(EvaluateAllRequestSchema);
  const single = target(OFREP_METHODS.evaluateFlag, "POST", context, async (exchange) => {
    const key = flagKey(exchange.path);
    const context = await readOfrepRequest(exchange.req, readMaxBytes);
    let answer;
    try {
      one.feature = key;
      one.customerId = context.customerId ?? "";
      one.userId = context.userId ?? "";
      answer = handlers.evaluate(one);
    } catch (err) {
      // The context was checked above: what is left is the key, malformed or unknown, and so names no flag.
      if (err instanceof DomainError && err.code === "INVALID_ARGUMENT") throw new OfrepError(404, "FLAG_NOT_FOUND", err.message);
      throw err;
    }
    sendJson(exchange.res, 200, ofrepEvaluationJson(key, answer.evaluation, engine.state.features.get(key), answer.revision));
  });
  const bulk = target(OFREP_METHODS.evaluateFlags, "POST", context, async (exchange, call) => {
    const context = await readOfrepRequest(exchange.req, readMaxBytes);
    all.customerId = context.customerId ?? "";
    all.userId = context.userId ?? "";
    const { features, evaluations, revision } = handlers.evaluateAll(all);
    const flags = features.map((name, i) => ofrepEvaluation(name, evaluations[i] as Evaluation, engine.state.features.get(name), revision));
    const etag = bulkEtag(flags);
    if (noneMatch(exchange.req.headers["if-none-match"], etag)) {
      exchange.res.writeHead(304, { etag });
      exchange.res.end();
      return;
    }
    // EventSource cannot send the token: with authentication on, the stream's URL carries it, sealed (event-ticket.ts).
    const authorization = options.authOn?.() ? call.header("authorization") : null;
    const requestUri = authorization ? `${EVENTS_PATH}?ticket=${tickets.issue(authorization)}` : EVENTS_PATH;
    const body = { flags, metadata: { revision }, eventStreams: [{ type: "sse", endpoint: { requestUri } }] };
    sendJson(exchange.res, 200, JSON.stringify(body), { etag });
  });
  const events = target(OFREP_METHODS.events, "GET", context, async (exchange, call) => {
    const lastSeen = lastEventRevision(headerText(exchange.req.headers["last-event-id"]));
    const release = options.streams?.open(call);
    const stream = new AbortController();
    const revoked = options.guard?.revocation(call);
    // Revoked: the stream ends saying why (the signal's reason); the client gone: it just ends.
    const revoke = () => stream.abort(revoked?.reason);
    const stop = () => stream.abort();
    revoked?.addEventListener("abort", revoke, { once: true });
    exchange.res.once("close", stop);
    try {
      await streamOfrepEvents(engine, exchange.res, lastSeen, stream.signal, options.cutOffGraceMs);
    } finally {
      revoked?.removeEventListener("abort", revoke);
      release?.();
    }
  });
  const unknown = target({ ...OFREP_METHODS.evaluateFlags, name: "ofrep" }, "*", context, async (exchange) => {
    throw new OfrepError(404, "GENERAL", `no OFREP endpoint at ${JSON.stringify(exchange.path.slice(0, 100))}: ${USE}`);
  });
  return {
    match(path) {
      if (!path.startsWith(PREFIX)) return undefined;
      if (path === BULK) return bulk;
      if (path.startsWith(SINGLE)) return single;
      if (path === EVENTS_PATH) return events;
      return unknown;
    },
  };
}

type Serve = (exchange: HttpExchange, call: Call) => Promise<void>;

/** Every OFREP request gets its line from the route itself (one function for all, not a closure per request). */
const LOGGED_HERE = () => true;

type RouteContext = OfrepRouteOptions & { tickets: EventTickets };

/** The authorization an event stream's `?ticket=` carries; undefined without one; 401 for one we did not issue. */
function ticketOf(url: string | undefined, tickets: EventTickets): string | undefined {
  const query = url?.split("?", 2)[1];
  const ticket = query === undefined ? null : new URLSearchParams(query).get("ticket");
  if (ticket === null) return undefined;
  const authorization = tickets.redeem(ticket);
  if (authorization === undefined) {
    throw new OfrepError(401, "GENERAL", `the event stream's ticket is not valid (expired, or issued before the server restarted): POST ${BULK} again for a new eventStreams URL`);
  }
  return authorization;
}

/**
 * One endpoint: the method check (405), the call guard (401/403), then `serve`; any refusal is written as an
 * OFREP error body, and every request gets one log line, as RPCs do.
 */
function target(rpc: RpcMethod, httpMethod: "GET" | "POST" | "*", options: RouteContext, serve: Serve): RouteTarget {
  const { tickets } = options;
  const { logger, guard } = options;
  const methodLog = logger.child({ method: rpc.name });
  return {
    name: rpc.name,
    async handle(exchange) {
      const started = performance.now();
      exchange.handlerLogged = LOGGED_HERE;
      const { req, res } = exchange;
      try {
        if (httpMethod !== "*" && req.method !== httpMethod) {
          throw new OfrepError(405, "GENERAL", `HTTP method ${req.method} is not allowed at ${exchange.path.slice(0, 100)}: ${USE}`, { allow: httpMethod });
        }
        const call = ofrepCall(rpc, req, rpc === OFREP_METHODS.events ? ticketOf(req.url, tickets) : undefined);
        guard?.admit(call);
        await serve(exchange, call);
        if (methodLog.isLevelEnabled("debug")) methodLog.debug({ protocol: "http", code: "ok", durationMs: elapsed(started) }, "rpc");
      } catch (err) {
        const refusal = asOfrepError(err);
        if (refusal === undefined) {
          logger.error({ method: rpc.name, protocol: "http", err }, "rpc failed");
          if (!res.headersSent) sendJson(res, 500, JSON.stringify({ errorCode: "GENERAL", errorDetails: "internal error: the server failed to handle this request; see the server log" }));
          else res.destroy();
          return;
        }
        const connectError = new ConnectError(refusal.message, codeFromHttpStatus(refusal.status));
        logRefusedRpc(logger, "http", { method: rpc.name, error: connectError, started, httpStatus: refusal.status });
        if (res.headersSent) return void res.end();
        // A body left unread (too large, or never read) would hold the connection: close it after the answer.
        const close: Record<string, string> = req.readableEnded ? {} : { connection: "close" };
        const key = rpc === OFREP_METHODS.evaluateFlag ? (safeKey(exchange.path) ?? exchange.path.slice(SINGLE.length, SINGLE.length + 200)) : undefined;
        sendJson(res, refusal.status, ofrepErrorBody(refusal, key), { ...refusal.header, ...close });
      }
    },
  };
}

function asOfrepError(err: unknown): OfrepError | undefined {
  if (err instanceof OfrepError) return err;
  if (err instanceof DomainError) return ofrepErrorOf(err);
  return undefined;
}

/** The flag key of a single-flag path, percent-decoded; a key that cannot be a flag's is FLAG_NOT_FOUND. */
function flagKey(path: string): string {
  const raw = path.slice(SINGLE.length);
  const key = safeKey(path);
  if (key === undefined || raw === "" || key.includes("/")) {
    throw new OfrepError(404, "FLAG_NOT_FOUND", `no flag at ${JSON.stringify(path.slice(0, 100))}: put one flag key after ${SINGLE}`);
  }
  return key;
}

function safeKey(path: string): string | undefined {
  const raw = path.slice(SINGLE.length);
  // Nothing to decode without a %: the key as it is (the usual case, flag names being URL-safe).
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

function sendJson(res: ServerResponse, status: number, body: string, header?: Record<string, string>): void {
  const length = Buffer.byteLength(body);
  // The same headers in the same order either way; without extra headers, no object spread.
  res.writeHead(status, header ? { ...header, "content-type": "application/json", "content-length": length } : { "content-type": "application/json", "content-length": length });
  res.end(body);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
