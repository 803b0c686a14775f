import { changeTarget, type Change } from "../../src/domain/change.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";

/** One write of a {@link writeCycle}: the call, and the change it must leave in the log. */
export interface CycleWrite {
  call: (client: FlagClient) => Promise<{ revision: bigint }>;
  /** What {@link describeChange} says of the change this write commits. */
  expected: string;
}

/** A change in one line: kind, feature and target, e.g. `override.set f-1 c-1`. */
export function describeChange(change: Change): string {
  return [change.kind, "feature" in change ? change.feature : "", changeTarget(change)?.id ?? ""].join(" ");
}

/**
 * The `index`-th write of a writer that owns the keys starting with `prefix`. Nine writes make a cycle that touches
 * every kind of change, with a rename and a cascading delete (a customer with a user and overrides of both), and
 * each of them succeeds and commits exactly one change when the writer's earlier writes did. A writer that runs
 * its writes in order therefore leaves, in the change log, exactly its first N writes' changes.
 */
export function writeCycle(prefix: string, index: number): CycleWrite {
  const n = Math.floor(index / 9);
  const f = `${prefix}-f${n}`;
  const g = `${prefix}-g${n}`;
  const c = `${prefix}-c${n}`;
  const u = `${prefix}-u${n}`;
  const customer = { kind: { case: "customerId" as const, value: c } };
  const user = { kind: { case: "userId" as const, value: u } };
  const writes: CycleWrite[] = [
    { call: (client) => client.createFeature({ name: f, description: `cycle ${n}` }), expected: `feature.created ${f} ` },
    { call: (client) => client.createCustomer({ id: c }), expected: `customer.created  ${c}` },
    { call: (client) => client.createUser({ id: u, customerId: c }), expected: `user.created  ${u}` },
    { call: (client) => client.setOverride({ feature: f, target: customer, enabled: true }), expected: `override.set ${f} ${c}` },
    { call: (client) => client.setOverride({ feature: f, target: user, enabled: false }), expected: `override.set ${f} ${u}` },
    { call: (client) => client.setFeatureEnabled({ name: f, enabled: true }), expected: `feature.enabled_set ${f} ` },
    { call: (client) => client.renameFeature({ name: f, newName: g }), expected: `feature.renamed ${f} ` },
    { call: (client) => client.deleteCustomer({ id: c }), expected: `customer.deleted  ${c}` },
    { call: (client) => client.deleteFeature({ name: g }), expected: `feature.deleted ${g} ` },
  ];
  return writes[index % 9] as CycleWrite;
}

/** Whether a change concerns the keys of the writer with `prefix`. */
export function isWriterChange(prefix: string, change: Change): boolean {
  return describeChange(change).includes(` ${prefix}-`);
}
