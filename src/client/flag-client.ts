import type { Client } from "@connectrpc/connect";
import type { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import type { TokenService } from "../../gen/flagwire/v1/tokens_pb.js";

// What every flagwire client is, whatever carries its calls: shared by the Node and the browser entries.

/** A typed FeatureFlagService client. */
export type FlagClient = Client<typeof FeatureFlagService>;

/** A typed TokenService client (admin tokens only, once the server has tokens). */
export type TokenClient = Client<typeof TokenService>;

/** Options every flagwire client takes, in Node and in a browser. */
export interface FlagClientBaseOptions {
  /**
   * Server URL: `http://127.0.0.1:50051` for gRPC, `http://127.0.0.1:8080` for Connect and gRPC-Web;
   * `https://` for a server with TLS.
   */
  baseUrl: string;
  /** The API token, sent as `authorization: Bearer <token>`; needed once the server has tokens. */
  token?: string;
  /**
   * Recorded in the change log as who made each change (the `x-flagwire-actor` header), while the server has
   * no tokens; with a token, the server records the token's name instead.
   */
  actor?: string;
  /** Connect only: JSON instead of binary protobuf. */
  useJson?: boolean;
  /**
   * A call fails with DEADLINE_EXCEEDED when the server has not answered within this long: a unary call's
   * response, or a stream's response headers (an established stream, such as a watch, then runs without limit).
   * Default none.
   */
  answerTimeoutMs?: number;
}
