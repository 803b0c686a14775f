import { constants, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { repeatedAuthorization } from "../auth/repeated-authorization.js";
import type { RefusedRpc } from "../rpc-interceptor.js";

/** What the guard needs to know of one registered method. */
export interface GuardedMethod {
  /** `package.Service/Method`, as log lines name it. */
  name: string;
  /** Whether the client sends a stream (client-streaming or bidi); otherwise exactly one message. */
  requestStream: boolean;
}

/** Options of {@link guardGrpcWire}. */
export interface GrpcWireGuardOptions {
  /** The registered methods by HTTP/2 path (`/package.Service/Method`). */
  methods: ReadonlyMap<string, GuardedMethod>;
  /** grpc.max_receive_message_length. */
  maxReceiveMessageLength: number;
  /** Called once per call refused before any handler ran, by the guard or by grpc-js itself, once its stream closed. */
  onRefused?: (refused: RefusedRpc) => void;
}

/**
 * Checks the gRPC framing (and repeated authorization headers) of every call on `server`'s HTTP/2 streams before
 * grpc-js reads it, and reports what grpc-js refuses on its own (unknown method, content type, decompression),
 * which no handler would log.
 *
 * grpc-js 1.14 reads a compressed flag with no grpc-encoding as uncompressed and hands the bytes on, ignores a
 * message cut short by the end of the stream (running the handler with the messages before it), answers a missing
 * message or a second one with UNIMPLEMENTED, and a body that does not decompress with INTERNAL. The guard sees each
 * stream's events first (see hookStreamEvents): a bad frame or a bad end is answered here with INVALID_ARGUMENT, and grpc-js's
 * data and end listeners are removed before it could read them, so no handler runs. grpc-js's decompression
 * answers are rewritten as they go out. grpc-js offers no hook below its method lookup (server interceptors only
 * see known methods, after decompression), so the guard is given its HTTP/2 servers (http2-servers-of.ts;
 * test/bad-input.test.ts covers each case). Call it right after `bindAsync` completes: no
 * stream can have arrived before (only promise callbacks run between grpc-js starting to listen and the bind
 * callback).
 */
export function guardGrpcWire(servers: Http2Server[], options: GrpcWireGuardOptions): void {
  for (const http2Server of servers) {
    if (GUARDED.has(http2Server)) continue;
    GUARDED.add(http2Server);
    // Before grpc-js's own listener: it answers unknown methods there, and attaches its data listener.
    http2Server.prependListener("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
      const authorization = repeatedAuthorization(rawHeaders);
      if (authorization !== undefined) headers.authorization = authorization;
      guardStream(stream, headers, options);
    });
  }
}

const GUARDED = new WeakSet<Http2Server>();

function guardStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, options: GrpcWireGuardOptions): void {
  const started = performance.now();
  const path = String(headers[":path"] ?? "");
  const method = options.methods.get(path);
  const report = (error: ConnectError, httpStatus?: number) =>
    stream.once("close", () => options.onRefused?.({ method: method?.name ?? path, error, started, ...(httpStatus ? { httpStatus } : {}) }));
  const contentType = headers["content-type"];
  // grpc-js answers these two itself, before any handler or interceptor: only their log line is added here.
  if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
    report(new ConnectError(`content-type ${JSON.stringify(contentType ?? "")} is not application/grpc`, Code.Unimplemented), 415);
    return;
  }
  if (!method) {
    report(new ConnectError(`The server does not implement the method ${path}`, Code.Unimplemented));
    return;
  }
  const encoding = String(headers["grpc-encoding"] ?? "identity");
  hookStreamEvents(stream);
  (stream as GuardedStream)[STREAM_GUARD] = new StreamGuard(stream, new FrameReader(method, encoding, options.maxReceiveMessageLength), encoding, options, report);
}

/** Where a guarded stream keeps its guard: the one emit hook of its class looks it up there. */
const STREAM_GUARD = Symbol("flagwire gRPC wire guard");
type GuardedStream = ServerHttp2Stream & { [STREAM_GUARD]?: StreamGuard };
const HOOKED = new WeakSet<object>();

/**
 * The guard must see each stream's data and end events before grpc-js's listeners do, and be able to keep them
 * from grpc-js (an emit copies its listeners first, so removing them from within is too late). A listener cannot do
 * that, and an `emit` of each stream's own made garbage collection three times as costly (measured: bench figure 1),
 * so the streams' class gets one `emit` that hands those two events to the stream's guard, if it has one, first.
 * Streams without a guard (any other HTTP/2 server in the process) are passed through untouched.
 */
function hookStreamEvents(stream: ServerHttp2Stream): void {
  const proto = Object.getPrototypeOf(stream) as { emit: (this: GuardedStream, event: string | symbol, ...args: unknown[]) => boolean };
  if (HOOKED.has(proto)) return;
  HOOKED.add(proto);
  const emit = proto.emit;
  proto.emit = function (this: GuardedStream, event: string | symbol, chunk?: unknown): boolean {
    const guard = this[STREAM_GUARD];
    if (guard !== undefined && (event === "data" || event === "end")) guard.onEvent(event, chunk);
    // Every argument passed on as it came, without a rest array per event (this runs for every call).
    // eslint-disable-next-line prefer-rest-params
    return emit.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
  };
}

/** One call's wire checks: rules on its frames, and refuses it before grpc-js reads what it must not. */
class StreamGuard {
  private refused = false;
  private compressed = false;
  // Node's own listeners on the stream, if any, come first; the ones added after this are grpc-js's (counted, not
  // copied: this runs for every call).
  private readonly own: { data: number; end: number };

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly frames: FrameReader,
    private readonly encoding: string,
    private readonly options: GrpcWireGuardOptions,
    private readonly report: (error: ConnectError) => void,
  ) {
    this.own = { data: stream.listenerCount("data"), end: stream.listenerCount("end") };
  }

  onEvent(event: "data" | "end", chunk: unknown): void {
    if (this.refused) return;
    const error = event === "data" ? this.frames.read(chunk as Buffer) : this.frames.end();
    if (error) this.refuse(error);
    // The request is whole and good: nothing more to check, and a stream that stays open (a watch) need not keep this.
    else if (event === "end") (this.stream as GuardedStream)[STREAM_GUARD] = undefined;
    else if (this.frames.compressed && !this.compressed) {
      this.compressed = true;
      rewriteDecompressionStatus(this.stream, this.encoding, this.options.maxReceiveMessageLength, this.report);
    }
  }

  private refuse(error: ConnectError): void {
    this.refused = true;
    // grpc-js must see neither these bytes nor the end of the request: its half-close would run the handler.
    for (const event of ["data", "end"] as const) {
      for (const listener of this.stream.listeners(event).slice(this.own[event])) this.stream.removeListener(event, listener as never);
    }
    this.report(error);
    sendStatus(this.stream, error);
  }
}

/** Answers a call with a gRPC status (trailers-only) and stops reading it; grpc-js never sees the stream again. */
function sendStatus(stream: ServerHttp2Stream, error: ConnectError): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    // A streaming handler already answered: its trailers are grpc-js's to send, so the stream is reset instead.
    stream.close(constants.NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  stream.respond(
    {
      ":status": 200,
      "content-type": "application/grpc+proto",
      "grpc-status": String(error.code),
      "grpc-message": encodeURI(error.rawMessage),
    },
    { endStream: true },
  );
  // The client may still be sending: RST_STREAM(NO_ERROR) once the answer is out, as HTTP/2 allows.
  stream.close(constants.NGHTTP2_NO_ERROR);
}

/**
 * grpc-js decompresses gzip and deflate itself and answers a message that does not decompress with INTERNAL
 * "Failed to decompress message": it is the client's fault, so the answer becomes INVALID_ARGUMENT naming the
 * encoding. Only streams that carried a compressed message are watched.
 */
function rewriteDecompressionStatus(
  stream: ServerHttp2Stream,
  encoding: string,
  limit: number,
  report: (error: ConnectError) => void,
): void {
  const rewrite = (headers: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders | undefined => {
    const status = headers?.["grpc-status"];
    if (status === undefined) return headers;
    const message = decodeURI(String(headers?.["grpc-message"] ?? ""));
    let error: ConnectError | undefined;
    if (Number(status) === Code.Internal && message === "Failed to decompress message") {
      error = new ConnectError(`request message is not valid ${encoding}, as its grpc-encoding header says it is`, Code.InvalidArgument);
    } else if (Number(status) === Code.ResourceExhausted && message.startsWith("Received message that decompresses to a size larger than")) {
      error = new ConnectError(`request is larger than the limit of ${limit} bytes once decompressed`, Code.ResourceExhausted);
    }
    if (!error) return headers;
    report(error);
    return { ...headers, "grpc-status": String(error.code), "grpc-message": encodeURI(error.rawMessage) };
  };
  const respond = stream.respond.bind(stream);
  stream.respond = ((headers?: OutgoingHttpHeaders, respondOptions?: Parameters<typeof respond>[1]) =>
    respond(rewrite(headers), respondOptions)) as typeof stream.respond;
  const sendTrailers = stream.sendTrailers.bind(stream);
  stream.sendTrailers = ((headers: OutgoingHttpHeaders) => sendTrailers(rewrite(headers) ?? headers)) as typeof stream.sendTrailers;
}

/** The compressions grpc-js's server reads. */
const READABLE_ENCODINGS = new Set(["gzip", "deflate"]);

/** Follows the 5-byte gRPC message headers across DATA chunks without copying payloads, and rules on each. */
class FrameReader {
  /** Whether a message marked compressed has been seen. */
  compressed = false;
  // The 5-byte header being read, byte by byte (it may span DATA chunks): no buffer per call, as this runs for
  // every call and small buffers are costly to collect.
  private headerBytes = 0;
  private flag = 0;
  private length = 0;
  private remaining = 0;
  private messages = 0;

  constructor(
    private readonly method: GuardedMethod,
    private readonly encoding: string,
    private readonly limit: number,
  ) {}

  /** The refusal for `chunk`, if its frames are not ones grpc-js should read. */
  read(chunk: Buffer): ConnectError | undefined {
    for (let at = 0; at < chunk.byteLength; ) {
      if (this.remaining > 0) {
        const skipped = Math.min(this.remaining, chunk.byteLength - at);
        this.remaining -= skipped;
        at += skipped;
        continue;
      }
      const byte = chunk[at++] as number;
      if (this.headerBytes === 0) {
        this.flag = byte;
        this.length = 0;
      } else {
        this.length = this.length * 256 + byte;
      }
      if (++this.headerBytes < 5) continue;
      this.headerBytes = 0;
      this.remaining = this.length;
      const error = this.onMessage(this.flag, this.length);
      if (error) return error;
    }
    return undefined;
  }

  /** The refusal for the client's END_STREAM here, if a message is missing or cut short. */
  end(): ConnectError | undefined {
    if (this.headerBytes > 0) return invalid(`request ends inside a message: ${this.headerBytes} of its 5 header bytes arrived`);
    if (this.remaining > 0) {
      return invalid(`request ends inside a message: its length prefix says ${this.length} bytes, ${this.length - this.remaining} arrived`);
    }
    if (this.messages === 0 && !this.method.requestStream) {
      return invalid(`request has no message: ${this.method.name} takes exactly one request message`);
    }
    return undefined;
  }

  private onMessage(flag: number, length: number): ConnectError | undefined {
    this.messages++;
    if (this.messages > 1 && !this.method.requestStream) {
      return invalid(`request has more than one message: ${this.method.name} takes exactly one request message`);
    }
    if (flag > 1) return invalid(`a message has flag ${flag}: use 0 (uncompressed) or 1 (compressed, with grpc-encoding)`);
    if (length > this.limit) {
      return new ConnectError(`request is larger than the limit of ${this.limit} bytes: its length prefix says ${length}`, Code.ResourceExhausted);
    }
    if (flag === 1) {
      if (this.encoding === "identity") {
        return invalid("a message is marked compressed (flag 1) but the request has no grpc-encoding header: send grpc-encoding: gzip or deflate, or flag 0");
      }
      if (!READABLE_ENCODINGS.has(this.encoding)) {
        // UNIMPLEMENTED, as the gRPC compression spec asks for an encoding the server does not support.
        const message = `request is compressed with grpc-encoding ${JSON.stringify(this.encoding)}, which this server does not read: use gzip or deflate`;
        return new ConnectError(message, Code.Unimplemented);
      }
      this.compressed = true;
    }
    return undefined;
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
