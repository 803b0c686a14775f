import { InvalidContextError, type EvaluationContext as OpenFeatureContext } from "@openfeature/server-sdk";
import type { EvaluationContext } from "../client/index.js";

/**
 * An OpenFeature evaluation context in flagwire's terms: `targetingKey` is the user id and the `customerId`
 * attribute the customer; other attributes play no part in flagwire's rules and are ignored. Either id may be
 * absent or empty; one that is not a string is INVALID_CONTEXT (the ids' format is checked by the cache).
 */
export function contextFromOpenFeature(context: OpenFeatureContext): EvaluationContext {
  return { userId: idOf(context.targetingKey, "targetingKey (the user id)"), customerId: idOf(context.customerId, "customerId") };
}

function idOf(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || typeof value === "string") return value ?? undefined;
  const shown = typeof value === "object" ? JSON.stringify(value).slice(0, 40) : String(value);
  throw new InvalidContextError(`${field} must be a string, not the ${typeof value} ${shown}: pass ids as strings, e.g. "101"`);
}
