import { connect, type Socket } from "node:net";
import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { WatchChangesRequestSchema, WatchChangesResponseSchema, type WatchChangesResponse } from "../../gen/flagwire/v1/flags_pb.js";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Code } from "@connectrpc/connect";
import { envelope, SERVICE } from "./raw-http.js";

// WatchChanges over a raw HTTP/1.1 socket, as a client that stops reading holds it: nothing in the test process
// reads ahead, so what the server sends stays in the kernel's buffers and then in the server's own.

/** The HTTP-port protocols a raw watcher may speak. */
export type RawWatchProtocol = "connect+json" | "connect+proto" | "grpc-web";

/** What a raw watcher received, decoded. */
export interface RawWatchOutcome {
  /** Revisions of the changes received, in order. */
  revisions: number[];
  /** The error of the Connect end-stream message or gRPC-Web trailer, as Connect spells codes; undefined when none came. */
  code: string | undefined;
  message: string;
}

/** A raw WatchChanges stream on its own connection. */
export interface RawWatch {
  readonly socket: Socket;
  /** Resumes reading and resolves once the end of the stream (its error, or the connection closing) has arrived. */
  readToEnd(timeoutMs: number): Promise<RawWatchOutcome>;
  close(): void;
}

/**
 * Opens WatchChanges (from `sinceRevision` when given) on a new connection that reads nothing until `readToEnd`.
 * `localAddress` picks the client address (e.g. 127.0.0.2, to look like another client).
 */
export function openRawWatch(
  port: number,
  protocol: RawWatchProtocol,
  { sinceRevision, localAddress }: { sinceRevision?: number; localAddress?: string } = {},
): RawWatch {
  const socket = connect({ port, host: "127.0.0.1", ...(localAddress ? { localAddress } : {}) });
  socket.pause();
  socket.on("error", () => undefined);
  const request = create(WatchChangesRequestSchema, sinceRevision === undefined ? {} : { sinceRevision: BigInt(sinceRevision) });
  const json = protocol === "connect+json";
  const body = envelope(json ? Buffer.from(sinceRevision === undefined ? "{}" : `{"sinceRevision":"${sinceRevision}"}`) : toBinary(WatchChangesRequestSchema, request));
  const contentType = protocol === "grpc-web" ? "application/grpc-web+proto" : `application/${protocol}`;
  socket.write(
    `POST /${SERVICE}/WatchChanges HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
      `${protocol === "grpc-web" ? "X-Grpc-Web: 1" : "Connect-Protocol-Version: 1"}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on("close", () => (closed = true));
  return {
    socket,
    readToEnd(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the raw ${protocol} watch did not end within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          // Messages are decoded once, at the end: decoding megabytes on every chunk would take seconds.
          if (!closed && decode(Buffer.concat(chunks), protocol, false).code === undefined) return;
          clearTimeout(timer);
          socket.off("data", onData);
          resolve(decode(Buffer.concat(chunks), protocol, true));
        };
        const onData = (chunk: Buffer) => {
          chunks.push(chunk);
          check();
        };
        socket.on("data", onData);
        socket.once("close", check);
        socket.resume();
        if (closed) check();
      });
    },
    close: () => socket.destroy(),
  };
}

/** Decodes an HTTP/1.1 response with a chunked body, up to where it was cut. */
function decode(raw: Buffer, protocol: RawWatchProtocol, messages: boolean): RawWatchOutcome {
  const outcome: RawWatchOutcome = { revisions: [], code: undefined, message: "" };
  const headerEnd = raw.indexOf("\r\n\r\n");
  if (headerEnd < 0) return outcome;
  const body = dechunk(raw.subarray(headerEnd + 4));
  for (let at = 0; at + 5 <= body.length; ) {
    const flags = body[at] ?? 0;
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) break; // cut in the middle of a message
    const data = body.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if (protocol === "grpc-web" ? flags & 0x80 : flags & 0b10) {
      Object.assign(outcome, protocol === "grpc-web" ? grpcWebTrailer(data) : connectEndStream(data));
      continue;
    }
    if (!messages) continue;
    const response: WatchChangesResponse =
      protocol === "connect+json"
        ? fromJson(WatchChangesResponseSchema, JSON.parse(data.toString("utf8")) as never)
        : fromBinary(WatchChangesResponseSchema, data);
    if (response.change) outcome.revisions.push(Number(response.change.revision));
  }
  return outcome;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, Math.min(body.length, lineEnd + 2 + size)));
    at = lineEnd + 2 + size + 2;
    if (at > body.length) break;
  }
  return Buffer.concat(parts);
}

function connectEndStream(data: Buffer): Partial<RawWatchOutcome> {
  const { error } = JSON.parse(data.toString("utf8")) as { error?: { code?: string; message?: string } };
  return { code: error ? (error.code ?? "(no code)") : "ok", message: error?.message ?? "" };
}

function grpcWebTrailer(data: Buffer): Partial<RawWatchOutcome> {
  const fields = new Map<string, string>();
  for (const line of data.toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = Number(fields.get("grpc-status"));
  return { code: status === 0 ? "ok" : codeToString(status as Code), message: decodeURIComponent(fields.get("grpc-message") ?? "") };
}
