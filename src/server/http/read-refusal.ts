import { ConnectError } from "@connectrpc/connect";
import { createAsyncIterable, envelopeDecompress, transformSplitEnvelope, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  codeFromHttpStatus,
  endStreamFlag,
  endStreamFromJson,
  errorFromJsonBytes,
  headerStreamEncoding,
  headerUnaryEncoding,
  parseContentType as parseConnectContentType,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import {
  headerEncoding as headerGrpcWebEncoding,
  parseContentType as parseGrpcWebContentType,
  trailerFlag,
  trailerParse,
} from "@connectrpc/connect/protocol-grpc-web";
import { decompress, findCompression } from "./decompress.js";
import type { Refusal } from "./routing-refusal.js";

/**
 * Reads the error out of a response that connect made for a request no handler saw, so that the request can be
 * logged with its real code, and returns the response with its body intact. Connect puts the error where each
 * protocol does: a JSON body (Connect unary), the end-stream message (Connect streaming), the trailer frame
 * (gRPC-Web, with HTTP status 200). Only the first chunk is read: without a handler, it is the whole error.
 */
export async function readRefusal(response: UniversalServerResponse, readMaxBytes: number): Promise<Refusal> {
  const fallback = new ConnectError(`refused with HTTP status ${response.status}`, codeFromHttpStatus(response.status));
  if (!response.body) return { response, error: fallback };
  const chunks = response.body[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return { response: { ...response, body: (async function* () {})() }, error: fallback };
  const body = (async function* () {
    yield first.value;
    yield* { [Symbol.asyncIterator]: () => chunks };
  })();
  let error: ConnectError | undefined;
  try {
    error = await errorIn(first.value, response.header ?? new Headers(), fallback, readMaxBytes);
  } catch {
    // Not in the shape connect writes: log the fallback rather than fail the response.
  }
  return { response: { ...response, body }, error: error ?? fallback };
}

async function errorIn(bytes: Uint8Array, header: Headers, fallback: ConnectError, readMaxBytes: number): Promise<ConnectError | undefined> {
  const contentType = header.get("content-type");
  if (parseGrpcWebContentType(contentType)) {
    const trailer = await envelopeData(bytes, trailerFlag, header.get(headerGrpcWebEncoding), readMaxBytes);
    return trailer && findTrailerError(trailerParse(trailer));
  }
  if (parseConnectContentType(contentType)?.stream) {
    const endStream = await envelopeData(bytes, endStreamFlag, header.get(headerStreamEncoding), readMaxBytes);
    return endStream && endStreamFromJson(endStream).error;
  }
  const json = await decompress(bytes, header.get(headerUnaryEncoding) ?? "identity", readMaxBytes);
  return errorFromJsonBytes(json, undefined, fallback);
}

/** The payload of the envelope that starts `bytes` if it carries `flag`, decompressed when it is marked so (by connect's own envelope reader). */
async function envelopeData(bytes: Uint8Array, flag: number, encoding: string | null, readMaxBytes: number): Promise<Uint8Array | undefined> {
  for await (const envelope of transformSplitEnvelope(readMaxBytes)(createAsyncIterable([bytes]))) {
    if (!(envelope.flags & flag)) return undefined;
    return (await envelopeDecompress(envelope, findCompression(encoding) ?? null, readMaxBytes)).data;
  }
  return undefined;
}
