import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { createContextKey, type ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import type { CallGuard } from "./auth/create-call-guard.js";
import { toConnectError } from "./error-map.js";
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

/** How every log line names an RPC: `package.Service/Method`, e.g. `flagwire.v1.FeatureFlagService/GetFeature`. */
export function rpcName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Options of {@link interceptService}. */
export interface InterceptOptions {
  logger: Logger;
  /** Admits or refuses each call before its handler runs (authentication); refusals are logged like any error. */
  guard?: CallGuard;
}

/**
 * Wraps every handler of a service implementation with what both listeners need, written once:
 * domain errors become status codes (error-map.ts), unexpected errors are logged and become INTERNAL,
 * each RPC logs one line (method, protocol, code, duration), streams once when they end, and the optional guard
 * admits each call (and ends a stream whose token is revoked). Requests refused
 * before a handler runs are logged by their listener in the same shape ({@link logRefusedRpc}).
 */
export function interceptService<T extends object>(service: DescService, impl: T, options: InterceptOptions): T {
  const wrapped: Record<string, AnyHandler> = {};
  const handlers = impl as Record<string, AnyHandler | undefined>;
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (!handler) continue;
    const log = createRpcLog(rpcName(method), options.logger, method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS);
    const guard = options.guard;
    const admit: Admit | undefined = guard && ((context) => guard.admit(method, context));
    wrapped[method.localName] =
      method.methodKind === "unary" || method.methodKind === "client_streaming"
        ? wrapUnary(handler, log, admit)
        : wrapStreaming(handler, log, guard && { admit: admit as Admit, revocation: (context) => guard.revocation(context) });
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

type RpcLog = (context: HandlerContext, started: number, error?: unknown) => Error | undefined;

function createRpcLog(method: string, parent: Logger, readOnly: boolean): RpcLog {
  // A child per method serializes the method name once, not on every call.
  const logger = parent.child({ method });
  const okLevel = readOnly ? "debug" : "info";
  return (context, started, error) => writeRpcLine(logger, context.protocolName, started, error, undefined, okLevel);
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

type Admit = (context: HandlerContext) => void;

function wrapUnary(handler: AnyHandler, log: RpcLog, admit: Admit | undefined): AnyHandler {
  return (input, context) => {
    const started = performance.now();
    markLogged(context);
    try {
      admit?.(context);
      const result = handler(input, context);
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            log(context, started);
            return value;
          },
          (err: unknown) => {
            throw log(context, started, err);
          },
        );
      }
      log(context, started);
      return result;
    } catch (err) {
      throw log(context, started, err);
    }
  };
}

function wrapStreaming(handler: AnyHandler, log: RpcLog, guard: Pick<CallGuard, "revocation"> & { admit: Admit } | undefined): AnyHandler {
  return (input, context) => {
    const started = performance.now();
    markLogged(context);
    return observeStream(
      () => {
        guard?.admit(context);
        const revoked = guard?.revocation(context);
        const output = handler(input, context) as AsyncIterable<unknown>;
        return revoked ? endOnAbort(output, revoked) : output;
      },
      // Also told when the client goes away and the stream is returned early.
      (error) => (error === undefined ? log(context, started) : log(context, started, error)),
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
