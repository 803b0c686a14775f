import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Decodes a request message from protobuf bytes; INVALID_ARGUMENT when they are not a valid message of that type.
 *
 * Both listeners call it, so a body that is not protobuf gets the same status and message on each: left to
 * themselves, grpc-js and connect-es both answer INTERNAL, which blames the server for the client's bytes.
 *
 * @example
 * const request = decodeRequest(GetFeatureRequestSchema, bytes); // throws ConnectError(InvalidArgument)
 */
export function decodeRequest<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConnectError(`request is not a valid ${schema.typeName} message: ${reason}`, Code.InvalidArgument);
  }
}
