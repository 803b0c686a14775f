import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlagNotFoundError, InvalidContextError, ProviderNotReadyError } from "@openfeature/server-sdk";
import { FlagwireProvider } from "../../../src/openfeature/index.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { sleep } from "../../support/wait-until.js";

/**
 * FlagwireProvider's own resolve, as the SDK calls it: an answer repeats as the same frozen details (one promise per
 * outcome and revision), a change of revision gives new details, and every failure is a rejected promise, never a
 * synchronous throw (as an async function's would be).
 */

let ts: TestServer;
let provider: FlagwireProvider;
beforeAll(async () => {
  ts = await startTestServer({ heartbeatIntervalMs: 200 });
  const writer = ts.client("grpc");
  await writer.createFeature({ name: "shown", enabled: false });
  await writer.createCustomer({ id: "c1" });
  await writer.setOverride({ feature: "shown", target: { kind: { case: "customerId", value: "c1" } }, enabled: true });
  provider = new FlagwireProvider({ client: ts.client("grpc") });
  await provider.initialize();
});
afterAll(async () => {
  await provider?.onClose();
  await ts?.close();
});

/** Polls until the provider answers `flag` at the server's revision. */
async function untilAt(revision: number, flag: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await provider.resolveBooleanEvaluation(flag, false, {})).flagMetadata?.revision !== revision) {
    if (Date.now() > deadline) throw new Error(`the provider did not reach revision ${revision}`);
    await sleep(10);
  }
}

describe("FlagwireProvider.resolveBooleanEvaluation", () => {
  it("answers the same frozen details for the same outcome at the same revision, and new ones at the next", async () => {
    await untilAt(ts.server.engine.revision, "shown");
    const revision = ts.server.engine.revision;
    const on = await provider.resolveBooleanEvaluation("shown", false, { customerId: "c1" });
    expect(on).toEqual({ value: true, variant: "on", reason: "TARGETING_MATCH", flagMetadata: { reason: "CUSTOMER_OVERRIDE", revision } });
    expect(Object.isFrozen(on) && Object.isFrozen(on.flagMetadata)).toBe(true);
    expect(await provider.resolveBooleanEvaluation("shown", true, { customerId: "c1", plan: "gold" })).toBe(on);
    const off = await provider.resolveBooleanEvaluation("shown", false, { customerId: "c2" });
    expect(off).toEqual({ value: false, variant: "off", reason: "DEFAULT", flagMetadata: { reason: "DEFAULT", revision } });
    expect(off).not.toBe(on);

    await ts.client("grpc").createFeature({ name: "other" });
    await untilAt(ts.server.engine.revision, "shown");
    const later = await provider.resolveBooleanEvaluation("shown", false, { customerId: "c1" });
    expect(later).not.toBe(on);
    expect(later.flagMetadata).toEqual({ reason: "CUSTOMER_OVERRIDE", revision: ts.server.engine.revision });
    // The same outcome on a flag without targeting is another answer: STATIC.
    expect(await provider.resolveBooleanEvaluation("other", false, {})).toMatchObject({ value: false, reason: "STATIC" });
  });

  it.each([
    ["an unknown flag", "nope", {}, FlagNotFoundError],
    ["an id that is not a string", "shown", { customerId: 5 }, InvalidContextError],
    ["a malformed id", "shown", { targetingKey: "bad id!" }, InvalidContextError],
  ] as const)("rejects %s, without throwing", async (_, flag, context, error) => {
    let answer: Promise<unknown> | undefined;
    expect(() => (answer = provider.resolveBooleanEvaluation(flag, false, context))).not.toThrow();
    await expect(answer).rejects.toBeInstanceOf(error);
  });

  it("rejects before it is initialized", async () => {
    const idle = new FlagwireProvider({ client: ts.client("grpc") });
    await expect(idle.resolveBooleanEvaluation("shown", false, {})).rejects.toBeInstanceOf(ProviderNotReadyError);
  });
});
