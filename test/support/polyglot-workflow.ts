import { expect } from "vitest";

const feature = "dashboard";

/** The changes the polyglot clients' script commits, in revision order, in proto JSON. */
function expectedChanges(actor: string) {
  return [
    { revision: "1", kind: "CHANGE_KIND_FEATURE_CREATED", feature, enabled: true, actor },
    { revision: "2", kind: "CHANGE_KIND_CUSTOMER_CREATED", target: { customerId: "101" }, actor },
    { revision: "3", kind: "CHANGE_KIND_CUSTOMER_CREATED", target: { customerId: "202" }, actor },
    { revision: "4", kind: "CHANGE_KIND_USER_CREATED", target: { userId: "456" }, customerId: "202", actor },
    { revision: "5", kind: "CHANGE_KIND_OVERRIDE_SET", feature, target: { customerId: "101" }, enabled: false, actor },
    { revision: "6", kind: "CHANGE_KIND_OVERRIDE_SET", feature, target: { userId: "456" }, enabled: false, actor },
    { revision: "7", kind: "CHANGE_KIND_OVERRIDE_CLEARED", feature, target: { userId: "456" }, actor },
    { revision: "8", kind: "CHANGE_KIND_CUSTOMER_DELETED", target: { customerId: "101" }, actor },
    { revision: "9", kind: "CHANGE_KIND_FEATURE_ENABLED_SET", feature, enabled: false, actor },
  ];
}

/**
 * Checks the JSON document that test/integration/polyglot/python_client.py and go_client/main.go print (both
 * run the same script against a fresh server): the classic workflow, evaluations with their reasons, and a
 * WatchChanges resumed from the last revision a first stream received, which must bring every later change
 * exactly once, in order, the replay then a heartbeat then the live change.
 */
export function expectPolyglotWorkflow(seen: Record<string, unknown>, actor: string): void {
  const changes = expectedChanges(actor);
  expect(seen.first_stream_start).toEqual({ heartbeat: "0" });
  expect(seen.first_stream).toMatchObject(changes.slice(0, 6).map((change) => ({ change })));

  expect(seen.features_for_101).toMatchObject({ features: [], revision: "6" });
  expect(seen.features_for_202).toMatchObject({ features: [feature], revision: "6" });
  expect(seen.customers_with).toMatchObject({ customerIds: ["202"] });
  expect(seen.explicitly_disabled).toMatchObject({ customerIds: ["101"] });
  expect(seen.evaluate_customer_101).toMatchObject({ enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE", revision: "6" });
  expect(seen.evaluate_user_456).toMatchObject({ enabled: false, reason: "EVALUATION_REASON_USER_OVERRIDE", revision: "6" });
  expect(seen.evaluate_customer_202).toMatchObject({ enabled: true, reason: "EVALUATION_REASON_DEFAULT", revision: "6" });
  expect(seen.not_found).toEqual({ code: "NOT_FOUND", details: 'feature "dashbord" not found' });

  expect(seen.evaluate_user_456_cleared).toMatchObject({ enabled: true, reason: "EVALUATION_REASON_DEFAULT", revision: "8" });
  expect(seen.customers_left).toMatchObject({ customers: [{ id: "202" }], revision: "8" });
  expect(seen.explicitly_disabled_left).toMatchObject({ customerIds: [] });

  expect(seen.resumed_from).toBe("6");
  expect(seen.resumed).toMatchObject([
    { change: changes[6] },
    { change: changes[7] },
    { heartbeat: "8" },
    { change: changes[8] },
  ]);
}
