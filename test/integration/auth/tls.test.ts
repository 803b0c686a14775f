import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFlagClient, type FlagClientProtocol, type FlagClientTls } from "../../../src/client/create-flag-client.js";
import { loadServerTls } from "../../../src/server/tls-options.js";
import { startServe } from "../../support/run-cli.js";
import { createTestPki, type TestPki } from "../../support/test-certificates.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { callOutcome } from "../../support/call-outcome.js";

vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const dir = mkdtempSync(join(tmpdir(), "flagwire-tls-"));
let pki: TestPki;
let tlsServer: TestServer;
let mtlsServer: TestServer;

beforeAll(async () => {
  pki = createTestPki(dir);
  tlsServer = await startTestServer({ tls: { cert: pki.server.cert, key: pki.server.key } });
  mtlsServer = await startTestServer({ tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert } });
});

afterAll(async () => {
  await tlsServer?.close();
  await mtlsServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Creates a feature over TLS; resolves with "OK" or the failure (code and message). */
async function tryCall(server: TestServer, protocol: FlagClientProtocol, tls: FlagClientTls | undefined, scheme = "https"): Promise<string> {
  const port = protocol === "grpc" ? server.server.grpcPort : server.server.httpPort;
  const flags = createFlagClient({ baseUrl: `${scheme}://localhost:${port}`, protocol, ...(tls ? { tls } : {}) });
  const { code, message } = await callOutcome(flags.listFeatures({}));
  return code === "OK" ? code : `${code}: ${message}`;
}

describe("TLS on both listeners", () => {
  it.each(PROTOCOLS)("%s: a client that trusts the CA is served", async (protocol) => {
    expect(await tryCall(tlsServer, protocol, { ca: pki.ca.cert })).toBe("OK");
  });

  it.each(PROTOCOLS)("%s: a client that trusts another CA refuses the server", async (protocol) => {
    expect(await tryCall(tlsServer, protocol, { ca: pki.otherCa.cert })).toMatch(/unable to verify the first certificate/);
  });

  it.each(PROTOCOLS)("%s: a plaintext client gets no answer", async (protocol) => {
    expect(await tryCall(tlsServer, protocol, undefined, "http")).not.toBe("OK");
  });

  it("a @grpc/grpc-js client with the CA is served", async () => {
    const client = new grpc.Client(`localhost:${tlsServer.server.grpcPort}`, grpc.credentials.createSsl(pki.ca.cert));
    const code = await new Promise<number>((resolve) =>
      client.makeUnaryRequest<Buffer, Buffer>("/flagwire.v1.FeatureFlagService/ListFeatures", (b) => b, (b) => b, Buffer.alloc(0), (err) =>
        resolve(err ? err.code : grpc.status.OK),
      ),
    ).finally(() => client.close());
    expect(code).toBe(grpc.status.OK);
  });
});

describe("client certificates (--tls-client-ca)", () => {
  it.each(PROTOCOLS)("%s: a certificate from the client CA is served", async (protocol) => {
    expect(await tryCall(mtlsServer, protocol, { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key })).toBe("OK");
  });

  it.each(PROTOCOLS)("%s: no client certificate is refused", async (protocol) => {
    expect(await tryCall(mtlsServer, protocol, { ca: pki.ca.cert })).toMatch(/certificate required/);
  });

  // TLS 1.3 refuses a client certificate after the client's side of the handshake: the call fails without a reason.
  it.each(PROTOCOLS)("%s: a certificate from another CA is refused", async (protocol) => {
    expect(await tryCall(mtlsServer, protocol, { ca: pki.ca.cert, cert: pki.otherClient.cert, key: pki.otherClient.key })).not.toBe("OK");
  });
});

describe("TLS files", () => {
  it("a missing file is named", () => {
    expect(() => loadServerTls({ certPath: join(dir, "nope.pem"), keyPath: pki.server.keyPath })).toThrow(
      /cannot read the TLS certificate ".*nope\.pem"/,
    );
  });

  it("a key that does not match the certificate is refused at start", () => {
    expect(() => loadServerTls({ certPath: pki.server.certPath, keyPath: pki.client.keyPath })).toThrow(
      /the TLS files are unusable \(certificate ".*server\.pem", key ".*client\.key"\): .*key values mismatch/,
    );
  });

  it("flagwire serve --tls-cert --tls-key serves https on both ports", async () => {
    const serve = await startServe([
      "--db", join(dir, "serve.db"), "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
      "--tls-cert", pki.server.certPath, "--tls-key", pki.server.keyPath,
    ]);
    try {
      expect(serve.started).toMatchObject({ tls: true, auth: false });
      expect(serve.started.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const http = createFlagClient({ baseUrl: serve.started.http as string, protocol: "connect", tls: { ca: pki.ca.cert } });
      const grpcClient = createFlagClient({ baseUrl: `https://${serve.started.grpc as string}`, tls: { ca: pki.ca.cert } });
      await grpcClient.createFeature({ name: "over-tls" });
      expect((await http.getFeature({ name: "over-tls" })).feature?.name).toBe("over-tls");
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it("flagwire serve refuses --tls-cert without --tls-key", async () => {
    await expect(
      startServe(["--db", join(dir, "half.db"), "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--tls-cert", pki.server.certPath]),
    ).rejects.toThrow(/--tls-cert and --tls-key go together/);
  });
});
