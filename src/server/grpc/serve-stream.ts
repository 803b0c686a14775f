import { once } from "node:events";
import type { ServerDuplexStream, ServerWritableStream } from "@grpc/grpc-js";
import type { HandlerContext } from "@connectrpc/connect";
import type { GrpcHandlerContext } from "./grpc-handler-context.js";
import { sendHeaderIfSet, toGrpcStatus, trailerOf } from "./grpc-status.js";
import type { MethodCodec } from "./method-codec.js";

/** A connect-style streaming implementation, called with the decoded input (a message, or an iterable of them). */
type StreamingImpl = (input: unknown, context: HandlerContext) => unknown;

type StreamingCall = ServerWritableStream<Buffer, Uint8Array> | ServerDuplexStream<Buffer, Uint8Array>;

/** Runs a handler that answers with a stream (server-streaming or bidi) and ends the call with its status. */
export function serveStream(call: StreamingCall, context: GrpcHandlerContext, fn: StreamingImpl, input: unknown, codec: MethodCodec): void {
  let iterator: AsyncIterator<unknown>;
  try {
    iterator = (fn(input, context) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  } catch (err) {
    endStream(call, context, err);
    return;
  }
  new StreamWriter(call, context, codec, iterator).pull();
}

/** Ends a streaming call: its trailers when `error` is undefined, else its status (unless the client went away). */
function endStream(call: StreamingCall, context: GrpcHandlerContext, error: unknown): void {
  try {
    if (error === undefined) call.end(trailerOf(context));
    else if (!call.cancelled) call.emit("error", toGrpcStatus(error));
  } catch (err) {
    if (!call.cancelled) call.emit("error", toGrpcStatus(err));
  } finally {
    context.done();
  }
}

/**
 * Writes every message of a handler's stream, waiting for the socket to drain rather than buffering without bound,
 * then ends the call. A loop of callbacks rather than an async function: an idle stream then holds this one object
 * and its pending read, not two suspended async frames.
 */
class StreamWriter {
  private first = true;
  private readonly onNext = (result: IteratorResult<unknown>) => this.write(result);
  private readonly onError = (err: unknown) => endStream(this.call, this.context, err);
  private readonly onDrained = () => this.pull();

  constructor(
    private readonly call: StreamingCall,
    private readonly context: GrpcHandlerContext,
    private readonly codec: MethodCodec,
    private readonly iterator: AsyncIterator<unknown>,
  ) {}

  pull(): void {
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = this.iterator.next();
    } catch (err) {
      this.onError(err);
      return;
    }
    next.then(this.onNext, this.onError);
  }

  private write(result: IteratorResult<unknown>): void {
    const { call, context } = this;
    if (result.done) {
      endStream(call, context, undefined);
      return;
    }
    if (call.cancelled) {
      // The client went away: stop the handler's stream, then end as when it finishes.
      this.close().then(() => endStream(call, context, undefined), this.onError);
      return;
    }
    let written: boolean;
    try {
      if (this.first) {
        sendHeaderIfSet(call, context);
        this.first = false;
      }
      written = call.write(this.codec.encode(result.value));
    } catch (err) {
      // The handler's stream is stopped first; what it says then does not replace the error.
      const fail = () => this.onError(err);
      this.close().then(fail, fail);
      return;
    }
    if (written) this.pull();
    else drainedOrCancelled(call).then(this.onDrained, this.onError);
  }

  private close(): Promise<unknown> {
    try {
      return Promise.resolve(this.iterator.return?.());
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** Waits for the socket to take more, or for the client to go away; leaves no listener behind. */
async function drainedOrCancelled(call: NodeJS.EventEmitter): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([once(call, "drain", { signal: settled.signal }), once(call, "cancelled", { signal: settled.signal })]);
  } finally {
    settled.abort();
  }
}
