import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { FlagdProvider } from "@openfeature/flagd-provider";
import { OpenFeature, ProviderEvents, type EventDetails } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { callOutcome } from "../../support/call-outcome.js";
import { FLAGD_SEED } from "../../support/flagd-seed.js";
import { flagdClients } from "../../support/flagd-clients.js";
import { createTestPki, type TestPki } from "../../support/test-certificates.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { waitUntil } from "../../support/wait-until.js";

/**
 * The stock `@openfeature/flagd-provider` (rpc resolver, flagd.evaluation.v1 over grpc-js) with
 * `@openfeature/server-sdk`, against a real server's gRPC port: values, reasons, variants, FLAG_NOT_FOUND, the change
 * event, and how it is admitted while tokens are on.
 */

vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const TOKEN = "flagd-provider-test-admin-secret";
const dir = mkdtempSync(join(tmpdir(), "flagwire-flagd-"));
let pki: TestPki;
afterAll(async () => {
  await OpenFeature.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A provider with quick failure (the defaults retry for minutes), on the given port. */
function provider(port: number, tls?: { certPath: string }): FlagdProvider {
  return new FlagdProvider({ host: "localhost", port, resolverType: "rpc", retryBackoffMaxMs: 500, deadlineMs: 2000, ...(tls ? { tls: true, certPath: tls.certPath } : {}) });
}

describe("flagd-provider with the server SDK", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({}, FLAGD_SEED);
    await OpenFeature.setProviderAndWait("plain", provider(ts.server.grpcPort));
  });
  afterAll(async () => {
    await OpenFeature.getProvider("plain").onClose?.();
    await ts?.close();
  });

  it("resolves values, reasons, variants and flagwire's metadata", async () => {
    const client = OpenFeature.getClient("plain");
    const revision = ts.server.engine.revision;
    expect(await client.getBooleanDetails("plain", false)).toMatchObject({ value: true, reason: "STATIC", variant: "on" });
    expect(await client.getBooleanDetails("targeted", false, { targetingKey: "u1" })).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
      variant: "on",
      flagMetadata: { reason: "USER_OVERRIDE", revision },
    });
    expect(await client.getBooleanDetails("targeted", true, { targetingKey: "u9" })).toMatchObject({ value: false, reason: "DEFAULT", variant: "off" });
    expect(await client.getBooleanDetails("segmented", false, { customerId: "c1" })).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
      flagMetadata: { reason: "SEGMENT", segment: "beta" },
    });
    expect(await client.getBooleanDetails("rolled", false, { targetingKey: "x" })).toMatchObject({ value: true, reason: "SPLIT", variant: "on" });
  });

  it("says FLAG_NOT_FOUND for an unknown flag and TYPE_MISMATCH for a non-boolean read, with the default value", async () => {
    const client = OpenFeature.getClient("plain");
    expect(await client.getBooleanDetails("dashbord", true)).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
    // Not "plain": the provider caches STATIC values by key alone, whatever type is asked for later.
    expect(await client.getStringDetails("targeted", "dflt")).toMatchObject({ value: "dflt", reason: "ERROR", errorCode: "TYPE_MISMATCH" });
    expect(await client.getNumberDetails("targeted", 7)).toMatchObject({ value: 7, errorCode: "TYPE_MISMATCH" });
  });

  it("raises ConfigurationChanged naming the flag for a change made through gRPC, and then resolves the new value", async () => {
    const client = OpenFeature.getClient("plain");
    // STATIC: the provider caches it, so only the event's eviction lets the new value through.
    expect(await client.getBooleanValue("plain", false)).toBe(true);
    const changed: string[][] = [];
    const handler = (details?: EventDetails) => void changed.push((details?.flagsChanged as string[] | undefined) ?? []);
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    try {
      await ts.client("grpc").setFeatureEnabled({ name: "plain", enabled: false });
      await waitUntil("ConfigurationChanged", () => changed.length > 0, 5_000);
      expect(changed).toEqual([["plain"]]);
      expect(await client.getBooleanDetails("plain", true)).toMatchObject({ value: false, reason: "STATIC", variant: "off" });
    } finally {
      client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    }
  });
});

describe("flagd with tokens on", () => {
  let refusing: TestServer;
  let optedIn: TestServer;
  let mtls: TestServer;
  beforeAll(async () => {
    pki = createTestPki(dir);
    refusing = await startTestServer({ bootstrapToken: TOKEN }, FLAGD_SEED);
    optedIn = await startTestServer({ bootstrapToken: TOKEN, flagdUnauthenticated: true }, FLAGD_SEED);
    mtls = await startTestServer({ bootstrapToken: TOKEN, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert } }, FLAGD_SEED);
  });
  afterAll(async () => {
    await Promise.all([refusing?.close(), optedIn?.close(), mtls?.close()]);
  });

  it("refuses flagd calls without a token, naming both ways to admit the stock providers; a token still works", async () => {
    const { v1 } = flagdClients(refusing, "grpc");
    const { code, message } = await callOutcome(v1.resolveBoolean({ flagKey: "plain" }));
    expect(code).toBe("Unauthenticated");
    expect(message).toMatch(/^flagd\.evaluation\.v1\.Service\/ResolveBoolean needs an API token with role reader.*--tls-client-ca <file>.*--flagd-unauthenticated/);
    expect((await callOutcome(flagdClients(refusing, "connect").v2.resolveAll({}))).code).toBe("Unauthenticated");
    expect((await callOutcome(flagdClients(refusing, "grpc", TOKEN).v1.resolveBoolean({ flagKey: "plain" }))).code).toBe("OK");
    const fromStockProvider = provider(refusing.server.grpcPort);
    try {
      await expect(OpenFeature.setProviderAndWait("refused", fromStockProvider)).rejects.toThrow();
      expect(await OpenFeature.getClient("refused").getBooleanDetails("plain", false)).toMatchObject({ value: false, reason: "ERROR" });
    } finally {
      await fromStockProvider.onClose();
    }
  });

  it("with --flagd-unauthenticated, serves the stock provider without a token, and nothing else", async () => {
    const open = provider(optedIn.server.grpcPort);
    try {
      await OpenFeature.setProviderAndWait("opted-in", open);
      expect(await OpenFeature.getClient("opted-in").getBooleanDetails("targeted", false, { targetingKey: "u1" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    } finally {
      await open.onClose();
    }
    expect((await callOutcome(optedIn.client("grpc").listFeatures({}))).code).toBe("Unauthenticated");
    expect((await callOutcome(flagdClients(optedIn, "connect").v2.resolveAll({}))).code).toBe("OK");
  });

  it("over mutual TLS, admits the stock provider by its client certificate as reader of the flagd services only", async () => {
    // flagd-provider 0.16 takes a CA (certPath) but no client key pair (js-sdk-contrib#1587, as the Go and Java
    // providers do): give its grpc-js credentials the client certificate, as that change proposes.
    const createSsl = grpc.credentials.createSsl;
    grpc.credentials.createSsl = (rootCerts) => createSsl(rootCerts, pki.client.key, pki.client.cert);
    const viaCertificate = provider(mtls.server.grpcPort, { certPath: pki.ca.certPath });
    try {
      await OpenFeature.setProviderAndWait("mtls", viaCertificate);
      const client = OpenFeature.getClient("mtls");
      expect(await client.getBooleanDetails("segmented", false, { targetingKey: "u2" })).toMatchObject({ value: true, reason: "TARGETING_MATCH", variant: "on" });
      // The certificate is reader access to flagd only: flagwire's own services still need a token.
      const flags = new grpc.Client(`localhost:${mtls.server.grpcPort}`, grpc.credentials.createSsl(pki.ca.cert));
      const code = await new Promise<number>((resolve) =>
        flags.makeUnaryRequest<Buffer, Buffer>("/flagwire.v1.FeatureFlagService/ListFeatures", (b) => b, (b) => b, Buffer.alloc(0), (err) =>
          resolve(err ? err.code : grpc.status.OK),
        ),
      ).finally(() => flags.close());
      expect(code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      grpc.credentials.createSsl = createSsl;
      await viaCertificate.onClose();
    }
    // Without a client certificate the TLS handshake itself fails.
    const noCertificate = provider(mtls.server.grpcPort, { certPath: pki.ca.certPath });
    try {
      await expect(OpenFeature.setProviderAndWait("no-cert", noCertificate)).rejects.toThrow();
    } finally {
      await noCertificate.onClose();
    }
  });
});
