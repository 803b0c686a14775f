import type { Logger } from "pino";
import type { TokenRegistry } from "../engine/token-registry.js";
import type { FlagdAccess } from "./auth/create-call-guard.js";

/** Says at start how flagd evaluation calls are admitted; loudly when anyone may make them. */
export function logFlagdAccess(logger: Logger, access: FlagdAccess): void {
  if (access === "unauthenticated") {
    logger.warn(
      "--flagd-unauthenticated is set: ANYONE who can reach the listeners may evaluate every flag over the flagd protocol " +
        "(flagd.evaluation.v1/v2), without a token; flagwire's own services still need one",
    );
  } else if (access === "client-certificate") {
    logger.info("flagd evaluation calls are admitted by their verified client certificate (--tls-client-ca) as reader, without a token");
  }
}

/** Says at start whether calls need a token, and what that means for where the server may listen. */
export function logAuthState(logger: Logger, tokens: TokenRegistry, insecure: boolean, dbPath: string): void {
  if (tokens.noTokenLeft) {
    logger.warn(
      "authentication is on, but no API token exists (they were deleted): every call is refused; " +
        `create one with \`flagwire token create --db ${dbPath} --role admin --name ops\``,
    );
  } else if (tokens.authEnabled) {
    logger.info("authentication is on: every call needs an API token (health and reflection excepted unless protected)");
  } else if (insecure) {
    logger.warn("authentication is OFF and --insecure is set: anyone who can reach the listeners may change every flag");
  } else {
    logger.warn(
      "authentication is off: no API token exists, so the server listens on loopback only; " +
        "create one with `flagwire token create` to turn it on",
    );
  }
}
