/**
 * flagwire's public client for Node (`flagwire/client`): typed clients over gRPC, Connect and gRPC-Web, a
 * reconnecting change stream, and an in-process cache that evaluates with the server's own rules. The
 * browser entry (`flagwire/client/web`) offers the same over fetch.
 *
 * @example
 * import { createFlagClient, createFlagCache } from "flagwire/client";
 *
 * const client = createFlagClient({ baseUrl: "http://127.0.0.1:50051", token: process.env.FLAGWIRE_TOKEN });
 * const flags = createFlagCache(client);
 * await flags.ready;
 * if (flags.isEnabled("dashboard", { customerId: "101" })) showDashboard();
 *
 * @module
 */

export {
  createFlagClient,
  createTokenClient,
  type FlagClientOptions,
  type FlagClientProtocol,
  type FlagClientTls,
} from "./create-flag-client.js";
export type { FlagClient, FlagClientBaseOptions, TokenClient } from "./flag-client.js";
export { createFlagCache, type FlagCache, type FlagCacheOptions } from "./create-flag-cache.js";
export { watchChanges, type ReconnectEvent, type WatchChangesOptions } from "./watch-changes.js";
export type { Evaluation, EvaluationContext, Reason } from "../domain/evaluate.js";
// Our reasons in OpenFeature's words, as OFREP, flagd's protocol and flagwire/openfeature answer them.
export { flagwireMetadata, openFeatureReason, variantOf, type FlagwireMetadata, type OpenFeatureReason } from "../domain/open-feature.js";
// The error every call rejects with, and its codes: re-exported so callers catch the very class we throw.
export { Code, ConnectError } from "@connectrpc/connect";
// The enums requests and answers carry.
export { ChangeKind, EvaluationReason, RolloutStickiness } from "../../gen/flagwire/v1/flags_pb.js";
export { TokenRole } from "../../gen/flagwire/v1/tokens_pb.js";
