import type { ChangeData } from "./change.js";
import { DomainError } from "./domain-error.js";
import type { FlagState } from "./flag-state.js";
import { checkEntityId, quote } from "./identifiers.js";
import { requireSegment } from "./lookups.js";
import { compareKeys } from "./sorted-index.js";

/** The most customer and user ids, together, that one call may add to or remove from a segment. */
export const MAX_MEMBERS_PER_CALL = 10_000;

/** How many unknown ids a NOT_FOUND message names before it only counts the rest. */
const NAMED_IDS = 5;

type MembershipChange = Extract<ChangeData, { kind: "segment.members_added" | "segment.members_removed" }>;

/**
 * Checks a bulk membership change: the segment exists, the call holds 1-10000 ids, each is well-formed
 * (INVALID_ARGUMENT names the first bad one) and known (NOT_FOUND names the first few unknown ones). Returns
 * the change reduced to the ids it really adds or removes (deduplicated, sorted), or null when there are none.
 */
export function planMembershipChange(state: FlagState, data: MembershipChange): MembershipChange | null {
  const segment = requireSegment(state, data.segment);
  const count = data.customerIds.length + data.userIds.length;
  if (count === 0) {
    throw new DomainError("INVALID_ARGUMENT", `no members given: set customer_ids and/or user_ids (1-${MAX_MEMBERS_PER_CALL} ids per call)`);
  }
  if (count > MAX_MEMBERS_PER_CALL) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${count} members in one call is too many: send at most ${MAX_MEMBERS_PER_CALL} customer and user ids per call, split over several calls`,
    );
  }
  checkWellFormed(data.customerIds, "customer_ids", "customer id");
  checkWellFormed(data.userIds, "user_ids", "user id");
  checkKnown(data.customerIds, "customer", state.customers);
  checkKnown(data.userIds, "user", state.users);
  const adding = data.kind === "segment.members_added";
  // Only what changes is recorded: adding a member twice, or removing a non-member, is a no-op.
  const customerIds = changing(data.customerIds, segment.customerIds, adding);
  const userIds = changing(data.userIds, segment.userIds, adding);
  if (customerIds.length === 0 && userIds.length === 0) return null;
  return { kind: data.kind, segment: data.segment, customerIds, userIds };
}

function checkWellFormed(ids: readonly string[], field: string, what: "customer id" | "user id"): void {
  for (let i = 0; i < ids.length; i++) {
    try {
      checkEntityId(ids[i] as string, what);
    } catch (err) {
      throw new DomainError("INVALID_ARGUMENT", `${field}[${i}]: ${(err as DomainError).message}`);
    }
  }
}

function checkKnown(ids: readonly string[], what: "customer" | "user", known: ReadonlyMap<string, unknown>): void {
  const unknown = [...new Set(ids.filter((id) => !known.has(id)))];
  if (unknown.length === 0) return;
  const named = unknown.slice(0, NAMED_IDS).map(quote).join(", ");
  const more = unknown.length > NAMED_IDS ? ` and ${unknown.length - NAMED_IDS} more` : "";
  throw new DomainError("NOT_FOUND", `${unknown.length} ${what}${unknown.length === 1 ? "" : "s"} not found: ${named}${more}; create them first`);
}

function changing(ids: readonly string[], members: ReadonlySet<string>, adding: boolean): string[] {
  return [...new Set(ids)].filter((id) => members.has(id) !== adding).sort(compareKeys);
}
