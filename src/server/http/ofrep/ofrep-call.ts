import type { IncomingMessage } from "node:http";
import { createContextValues, type ContextValues } from "@connectrpc/connect";
import { clientAddress, type Call, type RpcMethod } from "../../call-context.js";

/** How auth, logging and limits name the OFREP endpoints: a service of their own, with a role each (method-roles.ts). */
export const OFREP_SERVICE = "ofrep.v1";

function method(name: string, kind: RpcMethod["kind"]): RpcMethod {
  return { service: OFREP_SERVICE, method: name, name: `${OFREP_SERVICE}/${name}`, kind, readOnly: true };
}

/** The OFREP endpoints as the call guard sees them. */
export const OFREP_METHODS = {
  /** `POST /ofrep/v1/evaluate/flags/{key}` */
  evaluateFlag: method("EvaluateFlag", "unary"),
  /** `POST /ofrep/v1/evaluate/flags` */
  evaluateFlags: method("EvaluateFlags", "unary"),
  /** `GET /ofrep/v1/events` (server-sent events) */
  events: method("Events", "server_streaming"),
} as const;

/**
 * The call of an OFREP request, for the call guard and the stream limit. The token may come as
 * `Authorization: Bearer <token>` or as `X-API-Key: <token>` (what OFREP providers are often configured with); both
 * at once are ambiguous unless they agree, and then the guard refuses them as it refuses repeated headers. An
 * event stream opened with a ticket (event-ticket.ts) carries the header the ticket was issued for instead.
 */
export function ofrepCall(rpc: RpcMethod, req: IncomingMessage, ticketAuthorization?: string): Call {
  return new OfrepCall(rpc, req, ticketAuthorization);
}

// A class rather than an object literal with getters: this runs once per request, and a literal would allocate its
// getters and method as fresh closures every time. Read only when asked: with authentication off, a single
// evaluation reads neither the address nor the values (getpeername is a system call).
class OfrepCall implements Call {
  readonly protocol = "http";
  private contextValues: ContextValues | undefined;

  constructor(
    readonly rpc: RpcMethod,
    private readonly req: IncomingMessage,
    private readonly ticketAuthorization: string | undefined,
  ) {}

  get clientAddress(): string {
    return clientAddress(this.req.socket.remoteAddress);
  }

  get values(): ContextValues {
    return (this.contextValues ??= createContextValues());
  }

  header(name: string): string | null {
    const { headers } = this.req;
    const value = headers[name.toLowerCase()];
    const joined = Array.isArray(value) ? value.join(", ") : (value ?? null);
    if (name.toLowerCase() !== "authorization") return joined;
    if (this.ticketAuthorization !== undefined) return this.ticketAuthorization;
    const apiKey = headers["x-api-key"];
    if (apiKey === undefined) return joined;
    const fromKey = `Bearer ${Array.isArray(apiKey) ? apiKey.join(", ") : apiKey}`;
    // The guard reads a comma as several headers: an X-API-Key beside a different Authorization is ambiguous.
    return joined === null || joined === fromKey ? fromKey : `${joined}, ${fromKey}`;
  }
}
