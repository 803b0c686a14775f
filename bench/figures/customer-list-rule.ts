import type { FlagEngine } from "../../src/engine/flag-engine.js";
import { ids } from "../lib/dataset.js";

// The rule figures 3 and 15 evaluate on both sides: `dashboard` is off, except for the customers on a list.

/** The feature both sides evaluate. */
export const FEATURE = "dashboard";
/** The customers the feature is on for. */
export const LISTED = Array.from({ length: 10 }, (_, i) => ids.customer(i * 7));
/** Customers in flagwire's state, listed or not. */
export const CUSTOMERS = 1000;
/** Half the calls hit a listed customer, half one that is not listed: both branches of the rule are exercised. */
export const CONTEXTS = [{ customerId: LISTED[3] as string }, { customerId: ids.customer(500) }] as const;

/** Writes the rule into flagwire: the feature, the customers and an override per listed customer. */
export async function seedCustomerListRule(engine: FlagEngine): Promise<void> {
  await engine.submit({ kind: "feature.created", feature: FEATURE, enabled: false, description: "" }, null);
  await Promise.all(Array.from({ length: CUSTOMERS }, (_, c) => engine.submit({ kind: "customer.created", customerId: ids.customer(c) }, null)));
  await Promise.all(LISTED.map((id) => engine.submit({ kind: "override.set", feature: FEATURE, target: { kind: "customer", id }, enabled: true }, null)));
}

/** The same rule as a flagd flag configuration. */
export function customerListFlagdConfig(): string {
  return JSON.stringify({
    flags: {
      [FEATURE]: {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
        targeting: { if: [{ in: [{ var: "customerId" }, LISTED] }, "on", "off"] },
      },
    },
  });
}
