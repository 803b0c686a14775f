import { createWebFlagClient, createWebTokenClient, type FlagClient, type TokenClient } from "../../src/client/web.js";

/** The dashboard's clients: the contract's two services over Connect, on the page's own origin. */
export interface Api {
  flags: FlagClient;
  tokens: TokenClient;
}

/**
 * Clients that send `token` (when given) with every call; JSON, so the network panel stays readable. Without tokens
 * the change log records "dashboard" as who made the page's changes (with one, the server records the token's name).
 */
export function createApi(token: string | undefined): Api {
  const options = { baseUrl: location.origin, useJson: true, actor: "dashboard", ...(token ? { token } : {}) };
  return { flags: createWebFlagClient(options), tokens: createWebTokenClient(options) };
}
