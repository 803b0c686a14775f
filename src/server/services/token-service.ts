import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ROLES, type Role } from "../../domain/api-token.js";
import { DomainError } from "../../domain/domain-error.js";
import type { TokenRegistry } from "../../engine/token-registry.js";
import type { StoredToken } from "../../store/token-store.js";
import { TokenRole, TokenSchema, TokenService, type Token } from "../../../gen/flagwire/v1/tokens_pb.js";
import { callerName, callerToken } from "../auth/create-call-guard.js";

/** What the token service needs from the registry. */
export type TokenServiceRegistry = Pick<TokenRegistry, "create" | "list" | "revoke" | "authOn">;

const ROLE_TO_PROTO: Record<Role, TokenRole> = {
  reader: TokenRole.READER,
  editor: TokenRole.EDITOR,
  admin: TokenRole.ADMIN,
};

/** Who creates or revokes a token while authentication is off (no token exists yet). */
const ANONYMOUS = "anonymous";

function roleFromProto(role: TokenRole): Role {
  const found = ROLES.find((r) => ROLE_TO_PROTO[r] === role);
  if (!found) {
    const valid = ROLES.map((r) => TokenRole[ROLE_TO_PROTO[r]]).map((name) => `TOKEN_ROLE_${name}`);
    throw new DomainError("INVALID_ARGUMENT", `role ${role} is invalid: use ${valid.join(", ")}`);
  }
  return found;
}

/** A token as the contract shows it: never its secret or hash. */
export function tokenToProto(token: StoredToken): Token {
  return create(TokenSchema, {
    name: token.name,
    role: ROLE_TO_PROTO[token.role],
    createTime: timestampFromMs(token.createdAt),
    ...(token.lastUsedAt === null ? {} : { lastUseTime: timestampFromMs(token.lastUsedAt) }),
    ...(token.revokedAt === null ? {} : { revokeTime: timestampFromMs(token.revokedAt) }),
    createdBy: token.createdBy,
    revokedBy: token.revokedBy ?? "",
  });
}

/** The TokenService implementation (admin only, by method-roles.ts); served by both listeners. */
export function createTokenService(registry: TokenServiceRegistry): ServiceImpl<typeof TokenService> {
  return {
    async createToken(req, ctx) {
      const { token, secret } = await registry.create(req.name, roleFromProto(req.role), callerName(ctx) ?? ANONYMOUS);
      return { token: tokenToProto(token), secret };
    },
    listTokens() {
      return { tokens: registry.list().map(tokenToProto) };
    },
    async revokeToken(req, ctx) {
      return { token: tokenToProto(await registry.revoke(req.name, callerName(ctx) ?? ANONYMOUS)) };
    },
    getCaller(_req, ctx) {
      const token = callerToken(ctx);
      // Without a token (authentication off) the caller may do everything.
      return { authenticationEnabled: registry.authOn, tokenName: token?.name ?? "", role: ROLE_TO_PROTO[token?.role ?? "admin"] };
    },
  };
}
