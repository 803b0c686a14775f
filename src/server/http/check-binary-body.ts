import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";

/**
 * Wraps a request body so that protobuf bytes that do not decode fail with INVALID_ARGUMENT.
 *
 * connect-es reports an undecodable binary body as INTERNAL, which tells the caller the server is at
 * fault; the native gRPC port answers INVALID_ARGUMENT, and so must this one. The wrapped body is read
 * by connect inside its error handling, so the error reaches the caller in each protocol's own format.
 * JSON and compressed bodies pass through: connect already answers INVALID_ARGUMENT for bad JSON.
 */
export function checkBinaryBody(request: UniversalServerRequest, input: DescMessage, readMaxBytes: number): UniversalServerRequest {
  const body = request.body;
  if (!isByteStream(body)) return request;
  const contentType = request.header.get("content-type") ?? "";
  const encoding = request.header.get("content-encoding") ?? request.header.get("grpc-encoding") ?? "identity";
  let framing: "unary" | "enveloped";
  if (/^application\/proto(;|$)/.test(contentType)) framing = "unary";
  else if (/^application\/(connect\+proto|grpc-web(\+proto)?)(;|$)/.test(contentType)) framing = "enveloped";
  else return request;
  if (framing === "unary" && encoding !== "identity") return request;
  return { ...request, body: checked(body, input, framing, readMaxBytes) };
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

async function* checked(
  body: AsyncIterable<Uint8Array>,
  input: DescMessage,
  framing: "unary" | "enveloped",
  readMaxBytes: number,
): AsyncIterable<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    // Envelopes add 5 bytes per message; leave the exact limit to connect, refuse only what is surely too big.
    if (size > readMaxBytes + 5) {
      throw new ConnectError(`request is larger than the limit of ${readMaxBytes} bytes`, Code.ResourceExhausted);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (framing === "unary") decodeOrRefuse(input, bytes);
  else for (const message of uncompressedEnvelopes(bytes)) decodeOrRefuse(input, message);
  yield bytes;
}

/** The payloads of uncompressed data envelopes (flag 0); framing errors are left for connect to report. */
function* uncompressedEnvelopes(bytes: Buffer): Iterable<Uint8Array> {
  let offset = 0;
  while (offset + 5 <= bytes.byteLength) {
    const flags = bytes[offset] as number;
    const length = bytes.readUInt32BE(offset + 1);
    const end = offset + 5 + length;
    if (end > bytes.byteLength) return;
    if (flags === 0) yield bytes.subarray(offset + 5, end);
    offset = end;
  }
}

function decodeOrRefuse(input: DescMessage, bytes: Uint8Array): void {
  try {
    fromBinary(input, bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConnectError(`request is not a valid ${input.typeName} message: ${reason}`, Code.InvalidArgument);
  }
}
