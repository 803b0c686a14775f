import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { DomainError } from "../../domain/domain-error.js";
import type { EvaluationContext } from "../../domain/evaluate.js";
import { checkContext } from "../../domain/identifiers.js";

/** The OpenFeature context attributes flagwire reads: the targeting key is the user id, `customerId` the customer id. */
export const CONTEXT_ATTRIBUTES = { user: "targetingKey", customer: "customerId" } as const;

// Says how the context maps before the engine's own words ("user id ... is invalid").
const WHERE = `context (${CONTEXT_ATTRIBUTES.user} is the user id, ${CONTEXT_ATTRIBUTES.customer} the customer id): `;

/**
 * The evaluation context of an OpenFeature context (a flagd request's `context` Struct): `targetingKey` is the user
 * id and `customerId` the customer id; absent, null or empty means absent. Every other attribute is ignored:
 * applications send whatever they know, and flagwire decides by these two ids only. A non-string or malformed id
 * is INVALID_ARGUMENT, naming the attribute.
 */
export function contextFromOpenFeature(context: JsonObject | undefined): EvaluationContext {
  if (context === undefined) return {};
  const evaluation = {
    userId: idOf(context[CONTEXT_ATTRIBUTES.user], CONTEXT_ATTRIBUTES.user),
    customerId: idOf(context[CONTEXT_ATTRIBUTES.customer], CONTEXT_ATTRIBUTES.customer),
  };
  checkContext(evaluation, WHERE);
  return evaluation;
}

function idOf(value: JsonValue | undefined, attribute: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  const what = Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `the ${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
  throw new DomainError("INVALID_ARGUMENT", `${WHERE}${attribute} is ${what}: use a string id, or leave it out`);
}
