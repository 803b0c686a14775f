import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callOutcome } from "../../support/call-outcome.js";
import { FLAGD_SEED } from "../../support/flagd-seed.js";
import { flagdClients, FLAGD_TRANSPORTS } from "../../support/flagd-clients.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * flagd's evaluation protocol, v1 and v2, on both listeners, with protobuf-es clients: what each context resolves to
 * (value, OpenFeature reason, variant, metadata), and the EventStream's events for committed changes.
 */

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ heartbeatIntervalMs: 200 }, FLAGD_SEED);
});
afterAll(() => ts?.close());

const CASES = [
  { flag: "plain", context: {}, value: true, reason: "STATIC", flagwireReason: "DEFAULT" },
  { flag: "plain", context: { targetingKey: "u1" }, value: true, reason: "STATIC", flagwireReason: "DEFAULT" },
  { flag: "targeted", context: { targetingKey: "u1" }, value: true, reason: "TARGETING_MATCH", flagwireReason: "USER_OVERRIDE" },
  { flag: "targeted", context: { targetingKey: "u9", email: "ignored@example.com" }, value: false, reason: "DEFAULT", flagwireReason: "DEFAULT" },
  { flag: "segmented", context: { customerId: "c1" }, value: true, reason: "TARGETING_MATCH", flagwireReason: "SEGMENT", segment: "beta" },
  { flag: "segmented", context: { targetingKey: "u2" }, value: true, reason: "TARGETING_MATCH", flagwireReason: "SEGMENT", segment: "beta" },
  { flag: "rolled", context: { targetingKey: "anyone" }, value: true, reason: "SPLIT", flagwireReason: "ROLLOUT" },
  { flag: "rolled", context: {}, value: false, reason: "DEFAULT", flagwireReason: "DEFAULT_NO_STICKINESS_ID" },
] as const;

describe.each(FLAGD_TRANSPORTS)("flagd evaluation over %s", (transport) => {
  it.each(CASES)("v1 and v2 ResolveBoolean $flag for $context: $value, $reason", async ({ flag, context, value, reason, flagwireReason, ...rest }) => {
    const { v1, v2 } = flagdClients(ts, transport);
    const revision = ts.server.engine.revision;
    const metadata = { reason: flagwireReason, revision, ...("segment" in rest ? { segment: rest.segment } : {}) };
    const expected = { value, reason, variant: value ? "on" : "off", metadata };
    expect(await v1.resolveBoolean({ flagKey: flag, context })).toMatchObject(expected);
    expect(await v2.resolveBoolean({ flagKey: flag, context })).toMatchObject(expected);
  });

  it("ResolveAll answers every flag for the context, at one revision", async () => {
    const { v1, v2 } = flagdClients(ts, transport);
    for (const client of [v1, v2]) {
      const all = await client.resolveAll({ context: { targetingKey: "u1" } });
      expect(Object.keys(all.flags).sort()).toEqual(["plain", "rolled", "segmented", "targeted"]);
      expect(all.flags.targeted).toMatchObject({ reason: "TARGETING_MATCH", variant: "on", value: { case: "boolValue", value: true } });
      expect(all.flags.plain).toMatchObject({ reason: "STATIC", variant: "on", value: { case: "boolValue", value: true } });
      expect(all.metadata).toEqual({ revision: ts.server.engine.revision });
    }
  });

  it("answers flagd's error mapping: NOT_FOUND, TYPE_MISMATCH as INVALID_ARGUMENT, malformed ids as INVALID_ARGUMENT", async () => {
    const { v1, v2 } = flagdClients(ts, transport);
    for (const client of [v1, v2]) {
      expect(await callOutcome(client.resolveBoolean({ flagKey: "dashbord" }))).toEqual({ code: "NotFound", message: 'feature "dashbord" not found' });
      // The type is checked after the flag: an unknown flag of any type is still not found.
      expect((await callOutcome(client.resolveString({ flagKey: "dashbord" }))).code).toBe("NotFound");
      for (const call of [client.resolveString, client.resolveFloat, client.resolveInt, client.resolveObject]) {
        const { code, message } = await callOutcome(call({ flagKey: "plain" }));
        expect(code).toBe("InvalidArgument");
        expect(message).toMatch(/^flag "plain" is a boolean flag, not (a string|a number|an integer|an object): resolve it as a boolean/);
      }
      expect(await callOutcome(client.resolveBoolean({ flagKey: "plain", context: { targetingKey: "a b" } }))).toEqual({
        code: "InvalidArgument",
        message:
          "context (targetingKey is the user id, customerId the customer id): user id \"a b\" is invalid: use 1-128 letters, digits, '.', '_', ':', '@' or '-'",
      });
      expect(await callOutcome(client.resolveAll({ context: { customerId: 42 } }))).toEqual({
        code: "InvalidArgument",
        message: "context (targetingKey is the user id, customerId the customer id): customerId is the number 42: use a string id, or leave it out",
      });
      expect((await callOutcome(client.resolveBoolean({ flagKey: "plain", context: { targetingKey: { nested: true } } }))).message).toMatch(
        /targetingKey is an object: use a string id/,
      );
    }
  });
});

/** Reads an EventStream in the background into `events` (type and data), until `stop()`. */
function followEvents(stream: AsyncIterable<{ type: string; data?: unknown }>) {
  const events: Array<{ type: string; data?: unknown }> = [];
  const done = (async () => {
    for await (const { type, data } of stream) events.push(data === undefined ? { type } : { type, data });
  })().catch((err: unknown) => err);
  return { events, done };
}

async function waitForEvents(events: unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events arrived: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(FLAGD_TRANSPORTS)("flagd EventStream over %s", (transport) => {
  it("sends provider_ready, then one configuration_change naming the flags of each change, and keep_alive", async () => {
    const abort = new AbortController();
    const { v1, v2 } = flagdClients(ts, transport);
    const one = followEvents(v1.eventStream({}, { signal: abort.signal }));
    const two = followEvents(v2.eventStream({}, { signal: abort.signal }));
    try {
      await waitForEvents(one.events, 1);
      await waitForEvents(two.events, 1);
      expect(one.events[0]).toEqual({ type: "provider_ready" });
      const admin = ts.client();
      const name = `made-${transport}`;
      await admin.createFeature({ name, enabled: false });
      await admin.setFeatureEnabled({ name, enabled: true });
      await admin.renameFeature({ name, newName: `${name}-2` });
      await admin.createUser({ id: `fan-${transport}` }); // a user of no customer changes no flag: no event
      await admin.addSegmentMembers({ segment: "beta", userIds: [`fan-${transport}`] });
      await admin.createSegment({ name: `empty-${transport}` }); // changes no flag: no event
      await admin.deleteFeature({ name: `${name}-2` });
      const changes = (events: typeof one.events) => events.filter((event) => event.type === "configuration_change").map((event) => event.data);
      const expected = [
        { flags: { [name]: { type: "write" } } },
        { flags: { [name]: { type: "update" } } },
        { flags: { [name]: { type: "delete" }, [`${name}-2`]: { type: "write" } } },
        { flags: { segmented: { type: "update" } } },
        { flags: { [`${name}-2`]: { type: "delete" } } },
      ];
      const deadline = Date.now() + 5_000;
      while ((changes(one.events).length < 5 || changes(two.events).length < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(changes(one.events)).toEqual(expected);
      expect(changes(two.events)).toEqual(expected);
      // Heartbeats (every 200 ms here) are keep_alive; nothing else is sent.
      while (!one.events.some((event) => event.type === "keep_alive") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(new Set(one.events.map((event) => event.type))).toEqual(new Set(["provider_ready", "configuration_change", "keep_alive"]));
      await ts.client().deleteSegment({ name: `empty-${transport}` });
    } finally {
      abort.abort();
      await Promise.all([one.done, two.done]);
    }
  });
});
