import { request as httpRequest } from "node:http";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Code } from "@connectrpc/connect";

// Requests written by hand, as a client with a bug or a hostile peer would send them, and their outcome read the
// way each protocol reports an error: the Connect JSON error body, the Connect end-stream message, gRPC-Web's
// trailer frame.

/** The service every raw request goes to. */
export const SERVICE = "flagwire.v1.FeatureFlagService";

/** What a raw request came to. */
export interface WireOutcome {
  /** HTTP status; null on the native gRPC listener, where only the gRPC status counts. */
  http: number | null;
  /** The status code as the Connect protocol spells it, e.g. `invalid_argument`. */
  code: string;
  message: string;
}

/** One enveloped message (gRPC-Web and Connect streaming framing); flag 1 marks a compressed payload. */
export function envelope(payload: Uint8Array, flags = 0): Buffer {
  const frame = Buffer.alloc(5 + payload.byteLength);
  frame[0] = flags;
  frame.writeUInt32BE(payload.byteLength, 1);
  frame.set(payload, 5);
  return frame;
}

/** The envelopes of a response body, in order. */
export function envelopes(body: Buffer): { flags: number; data: Buffer }[] {
  const frames: { flags: number; data: Buffer }[] = [];
  for (let at = 0; at + 5 <= body.length; at += 5 + body.readUInt32BE(at + 1)) {
    frames.push({ flags: body[at] ?? 0, data: body.subarray(at + 5, at + 5 + body.readUInt32BE(at + 1)) });
  }
  return frames;
}

function post(baseUrl: string, method: string, headers: Record<string, string>, body: string | Uint8Array): Promise<Response> {
  return fetch(`${baseUrl}/${SERVICE}/${method}`, { method: "POST", headers, body });
}

/** POSTs a raw Connect unary request and reads the Connect error body. */
export async function postConnect(
  baseUrl: string,
  method: string,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<WireOutcome> {
  const res = await post(baseUrl, method, { "content-type": contentType, "connect-protocol-version": "1", ...headers }, body);
  const text = await res.text();
  let error: { code?: string; message?: string } = {};
  try {
    error = JSON.parse(text) as typeof error;
  } catch {
    return { http: res.status, code: "(not a JSON error body)", message: text.slice(0, 200) };
  }
  return { http: res.status, code: error.code ?? "(no code)", message: error.message ?? "" };
}

/** POSTs a raw Connect streaming request (enveloped body) and reads the error of its end-stream message. */
export async function postConnectStream(
  baseUrl: string,
  method: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<WireOutcome> {
  const res = await post(baseUrl, method, { "content-type": "application/connect+proto", "connect-protocol-version": "1", ...headers }, body);
  const end = envelopes(Buffer.from(await res.arrayBuffer())).find((frame) => frame.flags & 0b10);
  if (!end) return { http: res.status, code: "(no end-stream message)", message: "" };
  const { error } = JSON.parse(end.data.toString("utf8")) as { error?: { code?: string; message?: string } };
  return { http: res.status, code: error ? (error.code ?? "(no code)") : "ok", message: error?.message ?? "" };
}

/** POSTs a raw gRPC-Web request (enveloped body) and reads grpc-status from the headers or the trailer frame. */
export async function postGrpcWeb(
  baseUrl: string,
  method: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<WireOutcome> {
  const res = await post(baseUrl, method, { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers }, body);
  const trailer = new Map<string, string>();
  res.headers.forEach((value, key) => trailer.set(key, value));
  for (const frame of envelopes(Buffer.from(await res.arrayBuffer()))) {
    if (!(frame.flags & 0x80)) continue;
    for (const line of frame.data.toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) trailer.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const status = trailer.get("grpc-status");
  return {
    http: res.status,
    code: status === undefined ? "(no grpc-status)" : status === "0" ? "ok" : codeToString(Number(status) as Code),
    message: decodeURIComponent(trailer.get("grpc-message") ?? ""),
  };
}

/** What {@link sendRaw} got back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as UTF-8 text; `bytes` as received, for enveloped (binary) bodies. */
  body: string;
  bytes: Buffer;
}

/**
 * Sends one HTTP/1.1 request exactly as given, with node:http rather than fetch, so that headers a browser or
 * fetch would set themselves (Host, Origin) or merge (a repeated header, given as several `[name, value]` pairs)
 * are sent as written.
 */
export function sendRaw(
  baseUrl: string,
  request: { method?: string; path: string; headers: Array<[string, string]>; body?: string | Uint8Array },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: request.method ?? "POST", path: request.path, headers: request.headers.flat(), setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString("utf8"), bytes });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}
