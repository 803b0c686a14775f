import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { Code, ConnectError, cors } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { errorResponse, type Refusal } from "./routing-refusal.js";

/** Options of {@link createOriginPolicy}. */
export interface OriginPolicyOptions {
  /** Host names accepted besides loopback ones and IP addresses while authentication is off (`--allow-host`). */
  allowHosts: readonly string[];
  /** Browser origins that may call cross-origin (`--allow-origin`); `*` lets any origin call, never with credentials. */
  allowOrigins: readonly string[];
  /** Whether calls need a token right now; read per request, since the first token may be created at any time. */
  authEnabled: () => boolean;
  /** Whether the listener serves HTTPS: the scheme of the server's own origin. */
  tls: boolean;
}

/**
 * What to do with a request: refuse it (403), answer it here (a CORS preflight), or serve it, adding `header`
 * (CORS response headers) to whatever the handler answers.
 */
export type OriginDecision =
  | { kind: "refuse"; refusal: Refusal }
  | { kind: "answer"; response: Refusal["response"] }
  | { kind: "serve"; header: Record<string, string> };

/**
 * What browsers may send: Connect's and gRPC-Web's headers, plus the API token; and what OFREP's browser provider
 * sends: a conditional read (If-None-Match), the token as X-API-Key, an event stream's resume point (Last-Event-ID).
 */
const ALLOW_HEADERS = [...new Set([...cors.allowedHeaders, "Authorization", "If-None-Match", "X-API-Key", "Last-Event-ID"])]
  .map((h) => h.toLowerCase())
  .join(", ");
/** What scripts may read: the gRPC-Web status (which Connect clients need) and ETag, for conditional reads. */
const EXPOSE_HEADERS = [...new Set([...cors.exposedHeaders, "ETag"])].join(", ");
/** How long a browser may cache a preflight answer, in seconds (Chromium caps it at 2 hours). */
const MAX_AGE = "7200";

/**
 * Creates the HTTP listener's first step, before any route: the defence against DNS rebinding and cross-origin
 * browser calls.
 *
 * - While authentication is off, `Host` must be a loopback name (`localhost`, `*.localhost`), an IP address, or
 *   listed in `allowHosts`. A rebinding page reaches the server under the attacker's own name; an IP address in
 *   Host means the page came from that address and port, i.e. from this server, which serves no pages. With
 *   authentication on, a rebound page has no token, so any Host is served (as behind a proxy).
 * - A request with an `Origin` that is not the server's own (scheme, Host) and not allowed is refused, reads
 *   too, whether authentication is on or off: browsers send Origin on every cross-origin fetch.
 * - CORS headers are sent only to allowed origins; without `allowOrigins` there is no CORS at all.
 */
export function createOriginPolicy(options: OriginPolicyOptions): (method: string, headers: IncomingHttpHeaders) => OriginDecision {
  const allowHosts = new Set(options.allowHosts.map((host) => host.toLowerCase()));
  const anyOrigin = options.allowOrigins.includes("*");
  const allowOrigins = new Set(options.allowOrigins.filter((origin) => origin !== "*").map(normalizeOrigin));
  const scheme = options.tls ? "https" : "http";
  // With a list, every answer depends on Origin: a cache must not hand one origin's answer to another.
  const noCors: OriginDecision = { kind: "serve", header: allowOrigins.size > 0 ? { vary: "Origin" } : {} };
  return (method, headers) => {
    const host = headers.host;
    // connect needs Host too: the listener refuses its absence, saying so, after this step.
    if (host !== undefined && !options.authEnabled() && !hostAccepted(host, allowHosts)) return { kind: "refuse", refusal: hostRefused(host) };
    const origin = headers.origin;
    const preflight = method === "OPTIONS" && headers["access-control-request-method"] !== undefined;
    if (origin === undefined) return noCors;
    const listed = anyOrigin || allowOrigins.has(normalizeOrigin(origin));
    if (!listed) {
      if (!preflight && host !== undefined && normalizeOrigin(origin) === normalizeOrigin(`${scheme}://${host}`)) return noCors;
      return { kind: "refuse", refusal: originRefused(origin) };
    }
    // `*` is answered as `*`, and never with Access-Control-Allow-Credentials: tokens travel in a header, not cookies.
    const allowOrigin: Record<string, string> = anyOrigin
      ? { "access-control-allow-origin": "*" }
      : { "access-control-allow-origin": origin, vary: "Origin" };
    if (preflight) {
      const header = new Headers({
        ...allowOrigin,
        "access-control-allow-methods": cors.allowedMethods.join(", "),
        "access-control-allow-headers": ALLOW_HEADERS,
        "access-control-max-age": MAX_AGE,
      });
      return { kind: "answer", response: { status: 204, header, body: createAsyncIterable([]) } };
    }
    return { kind: "serve", header: { ...allowOrigin, "access-control-expose-headers": EXPOSE_HEADERS } };
  };
}

/** Whether `host` (a Host header, maybe with a port) is loopback, an IP address, or listed. */
function hostAccepted(host: string, allowHosts: ReadonlySet<string>): boolean {
  const name = hostName(host.toLowerCase());
  if (name === undefined) return false;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return isIP(name) !== 0 || allowHosts.has(name);
}

/** The name or address of a Host header without its port (and IPv6 brackets); undefined when malformed. */
function hostName(host: string): string | undefined {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 && /^(:\d*)?$/.test(host.slice(end + 1)) ? host.slice(1, end) : undefined;
  }
  const [name, port, extra] = host.split(":");
  if (extra !== undefined || (port !== undefined && !/^\d*$/.test(port))) return undefined;
  return name;
}

/** An origin as browsers compare it (lowercase, default port dropped); the raw text when it does not parse (`null`). */
function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

function hostRefused(host: string): Refusal {
  const error = new ConnectError(
    `Host ${shown(host)} is not this server's: authentication is off, so only loopback names (localhost), IP addresses ` +
      `and hosts listed with --allow-host (FLAGWIRE_ALLOW_HOST) are served, against DNS rebinding. ` +
      `Call the server by one of those, start it with --allow-host <name>, or create an API token`,
    Code.PermissionDenied,
  );
  return { error, response: errorResponse(403, error) };
}

function originRefused(origin: string): Refusal {
  const error = new ConnectError(
    `cross-origin requests from Origin ${shown(origin)} are not allowed: start the server with --allow-origin ${shown(origin)} ` +
      `(FLAGWIRE_ALLOW_ORIGIN) to let pages of that origin call it`,
    Code.PermissionDenied,
  );
  return { error, response: errorResponse(403, error) };
}

/** A value from the request, quoted and cut short: it is the client's, and may be long. */
function shown(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
