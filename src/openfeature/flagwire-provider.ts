import {
  ErrorCode,
  FlagNotFoundError,
  InvalidContextError,
  OpenFeatureEventEmitter,
  ProviderEvents,
  ProviderNotReadyError,
  TypeMismatchError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import { createFlagCache, createFlagClient, type FlagCache, type FlagCacheOptions, type FlagClient, type FlagClientOptions } from "../client/index.js";
import { contextFromOpenFeature } from "./context-from-openfeature.js";
import { createResolvedDetails } from "./resolution-details.js";

/**
 * Options of {@link FlagwireProvider}: a client of the server (any protocol), or what to make one from (gRPC by
 * default), plus the cache's own settings.
 */
export type FlagwireProviderOptions = ({ client: FlagClient } | FlagClientOptions) &
  Pick<FlagCacheOptions, "features" | "initialBackoffMs" | "maxBackoffMs" | "onReconnect">;

/**
 * An OpenFeature provider for `@openfeature/server-sdk` that evaluates in process: it follows the server into a
 * {@link FlagCache} and answers with the server's own rules, at the revision the cache holds. Ready once the cache
 * is current; ConfigurationChanged names the flags a change may alter; Stale while the server is away (answers
 * hold at the last revision), Ready again once the cache has resumed by revision and caught up, so no change is
 * missed. A class, as OpenFeature's API and every provider are: `new FlagwireProvider(...)`.
 *
 * @example
 * import { OpenFeature } from "@openfeature/server-sdk";
 * import { FlagwireProvider } from "flagwire/openfeature";
 *
 * await OpenFeature.setProviderAndWait(new FlagwireProvider({ baseUrl: "http://127.0.0.1:50051", token }));
 * const flags = OpenFeature.getClient();
 * if (await flags.getBooleanValue("dashboard", false, { targetingKey: "456", customerId: "101" })) showDashboard();
 */
export class FlagwireProvider implements Provider {
  /** How the SDK names this provider. */
  readonly metadata = { name: "flagwire" } as const;
  /** Server-side only: it holds a whole copy of the flags and a long-lived stream. */
  readonly runsOn = "server" as const;
  /** Its events: Ready, ConfigurationChanged, Stale, Error. */
  readonly events = new OpenFeatureEventEmitter();
  readonly #options: FlagwireProviderOptions;
  #cache: FlagCache | undefined;
  readonly #resolved = createResolvedDetails();

  /** Connects nothing yet: the SDK calls {@link initialize} when the provider is set. */
  constructor(options: FlagwireProviderOptions) {
    this.#options = options;
  }

  /** Starts following the server; resolves once the cache is current, rejects if the server refuses the watch. */
  async initialize(): Promise<void> {
    this.#cache?.close();
    const { features, initialBackoffMs, maxBackoffMs, onReconnect } = this.#options;
    const client = "client" in this.#options ? this.#options.client : createFlagClient(this.#options);
    const cache = createFlagCache(client, {
      features,
      initialBackoffMs,
      maxBackoffMs,
      onReconnect,
      onChanged: ({ features: flagsChanged, revision }) => {
        if (flagsChanged.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...flagsChanged], metadata: { revision } });
      },
      onStale: ({ error, revision }) =>
        this.events.emit(ProviderEvents.Stale, { message: `lost the flagwire server (${error.message}): answering at revision ${revision} until it is back` }),
      onCurrent: ({ revision }) => this.events.emit(ProviderEvents.Ready, { message: `caught up with the flagwire server at revision ${revision}` }),
      onFailed: (error) =>
        this.events.emit(ProviderEvents.Error, { errorCode: ErrorCode.GENERAL, message: `stopped following the flagwire server: ${error.message}` }),
    });
    this.#cache = cache;
    await cache.ready;
  }

  /** Stops following the server. */
  async onClose(): Promise<void> {
    this.#cache?.close();
    this.#cache = undefined;
  }

  /**
   * Whether the flag is on for the context: `targetingKey` is the user id, the `customerId` attribute the customer.
   * The details are frozen and shared by every resolution with the same answer at the same revision.
   */
  resolveBooleanEvaluation(flagKey: string, _defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    // Not an async function: the answer is a promise already resolved, shared by every call with the same outcome
    // (an async function would make and settle a new one each time). Errors reject it, as an async function's would.
    try {
      return this.#resolve(flagKey, context);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** TYPE_MISMATCH: flagwire's flags are boolean (FLAG_NOT_FOUND first, for an unknown flag). */
  async resolveStringEvaluation(flagKey: string, _defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.#mismatch(flagKey, context, "string");
  }

  /** TYPE_MISMATCH: flagwire's flags are boolean (FLAG_NOT_FOUND first, for an unknown flag). */
  async resolveNumberEvaluation(flagKey: string, _defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.#mismatch(flagKey, context, "number");
  }

  /** TYPE_MISMATCH: flagwire's flags are boolean (FLAG_NOT_FOUND first, for an unknown flag). */
  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, _defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.#mismatch(flagKey, context, "object");
  }

  #resolve(flagKey: string, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const cache = this.#cache;
    if (!cache) throw new ProviderNotReadyError("the flagwire provider is not initialized: set it with OpenFeature.setProviderAndWait()");
    const resolution = cache.resolve(flagKey, contextFromOpenFeature(context));
    switch (resolution.kind) {
      case "evaluated":
        return this.#resolved(resolution.evaluation, resolution.targeted, resolution.revision);
      case "not_found":
        throw new FlagNotFoundError(`flag ${JSON.stringify(flagKey)} does not exist (at revision ${resolution.revision}): create it with \`flagwire create\``);
      case "invalid_context":
        throw new InvalidContextError(resolution.message);
    }
  }

  #mismatch(flagKey: string, context: EvaluationContext, type: string): never {
    this.#resolve(flagKey, context);
    throw new TypeMismatchError(`flag ${JSON.stringify(flagKey)} is boolean, not ${type}: read it with getBooleanValue()`);
  }
}
