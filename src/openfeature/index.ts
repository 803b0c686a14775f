/**
 * flagwire's OpenFeature provider for Node (`flagwire/openfeature`): `FlagwireProvider` plugs flagwire into
 * `@openfeature/server-sdk` and evaluates in process with the server's own rules.
 *
 * @example
 * import { OpenFeature } from "@openfeature/server-sdk";
 * import { FlagwireProvider } from "flagwire/openfeature";
 *
 * await OpenFeature.setProviderAndWait(new FlagwireProvider({ baseUrl: "http://127.0.0.1:50051" }));
 * const enabled = await OpenFeature.getClient().getBooleanValue("dashboard", false, { targetingKey: "456", customerId: "101" });
 *
 * @module
 */

export { FlagwireProvider, type FlagwireProviderOptions } from "./flagwire-provider.js";
