/**
 * flagwire's public client for browsers (`flagwire/client/web`): the same clients, change stream and cache as
 * `flagwire/client`, carried by fetch over Connect or gRPC-Web. Nothing reachable from here imports a `node:`
 * module or connect-node (a test walks the import graph).
 *
 * @example
 * import { createWebFlagClient, createFlagCache } from "flagwire/client/web";
 *
 * const flags = createFlagCache(createWebFlagClient({ baseUrl: "https://flags.example.com", token }));
 * await flags.ready;
 * if (flags.isEnabled("dashboard", { customerId: "101" })) showDashboard();
 *
 * @module
 */

export {
  createWebFlagClient,
  createWebTokenClient,
  type WebFlagClientOptions,
  type WebFlagClientProtocol,
} from "./create-web-flag-client.js";
export type { FlagClient, FlagClientBaseOptions, TokenClient } from "./flag-client.js";
export { createFlagCache, type FlagCache, type FlagCacheOptions } from "./create-flag-cache.js";
export { watchChanges, type ReconnectEvent, type WatchChangesOptions } from "./watch-changes.js";
export type { Evaluation, EvaluationContext, Reason } from "../domain/evaluate.js";
// The error every call rejects with, and its codes: re-exported so callers catch the very class we throw.
export { Code, ConnectError } from "@connectrpc/connect";
// The enums requests and answers carry.
export { ChangeKind, EvaluationReason, RolloutStickiness } from "../../gen/flagwire/v1/flags_pb.js";
export { TokenRole } from "../../gen/flagwire/v1/tokens_pb.js";
