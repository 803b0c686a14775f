import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { createContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";

/** The address of the client that made a call, as each listener sets it in the call's context values. */
export const CLIENT_ADDRESS = createContextKey("unknown", { description: "flagwire client address" });

/** A socket's remote address without the IPv4-mapped prefix, so that both listeners name a client alike. */
export function clientAddress(remoteAddress: string | undefined): string {
  return remoteAddress?.replace(/^::ffff:/, "") ?? "unknown";
}

/** How every log line names an RPC: `package.Service/Method`, e.g. `flagwire.v1.FeatureFlagService/GetFeature`. */
export function rpcName(method: { readonly name: string; readonly parent: { readonly typeName: string } }): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** How a method's messages flow, in the contract's words. */
export type CallKind = "unary" | "client_streaming" | "server_streaming" | "bidi_streaming";

/** Which protocol carries a call: the three RPC protocols, or plain HTTP (routes that are not RPCs). */
export type CallProtocol = "grpc" | "connect" | "grpc-web" | "http";

/**
 * What auth, logging and limits know of a method, whatever transport carries its calls: built once per method
 * ({@link describeMethod}), so that those steps never read protobuf descriptors.
 */
export interface RpcMethod {
  /** `package.Service`, e.g. `flagwire.v1.FeatureFlagService`. */
  readonly service: string;
  /** The method's name in the contract, e.g. `GetFeature`. */
  readonly method: string;
  /** `package.Service/Method`, as log lines and messages name it ({@link rpcName}). */
  readonly name: string;
  readonly kind: CallKind;
  /** The method has no side effects (a read): its successful calls log at debug. */
  readonly readOnly: boolean;
}

/** One call, as auth, logging and limits see it: its method and what the transport says about it. */
export interface Call {
  readonly rpc: RpcMethod;
  readonly protocol: CallProtocol;
  /** The client's address as the listener saw it (without the IPv4-mapped prefix). */
  readonly clientAddress: string;
  /** Values the steps of one call share (the admitted token, say). */
  readonly values: ContextValues;
  /** A request header (repeated ones joined with ", "), null when absent. */
  header(name: string): string | null;
}

/** The transport-neutral description of a protobuf method, built once per method by the adapters. */
export function describeMethod(method: DescMethod): RpcMethod {
  return {
    service: method.parent.typeName,
    method: method.name,
    name: rpcName(method),
    kind: method.methodKind,
    readOnly: method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
  };
}

/**
 * The call a connect handler context carries. Every field is read from the context only when asked: the hot
 * path (an Evaluate with authentication off) reads none of them, and the gRPC context builds its headers and
 * values lazily.
 *
 * @example
 * const call = callOf(describeMethod(method), context);
 * guard.admit(call);
 */
export function callOf(rpc: RpcMethod, context: HandlerContext): Call {
  return new HandlerCall(rpc, context);
}

// A class rather than an object literal with getters: this runs once per call, and a literal would allocate its
// getters as fresh closures every time.
class HandlerCall implements Call {
  constructor(
    readonly rpc: RpcMethod,
    private readonly context: HandlerContext,
  ) {}

  get protocol(): CallProtocol {
    return this.context.protocolName as CallProtocol;
  }

  get clientAddress(): string {
    return this.context.values.get(CLIENT_ADDRESS);
  }

  get values(): ContextValues {
    return this.context.values;
  }

  header(name: string): string | null {
    return this.context.requestHeader.get(name);
  }
}
