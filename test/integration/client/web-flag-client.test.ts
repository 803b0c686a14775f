import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createFlagCache, createWebFlagClient, EvaluationReason, type WebFlagClientOptions } from "../../../src/client/web.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { waitUntil } from "../../support/wait-until.js";

/**
 * The browser entry's client, run in Node on its global fetch (connect-web's transports need nothing else), against
 * a real server's HTTP port: calls, errors, the actor header, and the cache following changes, per protocol.
 */

const PROTOCOLS: Array<{ name: string; options: Omit<WebFlagClientOptions, "baseUrl">; contentType: string }> = [
  { name: "Connect, binary", options: { protocol: "connect" }, contentType: "application/proto" },
  { name: "Connect, JSON", options: { protocol: "connect", useJson: true }, contentType: "application/json" },
  { name: "gRPC-Web", options: { protocol: "grpc-web" }, contentType: "application/grpc-web+proto" },
];

describe.each(PROTOCOLS)("createWebFlagClient over $name", ({ name, options, contentType }) => {
  let ts: TestServer;
  const feature = `web-${name.replace(/\W+/g, "-").toLowerCase()}`;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts.close());
  // Every request goes through the given fetch: the record shows which wire format each unary call used.
  const sent: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push(new Headers(init?.headers).get("content-type") ?? "none");
    return fetch(input, init);
  };
  const client = () => createWebFlagClient({ baseUrl: ts.httpUrl, actor: "web-bot", fetch: recordingFetch, ...options });

  it("writes (recording its actor), evaluates, and refuses an unknown feature with NOT_FOUND", async () => {
    const web = client();
    await web.createFeature({ name: feature, enabled: true });
    await web.createCustomer({ id: "101" });
    await web.setOverride({ feature, target: { kind: { case: "customerId", value: "101" } }, enabled: false });
    expect(await web.evaluate({ feature, customerId: "101" })).toMatchObject({ enabled: false, reason: EvaluationReason.CUSTOMER_OVERRIDE });
    expect(await web.evaluate({ feature, customerId: "202" })).toMatchObject({ enabled: true, reason: EvaluationReason.DEFAULT });
    const { changes } = await ts.client().listChanges({ sinceRevision: 0n });
    expect(changes.map((change) => change.actor)).toEqual(["web-bot", "web-bot", "web-bot"]);

    const refusal = await web.evaluate({ feature: "dashbord" }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ConnectError);
    expect(refusal).toMatchObject({ code: Code.NotFound, rawMessage: 'feature "dashbord" not found' });
    expect(new Set(sent)).toEqual(new Set([contentType]));
  });

  it("feeds createFlagCache: it answers as the server does, and follows a later change", async () => {
    const cache = createFlagCache(client());
    try {
      await cache.ready;
      expect(cache.evaluate(feature, { customerId: "101" })).toMatchObject({ enabled: false, reason: "CUSTOMER_OVERRIDE" });
      expect(cache.isEnabled(feature, { customerId: "202" })).toBe(true);
      const { revision } = await ts.client().setFeatureEnabled({ name: feature, enabled: false });
      await waitUntil("the cache to reach the change", () => cache.revision >= Number(revision), 5_000);
      expect(cache.isEnabled(feature, { customerId: "202" }, true)).toBe(false);
    } finally {
      cache.close();
    }
  });
});
