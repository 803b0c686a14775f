import { OFREPProvider } from "@openfeature/ofrep-provider";
import { ErrorCode, OpenFeature, type Client } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// @openfeature/server-sdk with the stock @openfeature/ofrep-provider (from npm, nobody here wrote it) against a
// real server, with authentication on (a reader token, sent as the provider's headers).

const BOOTSTRAP = "fw_ofrep-node-provider-bootstrap-000000000000000000";
let ts: TestServer;
let flags: FlagClient;
let client: Client;

beforeAll(async () => {
  ts = await startTestServer({ bootstrapToken: BOOTSTRAP });
  flags = ts.client("grpc", undefined, BOOTSTRAP);
  const { secret } = await ts.tokenClient("grpc", BOOTSTRAP).createToken({ name: "app", role: TokenRole.READER });
  await flags.createFeature({ name: "checkout", enabled: false });
  await flags.createFeature({ name: "banner", enabled: true });
  await flags.createUser({ id: "ann" });
  await flags.setOverride({ feature: "checkout", target: { kind: { case: "userId", value: "ann" } }, enabled: true });
  await OpenFeature.setProviderAndWait("ofrep", new OFREPProvider({ baseUrl: ts.httpUrl, headers: [["Authorization", `Bearer ${secret}`]] }));
  client = OpenFeature.getClient("ofrep");
});
afterAll(async () => {
  await OpenFeature.clearProviders();
  await ts.close();
});

describe("OFREPProvider", () => {
  it("resolves values, variants, reasons and flagwire's metadata", async () => {
    expect(await client.getBooleanDetails("checkout", false, { targetingKey: "ann" })).toMatchObject({
      value: true,
      variant: "on",
      reason: "TARGETING_MATCH",
      flagMetadata: { reason: "USER_OVERRIDE" },
    });
    expect(await client.getBooleanDetails("checkout", true, { targetingKey: "bob" })).toMatchObject({ value: false, variant: "off", reason: "DEFAULT" });
    expect(await client.getBooleanDetails("banner", false)).toMatchObject({ value: true, reason: "STATIC" });
  });

  it("reports FLAG_NOT_FOUND, INVALID_CONTEXT and TYPE_MISMATCH with the default value", async () => {
    const missing = await client.getBooleanDetails("nope", true);
    expect(missing).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND, reason: "ERROR" });
    expect(missing.errorMessage).toMatch(/feature "nope" not found/);
    const invalid = await client.getBooleanDetails("checkout", true, { targetingKey: "a b" });
    expect(invalid).toMatchObject({ value: true, errorCode: ErrorCode.INVALID_CONTEXT });
    expect(await client.getStringDetails("checkout", "x")).toMatchObject({ value: "x", errorCode: ErrorCode.TYPE_MISMATCH });
  });

  it("sees a change made through gRPC on the next evaluation (it evaluates on the server each time)", async () => {
    expect(await client.getBooleanValue("banner", false, { targetingKey: "bob" })).toBe(true);
    await flags.setFeatureEnabled({ name: "banner", enabled: false });
    expect(await client.getBooleanValue("banner", true, { targetingKey: "bob" })).toBe(false);
  });
});
