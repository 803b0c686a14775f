import type { DescService } from "@bufbuild/protobuf";
import { createContextKey, type ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import type { CallGuard } from "./auth/create-call-guard.js";
import { callOf, describeMethod, type Call, type CallProtocol, type RpcMethod } from "./call-context.js";
import { toConnectError } from "./error-map.js";
import type { MethodMetrics, RpcMetrics } from "./metrics/rpc-metrics.js";
import type { StreamLimit } from "./stream-limit.js";
import { observeStream } from "./stream-passthrough.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wraps handlers of every signature alike
type AnyHandler = (input: any, context: HandlerContext) => any;

/**
 * Set in a call's context values as the interceptor takes charge of its log line. A listener that sees a request
 * end without it logs the request itself with {@link logRefusedRpc}: it was refused before any handler ran.
 */
const RPC_LOGGED = createContextKey(false, { description: "flagwire rpc logged" });

/** Whether the interceptor has logged, or for a stream still running will log, the call with these context values. */
export function isRpcLogged(values: ContextValues): boolean {
  return values.get(RPC_LOGGED);
}

/** Options of {@link interceptService}. */
export interface InterceptOptions {
  logger: Logger;
  /** Admits or refuses each call before its handler runs (authentication); refusals are logged like any error. */
  guard?: CallGuard;
  /** Counts the service's open streams (after the guard: an unauthenticated caller takes no slot). */
  streams?: StreamLimit;
  /**
   * Every method of the service only reads (its successful calls log at debug), for vendored contracts that do not
   * mark their methods `NO_SIDE_EFFECTS` (flagd's evaluation protocol).
   */
  readOnly?: boolean;
  /** Counts every call by protocol and code with its latency, and open streams (metrics/rpc-metrics.ts). */
  metrics?: RpcMetrics;
}

/**
 * Wraps every handler of a service implementation with what both listeners need, written once:
 * domain errors become status codes (error-map.ts), unexpected errors are logged and become INTERNAL,
 * each RPC logs one line (method, protocol, code, duration), streams once when they end, the optional guard
 * admits each call (and ends a stream whose token is revoked), and the optional stream limit counts open streams.
 * Each of those steps sees a transport-neutral {@link Call}, built here from the descriptor. Requests refused
 * before a handler runs are logged by their listener in the same shape ({@link logRefusedRpc}).
 */
export function interceptService<T extends object>(service: DescService, impl: T, options: InterceptOptions): T {
  const wrapped: Record<string, AnyHandler> = {};
  const handlers = impl as Record<string, AnyHandler | undefined>;
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (!handler) continue;
    const described = describeMethod(method);
    const rpc = options.readOnly ? { ...described, readOnly: true } : described;
    const recorder = options.metrics?.forMethod(rpc);
    const log = createRpcLog(rpc, options.logger, recorder);
    wrapped[method.localName] =
      rpc.kind === "unary" || rpc.kind === "client_streaming"
        ? wrapUnary(handler, rpc, log, options.guard)
        : wrapStreaming(handler, rpc, log, options, recorder);
  }
  return wrapped as T;
}

/** A request that a listener refused before any handler, and so the interceptor, saw it. */
export interface RefusedRpc {
  /** `package.Service/Method`, as the interceptor names it; the request path when it names no RPC. */
  method: string;
  error: ConnectError;
  /** `performance.now()` when the request arrived. */
  started: number;
  /** The HTTP status sent, on the HTTP port. */
  httpStatus?: number;
}

/**
 * Logs a refused request in the shape of the interceptor's own line (method, protocol, code, durationMs, message),
 * so that every RPC has exactly one line, whether a handler saw it or not.
 *
 * @example
 * createGrpcService(service, impl, { onRefused: (refused) => logRefusedRpc(logger, "grpc", refused) });
 */
export function logRefusedRpc(logger: Logger, protocol: string, refused: RefusedRpc): void {
  writeRpcLine(logger.child({ method: refused.method }), protocol, refused.started, refused.error, refused.httpStatus);
}

type RpcLog = (protocol: CallProtocol, started: number, error?: unknown) => ConnectError | undefined;

function createRpcLog(rpc: RpcMethod, parent: Logger, recorder: MethodMetrics | undefined): RpcLog {
  // A child per method serializes the method name once, not on every call.
  const logger = parent.child({ method: rpc.name });
  const okLevel = rpc.readOnly ? "debug" : "info";
  if (!recorder) return (protocol, started, error) => writeRpcLine(logger, protocol, started, error, undefined, okLevel);
  return (protocol, started, error) => {
    const sent = writeRpcLine(logger, protocol, started, error, undefined, okLevel);
    recorder.observe(protocol, sent === undefined ? 0 : sent.code, (performance.now() - started) / 1000);
    return sent;
  };
}

/**
 * Writes an RPC's one line and returns the error to send: domain errors mapped, unexpected ones hidden.
 * Successful reads (Evaluate and every other side-effect-free method) log at `okLevel` debug: at info,
 * a line per evaluation cost about a fifth of the server's throughput, and writes and errors are what an
 * operator reads the log for.
 */
function writeRpcLine(
  logger: Logger,
  protocol: string,
  started: number,
  error: unknown,
  httpStatus?: number,
  okLevel: "debug" | "info" = "info",
): ConnectError | undefined {
  if (error === undefined) {
    if (logger.isLevelEnabled(okLevel)) logger[okLevel]({ protocol, code: "ok", durationMs: elapsedMs(started) }, "rpc");
    return undefined;
  }
  const durationMs = elapsedMs(started);
  const connectError = toConnectError(error);
  const code = codeToString(connectError.code);
  if (code === "internal" && connectError !== error) {
    logger.error({ protocol, httpStatus, code, durationMs, err: error }, "rpc failed");
  } else if (logger.isLevelEnabled("info")) {
    logger.info({ protocol, httpStatus, code, durationMs, message: connectError.rawMessage }, "rpc");
  }
  return connectError;
}

function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/**
 * Marks the call for the HTTP listener. The gRPC adapter reports its own refusals and never reads the
 * mark, so gRPC calls skip it and allocate no context values on the hot path.
 */
function markLogged(context: HandlerContext): void {
  if (context.protocolName !== "grpc") context.values.set(RPC_LOGGED, true);
}

function wrapUnary(handler: AnyHandler, rpc: RpcMethod, log: RpcLog, guard: CallGuard | undefined): AnyHandler {
  return (input, context) => {
    const started = performance.now();
    markLogged(context);
    const call = callOf(rpc, context);
    try {
      guard?.admit(call);
      const result = handler(input, context);
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            log(call.protocol, started);
            return value;
          },
          (err: unknown) => {
            throw log(call.protocol, started, err);
          },
        );
      }
      log(call.protocol, started);
      return result;
    } catch (err) {
      throw log(call.protocol, started, err);
    }
  };
}

function wrapStreaming(
  handler: AnyHandler,
  rpc: RpcMethod,
  log: RpcLog,
  { guard, streams }: InterceptOptions,
  recorder: MethodMetrics | undefined,
): AnyHandler {
  return (input, context) => {
    const started = performance.now();
    markLogged(context);
    const call: Call = callOf(rpc, context);
    let release: (() => void) | undefined;
    let opened = false;
    return observeStream(
      () => {
        guard?.admit(call);
        const revoked = guard?.revocation(call);
        release = streams?.open(call);
        const output = handler(input, context) as AsyncIterable<unknown>;
        opened = true;
        recorder?.streamOpened(call.protocol);
        return revoked ? endOnAbort(output, revoked) : output;
      },
      // Also told when the client goes away and the stream is returned early.
      (error) => {
        release?.();
        const sent = error === undefined ? log(call.protocol, started) : log(call.protocol, started, error);
        if (opened) recorder?.streamClosed(call.protocol, sent === undefined ? 0 : sent.code);
        return sent;
      },
    );
  };
}

/**
 * Passes `source` through until `signal` aborts, then throws the signal's reason (a revoked token's
 * UNAUTHENTICATED) even while the source waits for its next message. The source is returned, and finishes
 * once the call's own signal ends it.
 */
async function* endOnAbort<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let abort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  const onAbort = () => abort(signal.reason);
  if (signal.aborted) throw signal.reason;
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const next = iterator.next();
      // Left pending when the signal wins: its outcome no longer matters.
      next.catch(() => undefined);
      const result = await Promise.race([next, aborted]);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    iterator.return?.()?.catch(() => undefined);
  }
}
