import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createAsyncIterable, type UniversalHandler, type UniversalServerRequest, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import { contentTypeUnaryRegExp, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { rpcName } from "../call-context.js";

/** A request refused before any handler ran: the answer to send, and the error it carries (to be logged). */
export interface Refusal {
  response: UniversalServerResponse;
  error: ConnectError;
}

const GET_QUERY = "?encoding=json&message=<the request as URL-encoded JSON> (encoding=proto&base64=1&message=<base64url> for binary protobuf)";
const SEND_UNARY = "send content-type: application/json (or application/proto for binary protobuf; application/grpc-web+proto for gRPC-Web)";
const SEND_STREAM =
  "send content-type: application/connect+json (or application/connect+proto for binary protobuf; application/grpc-web+proto for gRPC-Web)";

/**
 * The 404 for a path that names no RPC of `service`: a Connect JSON error naming the path and the service prefix.
 *
 * @example
 * routeNotFound("/nope", FeatureFlagService).error.rawMessage
 * // no RPC at "/nope": call /flagwire.v1.FeatureFlagService/<Method>, e.g. POST /flagwire.v1.FeatureFlagService/GetFeature
 */
export function routeNotFound(path: string, service: DescService): Refusal {
  const example = service.methods.find((m) => m.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) ?? service.methods[0];
  const prefix = `/${service.typeName}/`;
  const error = new ConnectError(
    `no RPC at ${shown(path)}: call ${prefix}<Method>${example ? `, e.g. POST ${prefix}${example.name}` : ""}`,
    Code.Unimplemented,
  );
  return { error, response: errorResponse(404, error) };
}

/** The 400 for a request without Host (HTTP/1.0 may omit it): connect-node needs it to build the request URL. */
export function hostMissing(): Refusal {
  const error = new ConnectError("the request has no Host header: send Host: <the server's host:port>", Code.InvalidArgument);
  return { error, response: errorResponse(400, error) };
}

/**
 * Gives connect's bare 405 and 415 answers (no body) a Connect JSON error that says what would work: the HTTP
 * methods (also in `Allow`), the content types, or the query of a GET. Leaves any other response alone (undefined).
 *
 * Connect decides what is refused; this only explains it. Its 415 for a GET on a method that takes only POST (a
 * stream) becomes a 405, since no content type would help.
 */
export function explainRoutingRefusal(
  handler: UniversalHandler,
  request: UniversalServerRequest,
  response: UniversalServerResponse,
): Refusal | undefined {
  if (response.body !== undefined || (response.status !== 405 && response.status !== 415)) return undefined;
  const method = handler.method;
  const name = rpcName(method);
  // Connect lists GET for every NO_SIDE_EFFECTS method, but serves GET only for unary ones.
  const allowed = method.methodKind === "unary" ? handler.allowedMethods : ["POST"];
  if (!allowed.includes(request.method)) {
    const use = allowed.includes("GET") ? `POST, or GET with ${GET_QUERY}` : "POST";
    const error = new ConnectError(`HTTP method ${request.method} is not allowed for ${name}: use ${use}`, Code.Unimplemented);
    return { error, response: errorResponse(405, error, { allow: allowed.join(", ") }) };
  }
  const contentType = request.header.get("content-type");
  const message = request.method === "GET" ? getProblem(name, request, contentType) : postProblem(name, method, contentType);
  const error = new ConnectError(message, Code.Unimplemented);
  return { error, response: errorResponse(415, error) };
}

function postProblem(name: string, method: DescMethod, contentType: string | null): string {
  const send = method.methodKind === "unary" ? SEND_UNARY : SEND_STREAM;
  return contentType ? `${name} cannot read content-type ${shown(contentType)}: ${send}` : `${name} needs a content-type: ${send}`;
}

function getProblem(name: string, request: UniversalServerRequest, contentType: string | null): string {
  const problems: string[] = [];
  const encoding = new URL(request.url).searchParams.get("encoding");
  if (encoding !== "json" && encoding !== "proto") problems.push(`needs the query ${GET_QUERY}`);
  if (contentType && !contentTypeUnaryRegExp.test(contentType)) problems.push(`cannot read content-type ${shown(contentType)}: leave it out`);
  return `GET ${name} ${problems.join("; ") || "cannot be served as sent"}`;
}

/** A Connect unary error response: the JSON body every Connect client reads, with the given HTTP status. */
export function errorResponse(status: number, error: ConnectError, header: Record<string, string> = {}): UniversalServerResponse {
  const body = errorToJsonBytes(error, undefined);
  return {
    status,
    header: new Headers({ ...header, "content-type": "application/json", "content-length": String(body.byteLength) }),
    body: createAsyncIterable([body]),
  };
}

/** A value from the request, quoted and cut short: it is the client's, and may be long. */
function shown(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
