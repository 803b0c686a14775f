import { createWebFlagClient, createWebTokenClient, type FlagClient, type TokenClient } from "../../src/client/web.js";

/** The dashboard's clients: the contract's two services over Connect, on the page's own origin. */
export interface Api {
  flags: FlagClient;
  tokens: TokenClient;
}

/** Clients that send `token` (when given) with every call; JSON, so the network panel stays readable. */
export function createApi(token: string | undefined): Api {
  const options = { baseUrl: location.origin, useJson: true, ...(token ? { token } : {}) };
  return { flags: createWebFlagClient(options), tokens: createWebTokenClient(options) };
}
