import type { Readable } from "node:stream";
import type {
  Metadata,
  MethodDefinition,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  StatusObject,
  UntypedHandleCall,
  UntypedServiceImplementation,
  sendUnaryData,
} from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { rpcName } from "../call-context.js";
import { GrpcHandlerContext } from "./grpc-handler-context.js";
import { sendHeaderIfSet, toGrpcStatus, trailerOf } from "./grpc-status.js";
import { protobufCodec, type MethodCodec } from "./method-codec.js";
import { serveStream } from "./serve-stream.js";

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
  /**
   * Called once for each call refused before the implementation runs: a request that is not valid protobuf, or a
   * method the implementation lacks. No interceptor of the implementation sees these calls, so this is where they
   * get their log line.
   */
  onRefused?: (refusal: GrpcRefusal) => void;
  /**
   * Hand-written codecs by method local name (`evaluate`), for the methods whose implementation answers something
   * other than its response message; every other method reads and writes with protobuf-es.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed where the table is written
  codecs?: Readonly<Record<string, MethodCodec<any, any>>>;
}

/** A call refused before the implementation ran. */
export interface GrpcRefusal {
  /** `package.Service/Method`. */
  method: string;
  error: ConnectError;
  /** `performance.now()` when the call reached this service. */
  started: number;
}

/**
 * Serves a connect-style service implementation (`ServiceImpl`) on grpc-js.
 *
 * The grpc-js method definitions are derived from the protobuf-es descriptor, so there is no second copy
 * of the contract. Messages cross grpc-js as raw bytes and each method's codec (protobuf-es unless
 * `options.codecs` has one) reads and writes them: a body that is not valid protobuf becomes INVALID_ARGUMENT
 * (grpc-js itself would answer INTERNAL).
 *
 * @example
 * const { definition, handlers } = createGrpcService(FeatureFlagService, impl, { onRefused: (r) => log(r) });
 * server.addService(definition, handlers);
 */
export function createGrpcService(
  service: DescService,
  impl: Partial<Record<string, AnyImpl>>,
  options: GrpcServiceOptions = {},
): GrpcService {
  const definition: Record<string, MethodDefinition<Buffer, Uint8Array>> = {};
  const handlers: UntypedServiceImplementation = {};
  const codecs = options.codecs ?? {};
  for (const name of Object.keys(codecs)) {
    if (!service.methods.some((method) => method.localName === name)) throw new Error(`${service.typeName} has no method ${name} to take a codec`);
  }
  for (const method of service.methods) {
    const fn = impl[method.localName];
    const refuse = createRefuse(rpcName(method), options.onRefused);
    const codec = codecs[method.localName] ?? protobufCodec(method);
    definition[method.name] = methodDefinition(service, method);
    handlers[method.name] = fn
      ? methodHandler(service, method, codec, fn, refuse, options.shutdownSignal)
      : unimplemented(service, method, refuse);
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

/** Reports a call refused before the implementation ran, and returns the status to answer it with. */
type Refuse = (err: unknown, started: number) => Partial<StatusObject>;

function createRefuse(method: string, onRefused: GrpcServiceOptions["onRefused"]): Refuse {
  return (err, started) => {
    const error = ConnectError.from(err);
    onRefused?.({ method, error, started });
    return toGrpcStatus(error);
  };
}

function methodHandler(
  service: DescService,
  method: DescMethod,
  codec: MethodCodec,
  fn: AnyImpl,
  refuse: Refuse,
  shutdownSignal: AbortSignal | undefined,
): UntypedHandleCall {
  switch (method.methodKind) {
    case "unary":
      return (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
        const started = performance.now();
        let input: unknown;
        try {
          input = codec.decode(call.request);
        } catch (err) {
          callback(refuse(err, started));
          return;
        }
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        const reply = (value: unknown) => {
          let bytes: Uint8Array;
          let trailer: Metadata | undefined;
          try {
            sendHeaderIfSet(call, context);
            bytes = codec.encode(value);
            trailer = trailerOf(context);
          } catch (err) {
            fail(err);
            return;
          }
          callback(null, bytes, trailer);
          context.done();
        };
        const fail = (err: unknown) => {
          callback(toGrpcStatus(err));
          context.done();
        };
        try {
          const result = fn(input, context);
          // Synchronous handlers answer in the same tick: no promise on the hot path.
          if (result instanceof Promise) result.then(reply, fail);
          else reply(result);
        } catch (err) {
          fail(err);
        }
      };
    case "server_streaming":
      return (call: ServerWritableStream<Buffer, Uint8Array>) => {
        const started = performance.now();
        let input: unknown;
        try {
          input = codec.decode(call.request);
        } catch (err) {
          call.emit("error", refuse(err, started));
          return;
        }
        serveStream(call, new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal), fn, input, codec);
      };
    case "client_streaming":
      return (call: ServerReadableStream<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        (async () => fn(decodeAll(codec, call), context))()
          .then((value) => {
            sendHeaderIfSet(call, context);
            callback(null, codec.encode(value), trailerOf(context));
          })
          .catch((err: unknown) => callback(toGrpcStatus(err)))
          .finally(() => context.done());
      };
    case "bidi_streaming":
      return (call: ServerDuplexStream<Buffer, Uint8Array>) => {
        const context = new GrpcHandlerContext(service, method, call, call.metadata, shutdownSignal);
        serveStream(call, context, fn, decodeAll(codec, call), codec);
      };
  }
}

async function* decodeAll(codec: MethodCodec, call: Readable): AsyncIterable<unknown> {
  // Readable's default iterator destroys the stream at the client's half-close; the status must still go out.
  for await (const bytes of call.iterator({ destroyOnReturn: false })) yield codec.decode(bytes as Buffer);
}

function unimplemented(service: DescService, method: DescMethod, refuse: Refuse): UntypedHandleCall {
  const details = `${service.typeName}.${method.name} is not implemented by this server`;
  return (call: { emit(event: "error", status: Partial<StatusObject>): void }, callback?: sendUnaryData<Uint8Array>) => {
    const status = refuse(new ConnectError(details, Code.Unimplemented), performance.now());
    if (callback) callback(status);
    else call.emit("error", status);
  };
}
