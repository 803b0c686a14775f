import type { DomainError } from "../../../domain/domain-error.js";

/** The error codes of OFREP's evaluation failures (OpenFeature's error codes that a server can report). */
export type OfrepErrorCode = "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "INVALID_CONTEXT" | "FLAG_NOT_FOUND" | "GENERAL";

/**
 * A refusal of an OFREP request: the HTTP status and the OFREP error body (`errorCode`, `errorDetails`, and for a
 * single flag its `key`). Thrown by the steps of the OFREP route and written by it, never seen by other protocols.
 */
export class OfrepError extends Error {
  override readonly name = "OfrepError";
  constructor(
    readonly status: number,
    readonly errorCode: OfrepErrorCode,
    message: string,
    /** Extra response headers (`Allow` on a 405). */
    readonly header: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** HTTP status and OFREP code for each domain error code: the one OFREP error map. */
const OFREP_STATUS_OF: Record<DomainError["code"], [number, OfrepErrorCode]> = {
  INVALID_ARGUMENT: [400, "INVALID_CONTEXT"],
  NOT_FOUND: [404, "FLAG_NOT_FOUND"],
  ALREADY_EXISTS: [400, "GENERAL"],
  FAILED_PRECONDITION: [400, "GENERAL"],
  RESOURCE_EXHAUSTED: [429, "GENERAL"],
  UNAVAILABLE: [503, "GENERAL"],
  UNAUTHENTICATED: [401, "GENERAL"],
  PERMISSION_DENIED: [403, "GENERAL"],
};

/** The OFREP refusal for a domain error (its message kept: it names the value and what would be valid). */
export function ofrepErrorOf(error: DomainError): OfrepError {
  const [status, code] = OFREP_STATUS_OF[error.code];
  // Too many streams open: clients (OFREP providers read it) wait before trying again rather than at once.
  return new OfrepError(status, code, error.message, status === 429 ? { "retry-after": RETRY_AFTER_S } : {});
}

/** Seconds a refused stream's client is asked to wait: long enough for other streams to close. */
const RETRY_AFTER_S = "30";

/** The JSON body of a refusal: `{key?, errorCode, errorDetails}`, as OFREP's failure responses are shaped. */
export function ofrepErrorBody(error: OfrepError, key: string | undefined): string {
  return JSON.stringify(key === undefined ? { errorCode: error.errorCode, errorDetails: error.message } : { key, errorCode: error.errorCode, errorDetails: error.message });
}
