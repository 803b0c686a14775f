import type { IncomingMessage } from "node:http";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ContextValues, HandlerContext } from "@connectrpc/connect";

/**
 * A connect `HandlerContext` for a Connect unary call that the JSON fast path serves (connect-json-fast-path.ts)
 * without connect-node. Everything but the method and the values is built only when asked: Evaluate reads none of
 * it with authentication off, and the guard reads one header with it on; connect's own `createHandlerContext`
 * would allocate an AbortController and three Headers per call.
 */
export class FastHandlerContext implements HandlerContext {
  readonly protocolName = "connect";
  readonly service: DescService;
  private abortController: AbortController | undefined;
  private inHeader: Headers | undefined;
  private outHeader: Headers | undefined;
  private outTrailer: Headers | undefined;

  constructor(
    readonly method: DescMethod,
    private readonly req: IncomingMessage,
    readonly values: ContextValues,
  ) {
    this.service = method.parent;
  }

  get requestMethod(): string {
    return this.req.method ?? "POST";
  }

  /** As connect-node builds it: the scheme, the Host header and the request target. */
  get url(): string {
    const encrypted = "encrypted" in this.req.socket && this.req.socket.encrypted;
    return `${encrypted ? "https" : "http"}://${this.req.headers.host ?? ""}${this.req.url ?? ""}`;
  }

  get signal(): AbortSignal {
    return (this.abortController ??= new AbortController()).signal;
  }

  /** The fast path takes no call with a timeout (`connect-timeout-ms`): those go to connect-node. */
  timeoutMs(): number | undefined {
    return undefined;
  }

  /** The request headers as connect-node converts them: repeated ones appended, which `get` joins with ", ". */
  get requestHeader(): Headers {
    if (!this.inHeader) {
      const headers = new Headers();
      for (const [key, value] of Object.entries(this.req.headers)) {
        if (typeof value === "string") headers.append(key, value);
        else if (Array.isArray(value)) for (const one of value) headers.append(key, one);
      }
      this.inHeader = headers;
    }
    return this.inHeader;
  }

  get responseHeader(): Headers {
    return (this.outHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.outTrailer ??= new Headers());
  }

  /** The response headers, or undefined when no one touched them. */
  get responseHeaderIfSet(): Headers | undefined {
    return this.outHeader;
  }

  /** The response trailers, or undefined when no one touched them. */
  get responseTrailerIfSet(): Headers | undefined {
    return this.outTrailer;
  }

  /** Ends the context as connect does once the answer is made: `signal` aborts, with the error if there was one. */
  done(reason?: unknown): void {
    this.abortController?.abort(reason);
  }
}
