import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callOutcome } from "../../support/call-outcome.js";
import { FLAGD_SEED } from "../../support/flagd-seed.js";
import { flagdClients, FLAGD_TRANSPORTS } from "../../support/flagd-clients.js";
import { dumpState, type StateDump } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * Bad input on the flagd services, on both listeners: every refusal has flagd's code and a message naming the
 * value, and no call (good or bad) changes the stored state or the revision.
 */

let ts: TestServer;
let before: StateDump;
let revision: number;
beforeAll(async () => {
  ts = await startTestServer({ maxRequestBytes: 256 * 1024 }, FLAGD_SEED);
  // Some calls here succeed (ignored attributes) and count as usage: the data is what must not change.
  before = await dumpState(ts.client(), 50, { usage: false });
  revision = ts.server.engine.revision;
});
afterAll(() => ts?.close());

const longId = "u".repeat(129);
// Many attributes flagwire ignores, well under the request limit: answered as if absent.
const manyAttributes = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`attribute${i}`, { nested: [i, `value ${i}`] }]));
// Over the server's request limit (256 KiB here).
const hugeContext = { targetingKey: "u1", blob: "x".repeat(300 * 1024) };

describe.each(FLAGD_TRANSPORTS)("flagd bad input over %s", (transport) => {
  it.each([
    { what: "an unknown flag", call: "resolveBoolean", request: { flagKey: "nope" }, code: "NotFound", message: /^feature "nope" not found$/ },
    { what: "an empty flag key", call: "resolveBoolean", request: { flagKey: "" }, code: "InvalidArgument", message: /feature name/ },
    { what: "a string read of a boolean flag", call: "resolveString", request: { flagKey: "plain" }, code: "InvalidArgument", message: /is a boolean flag, not a string/ },
    { what: "an object read of a boolean flag", call: "resolveObject", request: { flagKey: "targeted" }, code: "InvalidArgument", message: /is a boolean flag, not an object/ },
    { what: "a numeric targetingKey", call: "resolveBoolean", request: { flagKey: "plain", context: { targetingKey: 7 } }, code: "InvalidArgument", message: /targetingKey is the number 7/ },
    { what: "a list customerId", call: "resolveAll", request: { context: { customerId: ["c1"] } }, code: "InvalidArgument", message: /customerId is a list/ },
    { what: "a boolean customerId", call: "resolveBoolean", request: { flagKey: "plain", context: { customerId: true } }, code: "InvalidArgument", message: /customerId is the boolean true/ },
    { what: "a malformed user id", call: "resolveBoolean", request: { flagKey: "nope", context: { targetingKey: "a/b" } }, code: "InvalidArgument", message: /user id "a\/b" is invalid/ },
    { what: "a 129-character user id", call: "resolveAll", request: { context: { targetingKey: longId } }, code: "InvalidArgument", message: /\(129 characters\) is invalid/ },
    { what: "a malformed customer id", call: "resolveInt", request: { flagKey: "plain", context: { customerId: "c 1" } }, code: "InvalidArgument", message: /customer id "c 1" is invalid/ },
    { what: "a context over the request limit", call: "resolveBoolean", request: { flagKey: "plain", context: hugeContext }, code: "ResourceExhausted", message: /./ },
  ] as const)("$what: $code", async ({ call, request, code, message }) => {
    for (const client of Object.values(flagdClients(ts, transport))) {
      const outcome = await callOutcome((client[call] as (request: unknown) => Promise<unknown>)(request));
      expect(outcome.code).toBe(code);
      expect(outcome.message).toMatch(message);
    }
  });

  it("ignores attributes it does not use, however many", async () => {
    const { v1, v2 } = flagdClients(ts, transport);
    expect(await v1.resolveBoolean({ flagKey: "targeted", context: { ...manyAttributes, targetingKey: "u1" } })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect(Object.keys((await v2.resolveAll({ context: manyAttributes })).flags)).toHaveLength(4);
  });
});

describe("flagd bad input on the wire (Connect, HTTP port)", () => {
  it.each([
    { what: "malformed JSON", body: "{", contentType: "application/json" },
    { what: "a context that is not an object", body: JSON.stringify({ flagKey: "plain", context: "u1" }), contentType: "application/json" },
    { what: "a flag key that is not a string", body: JSON.stringify({ flagKey: 5 }), contentType: "application/json" },
    { what: "bytes that are not protobuf", body: new Uint8Array([0x0a, 0xff, 0xff]), contentType: "application/proto" },
  ])("$what: 400 invalid_argument", async ({ body, contentType }) => {
    const response = await fetch(`${ts.httpUrl}/flagd.evaluation.v1.Service/ResolveBoolean`, { method: "POST", headers: { "content-type": contentType }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
  });
});

describe("after every call above", () => {
  it("the stored state and the revision are exactly as they were", async () => {
    expect(ts.server.engine.revision).toBe(revision);
    expect(await dumpState(ts.client(), 50, { usage: false })).toEqual(before);
  });
});
