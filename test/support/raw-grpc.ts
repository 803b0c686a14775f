import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Code } from "@connectrpc/connect";
import { SERVICE, type WireOutcome } from "./raw-http.js";

/** A plain HTTP/2 connection to the native gRPC listener, for requests whose framing a gRPC client would never send. */
export interface RawGrpc {
  /** POSTs `body` as it is (frame it with `envelope` for a well-formed request) and reads grpc-status. */
  post(method: string, body: Uint8Array, headers?: OutgoingHttpHeaders): Promise<WireOutcome>;
  close(): void;
}

/** Opens one HTTP/2 session to `url` (e.g. `http://127.0.0.1:50051`); every request is a stream on it. */
export function connectRawGrpc(url: string): RawGrpc {
  let session: ClientHttp2Session | undefined;
  const open = () => {
    if (!session || session.closed || session.destroyed) {
      session = connect(url);
      session.on("error", () => undefined); // a refused stream is reported per request
    }
    return session;
  };
  return {
    post(method, body, headers = {}) {
      return new Promise((resolve) => {
        const stream = open().request({
          ":method": "POST",
          ":path": `/${SERVICE}/${method}`,
          "content-type": "application/grpc",
          te: "trailers",
          ...headers,
        });
        let status: IncomingHttpHeaders = {};
        const fields = (h: IncomingHttpHeaders) => {
          if (h["grpc-status"] !== undefined) status = h;
        };
        stream.on("response", fields);
        stream.on("trailers", fields);
        stream.on("data", () => undefined);
        stream.on("error", () => undefined);
        stream.on("close", () => {
          const code = status["grpc-status"];
          resolve({
            http: null,
            code: code === undefined ? `(no grpc-status; RST_STREAM ${stream.rstCode})` : code === "0" ? "ok" : codeToString(Number(code) as Code),
            message: decodeURIComponent(String(status["grpc-message"] ?? "")),
          });
        });
        stream.end(body);
      });
    },
    close() {
      session?.close();
    },
  };
}
