import { createHash } from "node:crypto";
import { DomainError } from "./domain-error.js";
import { quote } from "./identifiers.js";

/** What a token's holder may do; each role includes the ones before it in {@link ROLES}. */
export type Role = "reader" | "editor" | "admin";

/** Every role, weakest first. */
export const ROLES: readonly Role[] = ["reader", "editor", "admin"];

/** Whether a token with role `granted` may call a method that needs `required`. */
export function roleSatisfies(granted: Role, required: Role): boolean {
  return ROLES.indexOf(granted) >= ROLES.indexOf(required);
}

/** The roles that satisfy `required`, for messages: `reader, editor or admin`. */
export function rolesSatisfying(required: Role): string {
  const roles = ROLES.filter((role) => roleSatisfies(role, required));
  return roles.length === 1 ? (roles[0] as Role) : `${roles.slice(0, -1).join(", ")} or ${roles[roles.length - 1] as Role}`;
}

/** Throws INVALID_ARGUMENT unless `value` names a role. */
export function checkRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new DomainError("INVALID_ARGUMENT", `role ${quote(value)} is invalid: use ${ROLES.join(", ")}`);
  }
  return value as Role;
}

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Throws INVALID_ARGUMENT unless `name` is a valid token name. */
export function checkTokenName(name: string): string {
  if (!TOKEN_NAME.test(name)) {
    const what = name === "" ? "token name is empty" : `token name ${quote(name)} is invalid`;
    throw new DomainError("INVALID_ARGUMENT", `${what}: use 1-64 letters, digits, '.', '_' or '-'`);
  }
  return name;
}

/** Generated secrets start with this, so that secret scanners (and people) recognise a leaked one. */
export const TOKEN_PREFIX = "fw_";

/** The fewest characters a secret chosen by an operator (FLAGWIRE_BOOTSTRAP_TOKEN) may have. */
export const MIN_SECRET_LENGTH = 32;

// What survives an HTTP header and gRPC metadata unchanged, and what `openssl rand -hex/-base64` produce.
const SECRET = /^[A-Za-z0-9._~+/=-]+$/;

/** Throws INVALID_ARGUMENT unless an operator-chosen secret is long enough and header-safe; never echoes it. */
export function checkSecret(secret: string, source: string): string {
  if (secret.length < MIN_SECRET_LENGTH || !SECRET.test(secret)) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${source} is not a usable token: use at least ${MIN_SECRET_LENGTH} characters of letters, digits and ._~+/=-, ` +
        "e.g. the output of `openssl rand -hex 32`",
    );
  }
  return secret;
}

/**
 * The stored form of a secret: its SHA-256, hex. A plain fast hash is right here, unlike for passwords: a
 * generated secret has 256 random bits, so there is nothing to brute-force that a slow hash (bcrypt, argon2)
 * would protect, and the server must look a token up on every call. The hash also keeps lookups from
 * leaking timing information about the secret itself.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
