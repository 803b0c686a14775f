import type { Metadata } from "@grpc/grpc-js";
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ContextKey, ContextValues, HandlerContext } from "@connectrpc/connect";
import { followShutdown, unfollowShutdown } from "../follow-shutdown.js";
import { CLIENT_ADDRESS, clientAddress } from "../call-context.js";

/**
 * A connect `HandlerContext` for a call served by grpc-js.
 *
 * Everything but `method` and `service` is built lazily: the hot path (Evaluate) reads none of it, and
 * connect's own `createHandlerContext` would allocate an AbortController and three Headers per call.
 */
export class GrpcHandlerContext implements HandlerContext {
  readonly requestMethod = "POST";
  readonly protocolName = "grpc";
  private abortController: AbortController | undefined;
  private headers: Headers | undefined;
  private contextValues: ContextValues | undefined;
  private outHeader: Headers | undefined;
  private outTrailer: Headers | undefined;

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    private readonly call: ServerSurfaceCall,
    private readonly metadata: Metadata,
    private readonly shutdownSignal: AbortSignal | undefined,
  ) {}

  get url(): string {
    return `/${this.service.typeName}/${this.method.name}`;
  }

  get signal(): AbortSignal {
    if (!this.abortController) {
      const controller = new AbortController();
      this.abortController = controller;
      if (this.call.cancelled) controller.abort(new Error("call cancelled by the client"));
      else this.call.once("cancelled", () => controller.abort(new Error("call cancelled by the client")));
      if (this.shutdownSignal) followShutdown(this.shutdownSignal, controller);
    }
    return this.abortController.signal;
  }

  /** Ends the context: aborts `signal` so that handler resources are released. */
  done(): void {
    const controller = this.abortController;
    if (!controller) return;
    if (this.shutdownSignal) unfollowShutdown(this.shutdownSignal, controller);
    controller.abort(new Error("call completed"));
  }

  timeoutMs(): number | undefined {
    const deadline = this.call.getDeadline();
    if (deadline === Infinity) return undefined;
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    return at - Date.now();
  }

  get requestHeader(): Headers {
    if (!this.headers) {
      const headers = new Headers();
      for (const [key, value] of Object.entries(this.metadata.getMap())) {
        if (typeof value === "string") headers.append(key, value);
      }
      this.headers = headers;
    }
    return this.headers;
  }

  get responseHeader(): Headers {
    return (this.outHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.outTrailer ??= new Headers());
  }

  get values(): ContextValues {
    if (!this.contextValues) {
      this.contextValues = new CallValues();
      const peer = this.call.getPeer(); // "address:port"
      this.contextValues.set(CLIENT_ADDRESS, clientAddress(peer.includes(":") ? peer.slice(0, peer.lastIndexOf(":")) : peer));
    }
    return this.contextValues;
  }

  /** The response headers, or undefined when no one touched them: then there is no metadata to send. */
  get responseHeaderIfSet(): Headers | undefined {
    return this.outHeader;
  }

  /** The response trailers, or undefined when no one touched them: then there is no metadata to send. */
  get responseTrailerIfSet(): Headers | undefined {
    return this.outTrailer;
  }
}

/**
 * connect's `createContextValues()`, with its methods on a prototype: it makes three closures per call, which a
 * watch stream holds for its whole life. Values live as properties keyed by each key's symbol, as there.
 */
class CallValues implements ContextValues {
  get<T>(key: ContextKey<T>): T {
    return key.id in this ? ((this as unknown as Record<symbol, T>)[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Record<symbol, T>)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Record<symbol, unknown>)[key.id];
    return this;
  }
}
