import type { DescMethod } from "@bufbuild/protobuf";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { rolesSatisfying, roleSatisfies, type Role } from "../../domain/api-token.js";
import { DomainError } from "../../domain/domain-error.js";
import { quote } from "../../domain/identifiers.js";
import type { TokenRegistry } from "../../engine/token-registry.js";
import type { StoredToken } from "../../store/token-store.js";
import { requiredRole, type ProtectedInfrastructure } from "./method-roles.js";

/** Decides, before a handler runs, whether the caller may make the call; applied on both listeners by the interceptor. */
export interface CallGuard {
  /** Throws UNAUTHENTICATED or PERMISSION_DENIED to refuse the call; records the caller's token in the context. */
  admit(method: DescMethod, context: HandlerContext): void;
  /** For an admitted stream: a signal that aborts (with the error to end the stream) when its token is revoked. */
  revocation(context: HandlerContext): AbortSignal | undefined;
}

/** The token a call was admitted with; unset while authentication is off and for open methods. */
const CALLER = createContextKey<StoredToken | undefined>(undefined, { description: "flagwire caller token" });

/** The name of the token a call was made with, if any: the actor of the changes it makes. */
export function callerName(context: HandlerContext): string | undefined {
  return context.values.get(CALLER)?.name;
}

const HOW_TO_SEND = 'send the header "authorization: Bearer <token>"';
const HOW_TO_CREATE = "an admin creates tokens with `flagwire token create` or TokenService/CreateToken";

/** Options of {@link createCallGuard}. */
export interface CallGuardOptions {
  registry: Pick<TokenRegistry, "authenticate" | "revocationSignal" | "tokensExist">;
  /** Health and reflection are open unless listed here. */
  protect?: ProtectedInfrastructure;
}

/**
 * Creates the guard that checks `authorization: Bearer <token>` against the method's required role
 * (method-roles.ts). While no token exists authentication is off and every call is admitted.
 */
export function createCallGuard(options: CallGuardOptions): CallGuard {
  const { registry } = options;
  const roles = new Map<DescMethod, Role | null>();
  const roleOf = (method: DescMethod): Role | null => {
    let role = roles.get(method);
    if (role === undefined) roles.set(method, (role = requiredRole(method, options.protect)));
    return role;
  };
  return {
    admit(method, context) {
      const required = roleOf(method);
      // Without tokens, authentication is off: not even the headers are read (the hot path stays lean).
      if (required === null || !registry.tokensExist) return;
      const bearer = parseBearer(context.requestHeader.get("authorization"));
      const auth = registry.authenticate(bearer.token);
      const call = `${method.parent.typeName}/${method.name}`;
      switch (auth.status) {
        case "off":
          return;
        case "missing":
          if (bearer.malformed) throw new DomainError("UNAUTHENTICATED", `the authorization header is not of the form "Bearer <token>": ${HOW_TO_SEND}`);
          throw new DomainError("UNAUTHENTICATED", `${call} needs an API token with role ${rolesSatisfying(required)}: ${HOW_TO_SEND}`);
        case "unknown":
          throw new DomainError("UNAUTHENTICATED", `the API token is not valid (mistyped, or from another server): ${HOW_TO_SEND} with a token this server issued; ${HOW_TO_CREATE}`);
        case "revoked":
          throw new DomainError("UNAUTHENTICATED", `the API token ${quote(auth.token.name)} was revoked: use another token; ${HOW_TO_CREATE}`);
        case "ok":
          if (!roleSatisfies(auth.token.role, required)) {
            throw new DomainError(
              "PERMISSION_DENIED",
              `the API token ${quote(auth.token.name)} has role ${auth.token.role}; ${call} needs ${rolesSatisfying(required)}`,
            );
          }
          context.values.set(CALLER, auth.token);
      }
    },
    revocation(context) {
      const token = context.values.get(CALLER);
      return token && registry.revocationSignal(token.hash);
    },
  };
}

/** The token of an `authorization: Bearer <token>` header; `malformed` when the header is there in another form. */
function parseBearer(header: string | null): { token?: string; malformed: boolean } {
  if (header === null || header.trim() === "") return { malformed: false };
  const match = /^Bearer[ \t]+(\S+)$/i.exec(header.trim());
  return match ? { token: match[1] as string, malformed: false } : { malformed: true };
}
