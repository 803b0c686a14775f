import type { IncomingMessage, ServerResponse } from "node:http";
import { isUtf8 } from "node:buffer";
import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { compressionNegotiate, createAsyncIterable } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, trailerMux } from "@connectrpc/connect/protocol-connect";
import { COMPRESSIONS } from "./decompress.js";
import { FastHandlerContext } from "./fast-handler-context.js";
import { readDeclaredBody } from "./read-declared-body.js";
import { readFlatJsonMessage, stringFieldsOf } from "./read-flat-json-message.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the intercepted implementation of one method
type UnaryImpl = (input: any, context: HandlerContext) => unknown;

/** The largest body the fast path reads; a larger one (none of the hot requests is) goes to connect-node. */
const MAX_FAST_BODY = 8192;
/** connect-node's default: unary bodies from this size are compressed when the client accepts it. */
const COMPRESS_MIN_BYTES = 1024;
const JSON_TYPE = "application/json";
const encoder = new TextEncoder();

/** Options of {@link createJsonFastPath}. */
export interface JsonFastPathOptions {
  method: DescMethod;
  /** The intercepted implementation of `method` (rpc-interceptor.ts): guard, logging, metrics, error map. */
  impl: UnaryImpl;
  /** The response's JSON exactly as protobuf-es `toJson` (alwaysEmitImplicit) and `JSON.stringify` write it. */
  encode: (output: never) => string;
  /** The request limit: a body past it always goes to connect-node, which refuses it. */
  readMaxBytes: number;
}

/**
 * What the fast path did: served the call, or left it to connect-node; then with the body it read, if it read one,
 * which connect-node must get instead of the (consumed) request stream.
 */
export type FastPathResult = { served: true } | { served: false; body?: Uint8Array };

/** Serves one request, or leaves it (see {@link FastPathResult}). */
export type JsonFastPath = (req: IncomingMessage, res: ServerResponse, values: ContextValues) => Promise<FastPathResult>;

const LEFT: FastPathResult = { served: false };
const SERVED: FastPathResult = { served: true };

/**
 * A fast path for a unary method whose request has only string fields, over Connect JSON: the POST form
 * (`content-type: application/json`) and the GET form (`?connect=v1&encoding=json&message=...`). It recognizes the
 * plainest requests only: no compression, no timeout, protocol version 1 or none, a small body of UTF-8 JSON that
 * is an object of known fields (in either spelling, once each) with string values. Anything else, bad JSON
 * included, is left to connect-node, which answers and words its errors as ever. A recognized call runs the very
 * same intercepted implementation (guard with its 401/403, log line, metrics, usage counting) with a handler
 * context of protocol `connect`, and its answer is written as connect-node writes it: same status, same headers
 * (`content-length` and `content-type`, in that order, the trailers prefixed), same body bytes.
 */
export function createJsonFastPath(options: JsonFastPathOptions): JsonFastPath {
  const { method, impl, readMaxBytes } = options;
  const encode = options.encode as (output: unknown) => string;
  const fields = stringFieldsOf(method);
  const typeName = method.input.typeName;
  const getAllowed = method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS; // connect-node's rule for GET
  const serveJson = async (json: string, req: IncomingMessage, res: ServerResponse, values: ContextValues): Promise<boolean> => {
    const input = readFlatJsonMessage(json, fields, typeName);
    if (!input) return false;
    await serveCall(input, req, res, values);
    return true;
  };
  const serveCall = async (input: object, req: IncomingMessage, res: ServerResponse, values: ContextValues) => {
    const context = new FastHandlerContext(method, req, values);
    let status = 200;
    let body: string | Uint8Array;
    try {
      const result = impl(input, context);
      body = encode(result instanceof Promise ? await result : result);
      context.done();
    } catch (err) {
      // As connect-node's unary handler: anything but a ConnectError is INTERNAL.
      const error = err instanceof ConnectError ? err : new ConnectError("internal error", Code.Internal, undefined, undefined, err);
      context.done(error);
      status = codeToHttpStatus(error.code);
      error.metadata.forEach((value, key) => context.responseHeader.set(key, value));
      body = errorToJsonBytes(error, {});
    }
    await writeUnary(req, res, context, status, body);
  };
  return async (req, res, values) => {
    const headers = req.headers;
    if (headers["connect-timeout-ms"] !== undefined || headers["content-encoding"] !== undefined) return LEFT;
    const version = headers["connect-protocol-version"];
    if (version !== undefined && version !== "1") return LEFT;
    if (req.method === "GET") {
      if (!getAllowed) return LEFT;
      const json = getMessage(req.url ?? "");
      return json !== undefined && (await serveJson(json, req, res, values)) ? SERVED : LEFT;
    }
    if (req.method !== "POST" || headers["transfer-encoding"] !== undefined) return LEFT;
    const type = headers["content-type"];
    if (type !== JSON_TYPE && type !== "application/json; charset=utf-8") return LEFT;
    const length = headers["content-length"];
    if (length === undefined || !/^\d{1,5}$/.test(length)) return LEFT;
    const declared = Number(length);
    if (declared > MAX_FAST_BODY || declared > readMaxBytes) return LEFT;
    let bytes: Buffer;
    try {
      bytes = await readDeclaredBody(req);
    } catch {
      throw new ConnectError("the client went away before its request arrived", Code.Aborted);
    }
    // Not UTF-8 (connect-route checks it and says where), or not JSON: connect-node's own answer.
    if (!isUtf8(bytes)) return { served: false, body: bytes };
    return (await serveJson(bytes.toString("utf8"), req, res, values)) ? SERVED : { served: false, body: bytes };
  };
}

/**
 * The JSON message of a Connect GET in its plainest form: only `connect=v1` (or none), `encoding=json` and
 * `message`, each once; no base64, no compression, and nothing the query's percent-decoding turned into U+FFFD
 * (bytes that are not UTF-8, which connect-route refuses in its own words).
 */
function getMessage(url: string): string | undefined {
  const at = url.indexOf("?");
  if (at < 0) return undefined;
  let message: string | undefined;
  let encoding: string | undefined;
  let connect: string | undefined;
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    if (key === "message" && message === undefined) message = value;
    else if (key === "encoding" && encoding === undefined) encoding = value;
    else if (key === "connect" && connect === undefined) connect = value;
    else return undefined;
  }
  if (encoding !== "json" || (connect !== undefined && connect !== "v1") || message === undefined || message.includes("\uFFFD")) return undefined;
  return message;
}

/**
 * Writes a unary answer as connect-node does. The usual one (no header or trailer set by the call, too small to
 * compress) straight; any other through connect-node's own header muxing, compression and writer.
 */
async function writeUnary(req: IncomingMessage, res: ServerResponse, context: FastHandlerContext, status: number, body: string | Uint8Array): Promise<void> {
  const header = context.responseHeaderIfSet;
  const trailer = context.responseTrailerIfSet;
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const acceptEncoding = req.headers["accept-encoding"];
  if (header === undefined && trailer === undefined && (size < COMPRESS_MIN_BYTES || acceptEncoding === undefined)) {
    // Headers in the order connect-node's Headers iterate them (sorted), so that the bytes on the wire are the same.
    res.writeHead(status, { "content-length": String(size), "content-type": JSON_TYPE });
    res.end(body);
    return;
  }
  // As connect's context: content-type first, then what the call set (error metadata replaces), then the trailers.
  const base = new Headers({ "content-type": JSON_TYPE });
  header?.forEach((value, key) => base.set(key, value));
  const out = trailerMux(base, trailer ?? new Headers());
  let bytes = typeof body === "string" ? encoder.encode(body) : body;
  const compression = compressionNegotiate([...COMPRESSIONS], null, acceptEncoding ?? null, "accept-encoding");
  if (compression.response && bytes.byteLength >= COMPRESS_MIN_BYTES) {
    bytes = await compression.response.compress(bytes);
    out.set("content-encoding", compression.response.name);
  }
  out.set("content-length", bytes.byteLength.toString(10));
  await universalResponseToNodeResponse({ status, header: out, body: createAsyncIterable([bytes]) }, res);
}
