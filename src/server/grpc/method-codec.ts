import { create, toBinary, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { broadcastBytes } from "../broadcast-encoder.js";
import { decodeRequest } from "../decode-request.js";

/**
 * How the gRPC listener reads one method's requests and writes its responses: grpc-js hands over bytes and
 * takes bytes, so each method of the per-method codec table says how to get from one to the other.
 */
export interface MethodCodec<Request = unknown, Response = unknown> {
  /** The request from its bytes; INVALID_ARGUMENT (a ConnectError) for bytes that are not a valid request. */
  decode(bytes: Uint8Array): Request;
  /** The bytes of a response, as the method's implementation returned (or yielded) it. */
  encode(response: Response): Uint8Array;
}

/**
 * The codec of every method without a hand-written one: protobuf-es on the method's message types. A streamed
 * response built by `broadcastMessage` (a change for every watcher) is encoded once for all streams.
 */
export function protobufCodec(method: DescMethod): MethodCodec {
  const { input, output } = method;
  const encodeOne = (response: unknown) => toBinary(output, create(output, response as MessageInitShape<typeof output>));
  const streams = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
  return {
    decode: (bytes) => decodeRequest(input, bytes),
    encode: streams ? (response) => broadcastBytes(response) ?? encodeOne(response) : encodeOne,
  };
}
