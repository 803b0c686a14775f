import { DomainError } from "./domain-error.js";
import type { EvaluationContext } from "./evaluate.js";

const FEATURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENTITY_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The longest description a feature may carry. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** Shows a value in an error message: quoted, and cut short when it is long. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function describeLength(value: string): string {
  return value.length > 128 ? ` (${value.length} characters)` : "";
}

/** Throws INVALID_ARGUMENT unless `name` is a valid feature name. */
export function checkFeatureName(name: string, field = "feature name"): string {
  return checkName(name, field);
}

/** Throws INVALID_ARGUMENT unless `name` is a valid segment name (the same rule as feature names). */
export function checkSegmentName(name: string, field = "segment name"): string {
  return checkName(name, field);
}

function checkName(name: string, field: string): string {
  if (!FEATURE_NAME.test(name)) {
    const what = name === "" ? `${field} is empty` : `${field} ${quote(name)}${describeLength(name)} is invalid`;
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${what}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** Throws INVALID_ARGUMENT unless `id` is a valid customer or user id. */
export function checkEntityId(id: string, field: "customer id" | "user id"): string {
  if (!ENTITY_ID.test(id)) {
    const what = id === "" ? `${field} is empty` : `${field} ${quote(id)}${describeLength(id)} is invalid`;
    throw new DomainError("INVALID_ARGUMENT", `${what}: use 1-128 letters, digits, '.', '_', ':', '@' or '-'`);
  }
  return id;
}

/** Throws INVALID_ARGUMENT when a description is too long. */
export function checkDescription(description: string): string {
  // Characters as people count them (code points), not UTF-16 units: an emoji is one.
  const length = description.length <= MAX_DESCRIPTION_LENGTH ? description.length : [...description].length;
  if (length > MAX_DESCRIPTION_LENGTH) {
    throw new DomainError("INVALID_ARGUMENT", `description is ${length} characters long: use at most ${MAX_DESCRIPTION_LENGTH}`);
  }
  return description;
}

/** INVALID_ARGUMENT for a malformed id in an evaluation context; `where` prefixes the message. */
export function checkContext(context: EvaluationContext, where = ""): void {
  try {
    if (context.customerId) checkEntityId(context.customerId, "customer id");
    if (context.userId) checkEntityId(context.userId, "user id");
  } catch (err) {
    if (where === "" || !(err instanceof DomainError)) throw err;
    throw new DomainError(err.code, `${where}${err.message}`);
  }
}
