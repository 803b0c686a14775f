import type { FlagClientProtocol } from "../../src/client/create-flag-client.js";

/** Every protocol the generated client speaks: what tests loop over to check each wire the same way. */
export const PROTOCOLS = ["grpc", "connect", "grpc-web"] as const satisfies readonly FlagClientProtocol[];
