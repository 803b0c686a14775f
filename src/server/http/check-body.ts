import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressedFlag, createAsyncIterable, transformSplitEnvelope, type EnvelopedMessage, type UniversalServerRequest } from "@connectrpc/connect/protocol";
import {
  headerStreamEncoding,
  headerUnaryEncoding,
  parseContentType as parseConnectContentType,
} from "@connectrpc/connect/protocol-connect";
import { headerEncoding as headerGrpcWebEncoding, parseContentType as parseGrpcWebContentType } from "@connectrpc/connect/protocol-grpc-web";
import { decodeRequest } from "../decode-request.js";
import { checkUtf8 } from "./check-utf8.js";
import { decompress, findCompression } from "./decompress.js";

/**
 * Wraps a request body so that what connect-es would misreport is refused with INVALID_ARGUMENT (or
 * RESOURCE_EXHAUSTED past the size limit), in each protocol's own error format:
 * - protobuf bytes that do not decode: connect-es says INTERNAL, which tells the caller the server is at fault;
 * - JSON that is not UTF-8: connect-es would read it as U+FFFD and store that (binary protobuf refuses it);
 * - a compressed body or envelope that does not decompress (cut short, say): connect-es says INTERNAL;
 * - an envelope marked compressed in a request that names no encoding: connect-es says INTERNAL.
 * The wrapped body is read by connect inside its error handling, so the error reaches the caller as connect's
 * own would. Compressed bodies are decompressed here to be checked, and again by connect to be read; only
 * compressed requests pay for that.
 */
export function checkBody(request: UniversalServerRequest, input: DescMessage, readMaxBytes: number): UniversalServerRequest {
  const body = request.body;
  if (!isByteStream(body)) return request;
  const framing = bodyFraming(request.header.get("content-type"));
  if (!framing) return request;
  const encoding = request.header.get(framing.encodingHeader) ?? "identity";
  // An encoding we cannot read is one connect-node cannot read either: it refuses it, naming those it reads.
  if (encoding !== "identity" && !findCompression(encoding)) return request;
  return { ...request, body: checked(body, { input, readMaxBytes, encoding, ...framing }) };
}

interface Framing {
  /** Protobuf rather than JSON. */
  binary: boolean;
  /** Messages in envelopes (Connect streaming, gRPC-Web) rather than the whole body (Connect unary). */
  enveloped: boolean;
  /** The header that names the compression of the body or of each compressed envelope. */
  encodingHeader: string;
}

/** How a body is framed, by the same content-type parsers connect uses; undefined for what connect does not read. */
function bodyFraming(contentType: string | null): Framing | undefined {
  const connect = parseConnectContentType(contentType);
  if (connect) {
    const { binary, stream } = connect;
    return stream ? { binary, enveloped: true, encodingHeader: headerStreamEncoding } : { binary, enveloped: false, encodingHeader: headerUnaryEncoding };
  }
  const grpcWeb = parseGrpcWebContentType(contentType);
  if (grpcWeb && !grpcWeb.text) return { binary: grpcWeb.binary, enveloped: true, encodingHeader: headerGrpcWebEncoding };
  return undefined;
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

interface Check extends Framing {
  input: DescMessage;
  readMaxBytes: number;
  encoding: string;
}

async function* checked(body: AsyncIterable<Uint8Array>, check: Check): AsyncIterable<Uint8Array> {
  const { input, readMaxBytes, encoding } = check;
  const bytes = await readAll(body, readMaxBytes);
  const checkMessage = (message: Uint8Array) => (check.binary ? decodeRequest(input, message) : checkUtf8(message));
  if (!check.enveloped) {
    checkMessage(await decompress(bytes, encoding, readMaxBytes));
  } else {
    for await (const { flags, data } of envelopes(bytes, readMaxBytes)) {
      if (flags === 0) checkMessage(data);
      else if (flags === compressedFlag) checkMessage(await decompressEnvelope(data, check));
    }
  }
  yield bytes;
}

/**
 * The whole body, refused past the limit. Not connect's `readAllBytes`: its refusal ("message size is larger than
 * configured readMaxBytes") does not say that the limit is the request's, as the message clients see today does.
 */
async function readAll(body: AsyncIterable<Uint8Array>, readMaxBytes: number): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

/**
 * The envelopes of a body, split by connect's own envelope reader. A framing error (an envelope cut short, one
 * past the limit) ends them quietly: connect meets it again as it reads the body, and reports it in its own words.
 */
async function* envelopes(bytes: Uint8Array, readMaxBytes: number): AsyncIterable<EnvelopedMessage> {
  try {
    yield* transformSplitEnvelope(readMaxBytes)(createAsyncIterable([bytes]));
  } catch {
    // Left for connect (see above).
  }
}

function decompressEnvelope(data: Uint8Array, check: Check): Promise<Uint8Array> {
  if (check.encoding === "identity") {
    // connect would call this INTERNAL ("do not know how to decompress"); it is the client's mistake.
    const header = check.encodingHeader.toLowerCase();
    const message = `a message is marked compressed (envelope flag 1) but the request has no ${header} header: send ${header}: gzip or br`;
    throw new ConnectError(message, Code.InvalidArgument);
  }
  return decompress(data, check.encoding, check.readMaxBytes);
}
