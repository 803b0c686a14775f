import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { BULK_PATH, flagPath, postOfrep } from "../../support/ofrep-http.js";
import { dumpState, type StateDump } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Every refusal of the OFREP endpoints: the status the spec gives it, an OFREP error body whose details say what
// to send instead, and the stored data exactly as it was.

const LIMIT = 64 * 1024;
let ts: TestServer;
let flags: FlagClient;
let before: StateDump;

beforeAll(async () => {
  ts = await startTestServer({ maxRequestBytes: LIMIT });
  flags = ts.client();
  await flags.createFeature({ name: "dashboard", enabled: true });
  await flags.createUser({ id: "ann" });
  before = await dumpState(flags);
});
afterAll(() => ts.close());

const huge = { context: { targetingKey: "ann", blob: "x".repeat(LIMIT + 1) } };

describe.each([
  ["single flag", flagPath("dashboard"), "dashboard"],
  ["bulk", BULK_PATH, undefined],
])("%s", (_name, path, key) => {
  it.each([
    // [what, body, extra headers, status, errorCode, details match]
    ["malformed JSON", '{"context": {', {}, 400, "PARSE_ERROR", /not valid JSON.*send \{"context"/],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), {}, 400, "PARSE_ERROR", /not UTF-8: send JSON in UTF-8/],
    ["a body that is an array", "[1,2]", {}, 400, "INVALID_CONTEXT", /must be a JSON object.*not an array/],
    ["a string context", { context: "ann" }, {}, 400, "INVALID_CONTEXT", /"context" must be an object.*not a string/],
    ["a number targetingKey", { context: { targetingKey: 42 } }, {}, 400, "INVALID_CONTEXT", /"targetingKey" \(the user id\) must be a string, not a number/],
    ["an object customerId", { context: { customerId: { id: 1 } } }, {}, 400, "INVALID_CONTEXT", /"customerId" \(the customer id\) must be a string/],
    ["a malformed user id", { context: { targetingKey: "a b" } }, {}, 400, "INVALID_CONTEXT", /context: user id "a b" is invalid: use 1-128 letters/],
    ["a malformed customer id", { context: { customerId: "x".repeat(200) } }, {}, 400, "INVALID_CONTEXT", /customer id .* \(200 characters\) is invalid/],
    ["a context past the request limit", huge, {}, 413, "GENERAL", new RegExp(`larger than the limit of ${LIMIT} bytes`)],
    ["a form body", "context=1", { "content-type": "application/x-www-form-urlencoded" }, 415, "PARSE_ERROR", /is not JSON: send content-type: application\/json/],
  ] as const)("%s", async (_what, body, headers, status, errorCode, details) => {
    const out = await postOfrep(ts.httpUrl, path, body, headers);
    expect(out.status).toBe(status);
    expect(out.header.get("content-type")).toMatch(/^application\/json/);
    expect(out.body).toMatchObject({ errorCode, ...(key ? { key } : {}) });
    expect(out.body?.errorDetails).toMatch(details);
    expect(await dumpState(flags)).toEqual(before);
  });

  it("a wrong HTTP method is 405 with Allow", async () => {
    const out = await postOfrep(ts.httpUrl, path, undefined, {}, "GET");
    expect(out.status).toBe(405);
    expect(out.header.get("allow")).toBe("POST");
    expect(out.body?.errorDetails).toMatch(/HTTP method GET is not allowed.*use POST/);
  });
});

describe("single flag keys", () => {
  it.each([
    ["an unknown flag", "nope", /feature "nope" not found/],
    ["a malformed key", "a%20b", /feature name "a b" is invalid: use 1-128 letters/],
    ["an empty key", "", /put one flag key after/],
    ["a key with a slash", "a/b", /put one flag key after/],
    ["a key that does not decode", "%E0%A4%A", /put one flag key after/],
  ])("%s is 404 FLAG_NOT_FOUND", async (_what, key, details) => {
    const out = await postOfrep(ts.httpUrl, flagPath(key), { context: { targetingKey: "ann" } });
    expect(out.status).toBe(404);
    expect(out.body).toMatchObject({ errorCode: "FLAG_NOT_FOUND" });
    expect(out.body?.errorDetails).toMatch(details);
  });

  it("a malformed context wins over an unknown flag (400, as Evaluate checks the context first)", async () => {
    const out = await postOfrep(ts.httpUrl, flagPath("nope"), { context: { targetingKey: "a b" } });
    expect(out.status).toBe(400);
    expect(out.body).toMatchObject({ key: "nope", errorCode: "INVALID_CONTEXT" });
  });

  it("a large context within the limit is served, its other attributes ignored", async () => {
    const attributes = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`attr${i}`, "v".repeat(50)]));
    const out = await postOfrep(ts.httpUrl, flagPath("dashboard"), { context: { targetingKey: "ann", ...attributes } });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ value: true });
  });
});

describe("other paths", () => {
  it("an unknown OFREP path is 404 naming the endpoints", async () => {
    const out = await postOfrep(ts.httpUrl, "/ofrep/v1/evaluate/flag/dashboard");
    expect(out.status).toBe(404);
    expect(out.body?.errorDetails).toMatch(/no OFREP endpoint at .*use POST \/ofrep\/v1\/evaluate\/flags\/\{key\}/);
  });

  it("the event stream takes GET only, and refuses a Last-Event-ID that is not a revision", async () => {
    // Its own baseline: evaluations that succeeded in the tests before this one counted as usage.
    const before = await dumpState(flags);
    const post = await postOfrep(ts.httpUrl, "/ofrep/v1/events");
    expect(post.status).toBe(405);
    expect(post.header.get("allow")).toBe("GET");
    const bad = await postOfrep(ts.httpUrl, "/ofrep/v1/events", undefined, { "last-event-id": "yesterday" }, "GET");
    expect(bad.status).toBe(400);
    expect(bad.body?.errorDetails).toMatch(/Last-Event-ID "yesterday" is not a revision/);
    expect(await dumpState(flags)).toEqual(before);
  });
});

describe("event stream limits", () => {
  it("a client past its stream limit is 429 with Retry-After, and its open stream goes on", async () => {
    const own = await startTestServer({ limits: { maxStreamsPerClient: 1 } });
    const abort = new AbortController();
    try {
      const first = await fetch(`${own.httpUrl}/ofrep/v1/events`, { signal: abort.signal });
      expect(first.status).toBe(200);
      const second = await postOfrep(own.httpUrl, "/ofrep/v1/events", undefined, {}, "GET");
      expect(second.status).toBe(429);
      expect(second.header.get("retry-after")).toBe("30");
      expect(second.body?.errorDetails).toMatch(/already has 1 streams open, the most one client address may have/);
      expect(own.server.engine.watcherCount).toBe(1);
    } finally {
      abort.abort();
      await own.close();
    }
  });
});
