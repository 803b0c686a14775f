import type { DescService } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { toConnectError } from "./error-map.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wraps handlers of every signature alike
type AnyHandler = (input: any, context: HandlerContext) => any;

/** Options of {@link interceptService}. */
export interface InterceptOptions {
  logger: Logger;
}

/**
 * Wraps every handler of a service implementation with what both listeners need, written once:
 * domain errors become status codes (error-map.ts), unexpected errors are logged and become INTERNAL,
 * and each RPC logs one line (method, protocol, code, duration), streams once when they end.
 */
export function interceptService<T extends object>(service: DescService, impl: T, options: InterceptOptions): T {
  const wrapped: Record<string, AnyHandler> = {};
  const handlers = impl as Record<string, AnyHandler | undefined>;
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (!handler) continue;
    const name = `${service.typeName}/${method.name}`;
    const log = createRpcLog(name, options.logger);
    wrapped[method.localName] =
      method.methodKind === "unary" || method.methodKind === "client_streaming"
        ? wrapUnary(handler, log)
        : wrapStreaming(handler, log);
  }
  return wrapped as T;
}

type RpcLog = (context: HandlerContext, started: number, error?: unknown) => Error | undefined;

function createRpcLog(method: string, parent: Logger): RpcLog {
  // A child per method serializes the method name once, not on every call.
  const logger = parent.child({ method });
  return (context, started, error) => {
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    if (error === undefined) {
      if (logger.isLevelEnabled("info")) logger.info({ protocol: context.protocolName, code: "ok", durationMs }, "rpc");
      return undefined;
    }
    const connectError = toConnectError(error);
    const code = codeToString(connectError.code);
    if (code === "internal" && connectError !== error) {
      logger.error({ protocol: context.protocolName, code, durationMs, err: error }, "rpc failed");
    } else if (logger.isLevelEnabled("info")) {
      logger.info({ protocol: context.protocolName, code, durationMs, message: connectError.rawMessage }, "rpc");
    }
    return connectError;
  };
}

function wrapUnary(handler: AnyHandler, log: RpcLog): AnyHandler {
  return (input, context) => {
    const started = performance.now();
    try {
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

function wrapStreaming(handler: AnyHandler, log: RpcLog): AnyHandler {
  return async function* (input, context) {
    const started = performance.now();
    let failed = false;
    try {
      yield* handler(input, context) as AsyncIterable<unknown>;
    } catch (err) {
      failed = true;
      throw log(context, started, err);
    } finally {
      // Also reached when the client goes away and the stream is returned early.
      if (!failed) log(context, started);
    }
  };
}
