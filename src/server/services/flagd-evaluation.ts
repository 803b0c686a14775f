import type { JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { DomainError } from "../../domain/domain-error.js";
import type { EvaluationCounter } from "./evaluate-handlers.js";
import type { Evaluation } from "../../domain/evaluate.js";
import type { FeatureRecord } from "../../domain/flag-state.js";
import { quote } from "../../domain/identifiers.js";
import type { WatchEvent } from "../../engine/flag-engine.js";
import { WATCH_TRANSPORT } from "../watch-transport.js";
import { contextFromOpenFeature } from "./flagd-context.js";
import { everyFlag, flagdChangedFlags } from "./flagd-changed-flags.js";
import { hasTargeting } from "../../domain/has-targeting.js";
import { createFlagdResolveHandlers, flagdResolution, resolveFlag, type FlagdEngine, type FlagdResolution, type FlagRequest } from "./flagd-resolve-handlers.js";

/** An EventStream message as both versions shape it: flagd's event type, and its data. */
export interface FlagdEvent {
  type: string;
  data?: JsonObject;
}

/** flagd's event types (flagd-schemas, EventStreamResponse.type). */
export const FLAGD_EVENTS = { ready: "provider_ready", change: "configuration_change", keepAlive: "keep_alive" } as const;

/**
 * The handlers both flagd evaluation versions serve (v1 and v2 differ only in which fields are optional): proto
 * <-> domain mapping only, every value decided by the engine's evaluation, as for Evaluate.
 */
export function createFlagdHandlers<Message extends object>(
  engine: FlagdEngine,
  eventMessage: (event: FlagdEvent) => Message,
  usage?: EvaluationCounter,
) {
  const resolutions = createFlagdResolveHandlers(engine, usage);
  const resolveBoolean = (request: FlagRequest): FlagdResolution => flagdResolution(resolutions.resolveBoolean(request));
  // Our flags are all boolean: asking for another type is flagd's TYPE_MISMATCH (INVALID_ARGUMENT), once the flag
  // and the context passed the same checks as a boolean resolution (so an unknown flag is still NOT_FOUND).
  // A refused read is no evaluation: it is not counted as usage.
  const mismatch = (type: string) => (request: FlagRequest): never => {
    resolveFlag(engine, request);
    throw new DomainError(
      "INVALID_ARGUMENT",
      `flag ${quote(request.flagKey)} is a boolean flag, not ${type}: resolve it as a boolean (ResolveBoolean, getBooleanValue)`,
    );
  };
  const events = createEventStream(engine, eventMessage);
  return {
    resolveBoolean,
    resolveString: mismatch("a string"),
    resolveFloat: mismatch("a number"),
    resolveInt: mismatch("an integer"),
    resolveObject: mismatch("an object"),
    resolveAll(request: { context?: JsonObject | undefined }) {
      const all = engine.evaluateAll(contextFromOpenFeature(request.context));
      usage?.countAll(all.features);
      const flags: Record<string, { reason: string; variant: string; value: { case: "boolValue"; value: boolean }; metadata: JsonObject }> = {};
      for (let i = 0; i < all.features.length; i++) {
        const name = all.features[i] as string;
        const feature = engine.state.features.get(name) as FeatureRecord;
        const { value, ...rest } = flagdResolution({ evaluation: all.evaluations[i] as Evaluation, targeted: hasTargeting(feature), revision: all.revision });
        flags[name] = { ...rest, value: { case: "boolValue", value } };
      }
      return { flags, metadata: { revision: all.revision } };
    },
    eventStream(_request: unknown, context: HandlerContext): AsyncIterable<Message> {
      return events(context);
    },
  };
}

/**
 * The EventStream: `provider_ready`, then a `configuration_change` naming the flags of each committed change (from
 * the revision of the ready event on, so none falls between), and a `keep_alive` with each heartbeat. The message of
 * one change is built once, whoever reads it first, and every stream sends that same message.
 */
function createEventStream<Message extends object>(engine: FlagdEngine, eventMessage: (event: FlagdEvent) => Message) {
  const built = new WeakMap<object, Message | null>();
  const changeMessage = (flags: JsonObject): Message | null =>
    Object.keys(flags).length === 0 ? null : eventMessage({ type: FLAGD_EVENTS.change, data: { flags } });
  const keepAlive = eventMessage({ type: FLAGD_EVENTS.keepAlive });
  const messageOf = (event: WatchEvent): Message | null => {
    if (event.type === "heartbeat") return keepAlive;
    let message = built.get(event);
    if (message === undefined) {
      // A snapshot (the log no longer reached back) says nothing of what changed: every flag may have.
      message = changeMessage(event.type === "change" ? flagdChangedFlags(event.change, engine.state) : event.chunk.last ? everyFlag(engine.state) : {});
      built.set(event, message);
    }
    return message;
  };
  return async function* events(context: HandlerContext): AsyncGenerator<Message> {
    const since = engine.revision;
    yield eventMessage({ type: FLAGD_EVENTS.ready });
    for await (const event of engine.watch({ sinceRevision: since, transport: context.values.get(WATCH_TRANSPORT) }, context.signal)) {
      const message = messageOf(event);
      if (message !== null) yield message;
    }
  };
}
