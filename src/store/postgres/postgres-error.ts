import { DomainError } from "../../domain/domain-error.js";

/** Words for the network errors Node reports when a connection fails. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EPIPE: "connection closed",
};

/** What went wrong, in words, with its code: `connection refused (ECONNREFUSED)`, `… (SQLSTATE 57P01)`. */
export function describeCause(err: unknown): string {
  const inner = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const code = (inner as { code?: unknown }).code;
  const message = inner instanceof Error ? inner.message : String(inner);
  if (typeof code === "string" && code in NETWORK_CAUSES) return `${NETWORK_CAUSES[code]} (${code})`;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return `${message} (SQLSTATE ${code})`;
  if (/timeout/i.test(message)) return "connection timed out";
  return message;
}

/**
 * Turns what node-postgres threw into a DomainError. Domain errors pass through. A uniqueness violation means that
 * another replica's commit beat the check this one made: ALREADY_EXISTS; any other constraint violation means the
 * stored data disagrees with what was checked: FAILED_PRECONDITION. Anything else is a database that cannot be
 * used right now: UNAVAILABLE, naming where it is, so the caller retries.
 */
export function postgresError(where: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = String((err as { code?: unknown }).code ?? "");
  const detail = describeCause(err);
  if (code === "23505") return new DomainError("ALREADY_EXISTS", `the change conflicts with a concurrent one: ${detail}`);
  if (code.startsWith("23")) return new DomainError("FAILED_PRECONDITION", `the change conflicts with the stored data: ${detail}`);
  return new DomainError("UNAVAILABLE", `PostgreSQL at ${where} is unavailable: ${detail}; retry once it is back`);
}

/** UNAVAILABLE for a database that cannot be reached at open: names host, port and cause, never the password. */
export function unreachable(where: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  return new DomainError("UNAVAILABLE", `cannot reach PostgreSQL at ${where}: ${describeCause(err)}`);
}
