import { once } from "node:events";
import type { Readable } from "node:stream";
import {
  Metadata,
  status as GrpcStatus,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type StatusObject,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { GrpcHandlerContext } from "./grpc-handler-context.js";

/** Any connect-style method implementation; the adapter checks the method kind at run time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- implementations are typed by their ServiceImpl at the call site
type AnyImpl = (input: any, context: HandlerContext) => any;

/** A service ready to be added to a grpc-js `Server` with `server.addService(definition, handlers)`. */
export interface GrpcService {
  definition: ServiceDefinition;
  handlers: UntypedServiceImplementation;
}

/** Options of {@link createGrpcService}. */
export interface GrpcServiceOptions {
  /** Aborted when the server shuts down; handlers see it through `context.signal`. */
  shutdownSignal?: AbortSignal;
}

/**
 * Serves a connect-style service implementation (`ServiceImpl`) on grpc-js.
 *
 * The grpc-js method definitions are derived from the protobuf-es descriptor, so there is no second copy
 * of the contract. Messages cross grpc-js as raw bytes and are decoded here: a body that is not valid
 * protobuf becomes INVALID_ARGUMENT (grpc-js itself would answer INTERNAL), and a handler can return
 * bytes it encoded once for many streams.
 *
 * @example
 * const { definition, handlers } = createGrpcService(FeatureFlagService, impl);
 * server.addService(definition, handlers);
 */
export function createGrpcService(
  service: DescService,
  impl: Partial<Record<string, AnyImpl>>,
  options: GrpcServiceOptions = {},
): GrpcService {
  const definition: Record<string, MethodDefinition<Buffer, Uint8Array>> = {};
  const handlers: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const fn = impl[method.localName];
    definition[method.name] = methodDefinition(service, method);
    handlers[method.name] = fn
      ? methodHandler(service, method, fn, options.shutdownSignal)
      : unimplemented(service, method);
  }
  return { definition, handlers };
}

function methodDefinition(service: DescService, method: DescMethod): MethodDefinition<Buffer, Uint8Array> {
  const streaming = method.methodKind;
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: streaming === "client_streaming" || streaming === "bidi_streaming",
    responseStream: streaming === "server_streaming" || streaming === "bidi_streaming",
    requestSerialize: toBuffer,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: toBuffer,
    responseDeserialize: (bytes: Buffer) => bytes,
    originalName: method.localName,
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a request; INVALID_ARGUMENT when the bytes are not a valid message of the input type. */
function decode(schema: DescMessage, bytes: Buffer): unknown {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConnectError(`request is not a valid ${schema.typeName} message: ${reason}`, Code.InvalidArgument);
  }
}

/** Encodes a response; a handler may return a message, an init object, or bytes it encoded itself. */
function encode(schema: DescMessage, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return toBinary(schema, create(schema, value as never));
}

/** Turns anything thrown by a handler into a grpc-js status. */
export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const error = ConnectError.from(err);
  const metadata = new Metadata();
  error.metadata.forEach((value, key) => {
    if (!key.endsWith("-bin")) metadata.add(key, value);
  });
  return { code: error.code as number as GrpcStatus, details: error.rawMessage, metadata };
}

function trailerMetadata(context: GrpcHandlerContext): Metadata | undefined {
  const trailer = context.takeResponseTrailer();
  if (!trailer) return undefined;
  const metadata = new Metadata();
  trailer.forEach((value, key) => metadata.add(key, value));
  return metadata;
}

function sendHeaderIfAny(call: { sendMetadata(metadata: Metadata): void }, context: GrpcHandlerContext): void {
  const header = context.takeResponseHeader();
  if (!header) return;
  const metadata = new Metadata();
  header.forEach((value, key) => metadata.add(key, value));
  call.sendMetadata(metadata);
}

function methodHandler(
  service: DescService,
  method: DescMethod,
  fn: AnyImpl,
  shutdownSignal: AbortSignal | undefined,
): UntypedHandleCall {
  switch (method.methodKind) {
    case "unary":
      return (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        const reply = (value: unknown) => {
          sendHeaderIfAny(call, context);
          let bytes: Uint8Array;
          try {
            bytes = encode(method.output, value);
          } catch (err) {
            callback(toGrpcStatus(err));
            return;
          }
          callback(null, bytes, trailerMetadata(context));
          context.done();
        };
        const fail = (err: unknown) => {
          callback(toGrpcStatus(err));
          context.done();
        };
        try {
          const result = fn(decode(method.input, call.request), context);
          // Synchronous handlers answer in the same tick: no promise on the hot path.
          if (result instanceof Promise) result.then(reply, fail);
          else reply(result);
        } catch (err) {
          fail(err);
        }
      };
    case "server_streaming":
      return (call: ServerWritableStream<Buffer, Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        void (async () => {
          try {
            const output = fn(decode(method.input, call.request), context) as AsyncIterable<unknown>;
            await writeAll(call, context, method.output, output);
            call.end(trailerMetadata(context));
          } catch (err) {
            if (!call.cancelled) call.emit("error", toGrpcStatus(err));
          } finally {
            context.done();
          }
        })();
      };
    case "client_streaming":
      return (call: ServerReadableStream<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        (async () => fn(decodeAll(method.input, call), context))()
          .then((value) => {
            sendHeaderIfAny(call, context);
            callback(null, encode(method.output, value), trailerMetadata(context));
          })
          .catch((err: unknown) => callback(toGrpcStatus(err)))
          .finally(() => context.done());
      };
    case "bidi_streaming":
      return (call: ServerDuplexStream<Buffer, Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        void (async () => {
          try {
            const output = fn(decodeAll(method.input, call), context) as AsyncIterable<unknown>;
            await writeAll(call, context, method.output, output);
            call.end(trailerMetadata(context));
          } catch (err) {
            if (!call.cancelled) call.emit("error", toGrpcStatus(err));
          } finally {
            context.done();
          }
        })();
      };
  }
}

async function* decodeAll(schema: DescMessage, call: Readable): AsyncIterable<unknown> {
  // Readable's default iterator destroys the stream at the client's half-close; the status must still go out.
  for await (const bytes of call.iterator({ destroyOnReturn: false })) yield decode(schema, bytes as Buffer);
}

/** Writes every message of `output`, waiting for the socket to drain rather than buffering without bound. */
async function writeAll(
  call: ServerWritableStream<Buffer, Uint8Array> | ServerDuplexStream<Buffer, Uint8Array>,
  context: GrpcHandlerContext,
  schema: DescMessage,
  output: AsyncIterable<unknown>,
): Promise<void> {
  let first = true;
  for await (const value of output) {
    if (call.cancelled) return;
    if (first) {
      sendHeaderIfAny(call, context);
      first = false;
    }
    if (!call.write(encode(schema, value))) await drainedOrCancelled(call);
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

function unimplemented(service: DescService, method: DescMethod): UntypedHandleCall {
  const details = `${service.typeName}.${method.name} is not implemented by this server`;
  return (call: { emit(event: "error", status: Partial<StatusObject>): void }, callback?: sendUnaryData<Uint8Array>) => {
    const status = { code: GrpcStatus.UNIMPLEMENTED, details };
    if (callback) callback(status);
    else call.emit("error", status);
  };
}
