import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RolloutStickiness } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { BULK_PATH, flagPath, postOfrep } from "../../support/ofrep-http.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// OFREP on the HTTP port, by hand-written HTTP: values, variants, reasons and metadata for each rule of decide(),
// the bulk answer with its ETag and 304, and the event stream's refetchEvaluation events and Last-Event-ID.

let ts: TestServer;
let flags: FlagClient;

const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });
const user = (value: string) => ({ kind: { case: "userId" as const, value } });

beforeAll(async () => {
  ts = await startTestServer();
  flags = ts.client();
  await flags.createFeature({ name: "plain-on", enabled: true });
  await flags.createFeature({ name: "targeted", enabled: false });
  await flags.createFeature({ name: "half", enabled: false });
  await flags.createCustomer({ id: "acme" });
  await flags.createUser({ id: "ann", customerId: "acme" });
  await flags.createUser({ id: "bob" });
  await flags.setOverride({ feature: "targeted", target: user("ann"), enabled: true });
  await flags.setOverride({ feature: "targeted", target: customer("acme"), enabled: false });
  await flags.createSegment({ name: "beta" });
  await flags.addSegmentMembers({ segment: "beta", userIds: ["bob"] });
  await flags.setSegmentRule({ feature: "targeted", segment: "beta", enabled: true });
  await flags.setRollout({ feature: "half", rollout: { basisPoints: 10_000, stickiness: RolloutStickiness.USER } });
});
afterAll(() => ts.close());

describe("single flag", () => {
  it.each([
    // [flag, context, value, variant, OFREP reason, flagwire reason, segment]
    ["plain-on", {}, true, "on", "STATIC", "DEFAULT", undefined],
    ["targeted", { targetingKey: "ann" }, true, "on", "TARGETING_MATCH", "USER_OVERRIDE", undefined],
    ["targeted", { customerId: "acme" }, false, "off", "TARGETING_MATCH", "CUSTOMER_OVERRIDE", undefined],
    ["targeted", { targetingKey: "bob" }, true, "on", "TARGETING_MATCH", "SEGMENT", "beta"],
    ["targeted", { targetingKey: "nobody" }, false, "off", "DEFAULT", "DEFAULT", undefined],
    ["half", { targetingKey: "nobody" }, true, "on", "SPLIT", "ROLLOUT", undefined],
    ["half", {}, false, "off", "DEFAULT", "DEFAULT_NO_STICKINESS_ID", undefined],
    // Attributes other than targetingKey and customerId are ignored.
    ["targeted", { targetingKey: "ann", email: "a@b.c", plan: { tier: 3 } }, true, "on", "TARGETING_MATCH", "USER_OVERRIDE", undefined],
  ])("%s for %j", async (key, context, value, variant, reason, ours, segment) => {
    const { revision } = await flags.evaluate({ feature: "plain-on" });
    const out = await postOfrep(ts.httpUrl, flagPath(key), { context });
    expect(out.status).toBe(200);
    expect(out.header.get("content-type")).toMatch(/^application\/json/);
    const metadata: Record<string, unknown> = { reason: ours, revision: Number(revision) };
    if (segment) metadata.segment = segment;
    expect(out.body).toEqual({ key, value, variant, reason, metadata });
  });

  it("agrees with Evaluate (the same decide()) for every feature and context", async () => {
    for (const feature of ["plain-on", "targeted", "half"]) {
      for (const userId of ["", "ann", "bob", "zed"]) {
        for (const customerId of ["", "acme", "other"]) {
          const rpc = await flags.evaluate({ feature, userId, customerId });
          const out = await postOfrep(ts.httpUrl, flagPath(feature), { context: { targetingKey: userId, customerId } });
          expect(out.body?.value, `${feature} ${userId} ${customerId}`).toBe(rpc.enabled);
        }
      }
    }
  });

  it("an empty body is the empty context, and a percent-encoded key is decoded", async () => {
    const empty = await postOfrep(ts.httpUrl, flagPath("plain-on"), "");
    expect(empty.body).toMatchObject({ value: true, reason: "STATIC" });
    const encoded = await postOfrep(ts.httpUrl, flagPath("plain%2Don"));
    expect(encoded.body).toMatchObject({ key: "plain-on", value: true });
  });
});

describe("bulk", () => {
  it("answers every flag, with an ETag, eventStreams, and 304 while the answer for this context holds", async () => {
    const context = { context: { targetingKey: "ann" } };
    const first = await postOfrep(ts.httpUrl, BULK_PATH, context);
    expect(first.status).toBe(200);
    const etag = first.header.get("etag") as string;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.body).toMatchObject({
      flags: [
        { key: "half", value: true, variant: "on", reason: "SPLIT" },
        { key: "plain-on", value: true, reason: "STATIC" },
        { key: "targeted", value: true, reason: "TARGETING_MATCH", metadata: { reason: "USER_OVERRIDE" } },
      ],
      eventStreams: [{ type: "sse", endpoint: { requestUri: "/ofrep/v1/events" } }],
    });
    const same = await postOfrep(ts.httpUrl, BULK_PATH, context, { "if-none-match": etag });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    expect(same.header.get("etag")).toBe(etag);
    // A change that does not touch ann's answer (bob's override of a targeted flag) keeps the ETag: still 304...
    const bobBefore = await postOfrep(ts.httpUrl, BULK_PATH, { context: { targetingKey: "bob" } });
    await flags.setOverride({ feature: "targeted", target: user("bob"), enabled: false });
    expect((await postOfrep(ts.httpUrl, BULK_PATH, context, { "if-none-match": etag })).status).toBe(304);
    // ...but changes bob's answer, and so his ETag.
    const bob = await postOfrep(ts.httpUrl, BULK_PATH, { context: { targetingKey: "bob" } });
    expect(bob.body?.flags).toContainEqual(expect.objectContaining({ key: "targeted", value: false, metadata: expect.objectContaining({ reason: "USER_OVERRIDE" }) }));
    expect(bob.header.get("etag")).not.toBe(bobBefore.header.get("etag"));
    // A change to ann's answer: 200 with a new ETag.
    await flags.setOverride({ feature: "plain-on", target: user("ann"), enabled: false });
    const changed = await postOfrep(ts.httpUrl, BULK_PATH, context, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.header.get("etag")).not.toBe(etag);
    expect(changed.body?.flags).toContainEqual(expect.objectContaining({ key: "plain-on", value: false, reason: "TARGETING_MATCH" }));
    await flags.clearOverride({ feature: "plain-on", target: user("ann") });
    await flags.clearOverride({ feature: "targeted", target: user("bob") });
    // Back to the same answer: the first ETag again (it is the answer's, not the revision's).
    expect((await postOfrep(ts.httpUrl, BULK_PATH, context, { "if-none-match": `"x", ${etag}` })).status).toBe(304);
  });
});

/** Reads an SSE response's text as it arrives, until `until` holds on what was read so far. */
async function readEvents(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("event stream", () => {
  it("sends refetchEvaluation with the revision as id for each change, and honours Last-Event-ID", async () => {
    const abort = new AbortController();
    const res = await fetch(`${ts.httpUrl}/ofrep/v1/events`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const start = (await flags.evaluate({ feature: "plain-on" })).revision;
    const opened = readEvents(res, (text) => text.includes("refetchEvaluation"));
    const { revision } = await flags.setFeatureEnabled({ name: "half", enabled: true });
    const text = await opened;
    expect(text).toContain(`id: ${start}\n\n`);
    expect(text).toContain(`id: ${revision}\ndata: {"type":"refetchEvaluation"}\n\n`);

    // Reconnecting at the latest revision: nothing missed, so no refetch, only the id.
    const current = await fetch(`${ts.httpUrl}/ofrep/v1/events`, { headers: { "last-event-id": String(revision) }, signal: AbortSignal.timeout(5000) });
    const none = await readEvents(current, (t) => t.includes("\n\n"));
    expect(none.startsWith(`id: ${revision}\n\n`)).toBe(true);
    expect(none).not.toContain("refetchEvaluation");
    // Reconnecting from before a change: one refetch at once, at the current revision.
    const behind = await fetch(`${ts.httpUrl}/ofrep/v1/events`, { headers: { "last-event-id": String(start) }, signal: AbortSignal.timeout(5000) });
    const missed = await readEvents(behind, (t) => t.includes("\n\n"));
    expect(missed.startsWith(`id: ${revision}\ndata: {"type":"refetchEvaluation"}\n\n`)).toBe(true);
    await flags.setFeatureEnabled({ name: "half", enabled: false });
  });
});

describe("event stream at shutdown", () => {
  it("ends with a comment saying why, so the EventSource reconnects later, and the server still closes", async () => {
    const own = await startTestServer();
    const res = await fetch(`${own.httpUrl}/ofrep/v1/events`, { signal: AbortSignal.timeout(10_000) });
    const text = res.text();
    await own.close();
    expect(await text).toMatch(/^id: 0\n\n(: heartbeat\n\n)?: the server is shutting down/);
  });
});
