import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { rolesSatisfying, roleSatisfies, type Role } from "../../domain/api-token.js";
import { DomainError } from "../../domain/domain-error.js";
import { quote } from "../../domain/identifiers.js";
import type { TokenRegistry } from "../../engine/token-registry.js";
import type { StoredToken } from "../../store/token-store.js";
import type { Call, RpcMethod } from "../call-context.js";
import { FLAGD_SERVICES, requiredRole, type ProtectedInfrastructure } from "./method-roles.js";

/** Decides, before a handler runs, whether the caller may make the call; applied on both listeners by the interceptor. */
export interface CallGuard {
  /** Throws UNAUTHENTICATED or PERMISSION_DENIED to refuse the call; records the caller's token in the context. */
  admit(call: Call): void;
  /** For an admitted stream: a signal that aborts (with the error to end the stream) when its token is revoked. */
  revocation(call: Call): AbortSignal | undefined;
}

/** The token a call was admitted with; unset while authentication is off and for open methods. */
const CALLER = createContextKey<StoredToken | undefined>(undefined, { description: "flagwire caller token" });

/** The token a call was admitted with, if any (GetCaller tells callers their role with it). */
export function callerToken(context: HandlerContext): StoredToken | undefined {
  return context.values.get(CALLER);
}

/** The name of the token a call was made with, if any: the actor of the changes it makes. */
export function callerName(context: HandlerContext): string | undefined {
  return context.values.get(CALLER)?.name;
}

const HOW_TO_SEND = 'send the header "authorization: Bearer <token>"';
const HOW_TO_CREATE = "an admin creates tokens with `flagwire token create` or TokenService/CreateToken";

const HOW_TO_CREATE_FIRST = "on the server's machine, create one on its database file with `flagwire token create --db <path> --role admin --name ops`";

/**
 * How callers of the flagd evaluation services are admitted while authentication is on (the stock flagd providers
 * cannot send an authorization header): by token only; also by the client certificate the TLS listeners verified
 * (every connection presents one signed by `--tls-client-ca`); or by anyone (`--flagd-unauthenticated`).
 */
export type FlagdAccess = "token" | "client-certificate" | "unauthenticated";

// The stock providers cannot send a token: name both ways to admit them.
const FLAGD_WAYS =
  "the stock flagd providers cannot send one, so either start the server with --tls-client-ca <file> and give them a client " +
  "certificate signed by that CA (mutual TLS), or start it with --flagd-unauthenticated to let anyone who reaches the port evaluate flags";

/** Options of {@link createCallGuard}. */
export interface CallGuardOptions {
  registry: Pick<TokenRegistry, "authenticate" | "revocationSignal" | "authOn">;
  /** Health and reflection are open unless listed here. */
  protect?: ProtectedInfrastructure;
  /** How flagd evaluation calls are admitted with authentication on; default by token only. */
  flagdAccess?: FlagdAccess;
}

/**
 * Creates the guard that checks `authorization: Bearer <token>` against the method's required role
 * (method-roles.ts). Until a token is first created authentication is off and every call is admitted; after
 * that it stays on, and with every token deleted nobody is admitted.
 */
export function createCallGuard(options: CallGuardOptions): CallGuard {
  const { registry } = options;
  const flagdOpen = (options.flagdAccess ?? "token") !== "token";
  // By the method's description, which the adapters build once per method: a lookup by identity.
  const roles = new Map<RpcMethod, Role | null>();
  const roleOf = (method: RpcMethod): Role | null => {
    let role = roles.get(method);
    if (role === undefined) roles.set(method, (role = requiredRole(method, options.protect)));
    return role;
  };
  return {
    admit(call) {
      const required = roleOf(call.rpc);
      // While authentication is off, not even the headers are read (the hot path stays lean).
      if (required === null || !registry.authOn) return;
      // Reader access to evaluation only: the TLS layer verified the certificate, or the operator opted in.
      if (flagdOpen && FLAGD_SERVICES.has(call.rpc.service)) return;
      const bearer = parseBearer(call.header("authorization"));
      // Which of two tokens did the caller mean? Taking the first silently would let a proxy's header and a client's mix.
      if (bearer.ambiguous) throw new DomainError("UNAUTHENTICATED", `the request has several authorization headers, which is ambiguous: ${HOW_TO_SEND} once`);
      const auth = registry.authenticate(bearer.token);
      const name = call.rpc.name;
      switch (auth.status) {
        case "off":
          return;
        case "no-token":
          throw new DomainError("UNAUTHENTICATED", `${name} needs an API token, but no token exists on this server (authentication stays on once a token was created): ${HOW_TO_CREATE_FIRST}`);
        case "missing":
          if (bearer.malformed) throw new DomainError("UNAUTHENTICATED", `the authorization header is not of the form "Bearer <token>": ${HOW_TO_SEND}`);
          if (FLAGD_SERVICES.has(call.rpc.service)) {
            throw new DomainError("UNAUTHENTICATED", `${name} needs an API token with role ${rolesSatisfying(required)}, but ${FLAGD_WAYS} (clients that can: ${HOW_TO_SEND})`);
          }
          throw new DomainError("UNAUTHENTICATED", `${name} needs an API token with role ${rolesSatisfying(required)}: ${HOW_TO_SEND}`);
        case "unknown":
          throw new DomainError("UNAUTHENTICATED", `the API token is not valid (mistyped, or from another server): ${HOW_TO_SEND} with a token this server issued; ${HOW_TO_CREATE}`);
        case "revoked":
          throw new DomainError("UNAUTHENTICATED", `the API token ${quote(auth.token.name)} was revoked: use another token; ${HOW_TO_CREATE}`);
        case "ok":
          if (!roleSatisfies(auth.token.role, required)) {
            throw new DomainError(
              "PERMISSION_DENIED",
              `the API token ${quote(auth.token.name)} has role ${auth.token.role}; ${name} needs ${rolesSatisfying(required)}`,
            );
          }
          call.values.set(CALLER, auth.token);
      }
    },
    revocation(call) {
      const token = call.values.get(CALLER);
      return token && registry.revocationSignal(token.hash);
    },
  };
}

/**
 * The token of an `authorization: Bearer <token>` header; `malformed` when the header is there in another form,
 * `ambiguous` when there are several (the listeners join repeated headers with commas, which no token contains).
 */
function parseBearer(header: string | null): { token?: string; malformed: boolean; ambiguous?: true } {
  if (header === null || header.trim() === "") return { malformed: false };
  if (header.includes(",")) return { malformed: true, ambiguous: true };
  const match = /^Bearer[ \t]+(\S+)$/i.exec(header.trim());
  return match ? { token: match[1] as string, malformed: false } : { malformed: true };
}
