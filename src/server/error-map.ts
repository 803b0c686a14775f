import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type DomainErrorCode } from "../domain/domain-error.js";

/** Domain error codes to gRPC/Connect status codes: the only place this mapping is written. */
const STATUS_OF: Record<DomainErrorCode, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  UNAVAILABLE: Code.Unavailable,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
};

/**
 * Turns anything a handler threw into the ConnectError both listeners send. A ConnectError passes through
 * (the transport raised it, e.g. for a body that is not valid protobuf); anything unexpected becomes
 * INTERNAL without leaking its details, which the caller of this function should log.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof DomainError) return new ConnectError(err.message, STATUS_OF[err.code]);
  if (err instanceof ConnectError) return err;
  return new ConnectError("internal error: the server failed to handle this request; see the server log", Code.Internal);
}
