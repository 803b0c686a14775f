import type { Http2Server } from "node:http2";
import type { Server } from "@grpc/grpc-js";

/**
 * The HTTP/2 servers of a bound grpc-js `Server`. grpc-js keeps them private and offers no hook below its method
 * lookup, yet the wire checks, the repeated-header check, the connection cap and the time limits must run before
 * it reads a stream. grpc-js is pinned; if its internals change this throws at start, so that none of those checks
 * can be dropped silently.
 */
export function http2ServersOf(server: Server): Http2Server[] {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) {
    throw new Error("grpc-js internals changed: Server.http2Servers is gone; the gRPC port's wire checks and limits cannot be installed");
  }
  return [...(servers as Map<Http2Server, unknown>).keys()];
}
