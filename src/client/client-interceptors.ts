import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { FlagClientBaseOptions } from "./flag-client.js";

/** The interceptors every transport carries: the token and actor headers, and the answer deadline. */
export function createClientInterceptors(options: FlagClientBaseOptions): Interceptor[] {
  const headers: Array<[string, string]> = [];
  if (options.token) headers.push(["authorization", `Bearer ${options.token}`]);
  if (options.actor) headers.push(["x-flagwire-actor", options.actor]);
  const interceptors: Interceptor[] = [];
  if (headers.length > 0) {
    interceptors.push((next) => (req) => {
      for (const [name, value] of headers) req.header.set(name, value);
      return next(req);
    });
  }
  if (options.answerTimeoutMs !== undefined) interceptors.push(answerDeadline(options.answerTimeoutMs));
  return interceptors;
}

/**
 * Aborts a call whose answer has not come within `ms`. A call's `next` resolves once the unary response, or a
 * stream's headers, are in, so one timer covers both without cutting a stream that is already flowing (which a
 * transport-wide deadline would).
 */
function answerDeadline(ms: number): Interceptor {
  return (next) => async (req) => {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new ConnectError(`no answer within ${ms / 1000} s`, Code.DeadlineExceeded)),
      ms,
    );
    try {
      return await next({ ...req, signal: AbortSignal.any([req.signal, deadline.signal]) });
    } finally {
      clearTimeout(timer);
    }
  };
}
