import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CreateFeatureRequestSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { createOriginPolicy } from "../../../src/server/http/origin-policy.js";
import { envelope, SERVICE, sendRaw, type RawResponse } from "../../support/raw-http.js";
import { runCli, startServe } from "../../support/run-cli.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// DNS rebinding and cross-origin browser calls: a web page the operator opens must not be able to change flags
// on a server without authentication, and CORS is off unless --allow-origin names the origins.

const CREATE = `/${SERVICE}/CreateFeature`;

function connectCreate(ts: TestServer, name: string, headers: Array<[string, string]>): Promise<RawResponse> {
  return sendRaw(ts.httpUrl, {
    path: CREATE,
    headers: [["content-type", "application/json"], ["connect-protocol-version", "1"], ...headers],
    body: JSON.stringify({ name }),
  });
}

function grpcWebCreate(ts: TestServer, name: string, headers: Array<[string, string]>): Promise<RawResponse> {
  return sendRaw(ts.httpUrl, {
    path: CREATE,
    headers: [["content-type", "application/grpc-web+proto"], ["x-grpc-web", "1"], ...headers],
    body: envelope(toBinary(CreateFeatureRequestSchema, create(CreateFeatureRequestSchema, { name }))),
  });
}

const hostOf = (ts: TestServer) => new URL(ts.httpUrl).host;
const corsHeaders = (res: RawResponse) => Object.keys(res.headers).filter((name) => name.startsWith("access-control-"));

describe("without authentication, without allow lists", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts.close());

  it.each([
    ["Connect JSON", connectCreate],
    ["gRPC-Web", grpcWebCreate],
  ])("refuses a foreign Host (DNS rebinding) over %s with 403, saying how to allow it, and stores nothing", async (_protocol, send) => {
    const before = await dumpState(ts.client());
    const port = new URL(ts.httpUrl).port;
    for (const host of ["attacker.example", `attacker.example:${port}`, "localhost.attacker.example", "127.0.0.1.nip.io"]) {
      const res = await send(ts, "rebound", [["host", host]]);
      expect(res.status, host).toBe(403);
      expect(JSON.parse(res.body)).toEqual({
        code: "permission_denied",
        message: expect.stringContaining(`Host ${JSON.stringify(host)} is not`),
      });
      expect(JSON.parse(res.body).message).toMatch(/--allow-host/);
      expect(corsHeaders(res)).toEqual([]);
    }
    expect(await dumpState(ts.client())).toEqual(before);
  });

  it("accepts loopback names and addresses, with and without a port", async () => {
    const port = new URL(ts.httpUrl).port;
    const hosts = ["localhost", `localhost:${port}`, "LOCALHOST", "dash.localhost", `127.0.0.1:${port}`, "127.1.2.3", "[::1]", `[::1]:${port}`];
    for (const [i, host] of hosts.entries()) {
      const res = await connectCreate(ts, `loopback-${i}`, [["host", host]]);
      expect(res.status, host).toBe(200);
    }
  });

  it("refuses a cross-origin POST and allows a same-origin one", async () => {
    const before = await dumpState(ts.client());
    const host = hostOf(ts);
    for (const origin of ["http://attacker.example", `https://${host}`, "http://localhost:1", "null"]) {
      const res = await connectCreate(ts, "cross", [["host", host], ["origin", origin]]);
      expect(res.status, origin).toBe(403);
      const error = JSON.parse(res.body) as { code: string; message: string };
      expect(error.code).toBe("permission_denied");
      expect(error.message).toContain(`Origin ${JSON.stringify(origin)}`);
      expect(error.message).toMatch(/--allow-origin/);
      expect(corsHeaders(res)).toEqual([]);
    }
    expect(await dumpState(ts.client())).toEqual(before);
    const same = await connectCreate(ts, "same-origin", [["host", host], ["origin", `http://${host}`]]);
    expect(same.status).toBe(200);
    expect(corsHeaders(same)).toEqual([]);
  });

  it("answers a preflight without any CORS header", async () => {
    const res = await sendRaw(ts.httpUrl, {
      method: "OPTIONS",
      path: CREATE,
      headers: [["host", hostOf(ts)], ["origin", "https://dash.example"], ["access-control-request-method", "POST"]],
    });
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
  });
});

describe("--allow-host and --allow-origin", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ allowHosts: ["flags.internal"], allowOrigins: ["https://dash.example"] });
  });
  afterAll(() => ts.close());

  it("accepts a listed Host", async () => {
    expect((await connectCreate(ts, "listed-host", [["host", "Flags.Internal:8080"]])).status).toBe(200);
    expect((await connectCreate(ts, "other-host", [["host", "flags.internal.attacker.example"]])).status).toBe(403);
  });

  it("answers a listed origin's preflight with what Connect and gRPC-Web clients send", async () => {
    const res = await sendRaw(ts.httpUrl, {
      method: "OPTIONS",
      path: CREATE,
      headers: [
        ["host", hostOf(ts)],
        ["origin", "https://dash.example"],
        ["access-control-request-method", "POST"],
        ["access-control-request-headers", "authorization, content-type, connect-protocol-version"],
      ],
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://dash.example");
    expect(res.headers.vary).toMatch(/origin/i);
    expect(res.headers["access-control-allow-methods"]).toBe("POST, GET");
    const allowed = String(res.headers["access-control-allow-headers"]).split(", ");
    for (const header of ["authorization", "content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "grpc-timeout"]) {
      expect(allowed).toContain(header);
    }
    expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("lets a listed origin call, exposing ETag and the gRPC-Web status headers", async () => {
    const res = await grpcWebCreate(ts, "from-dashboard", [["host", hostOf(ts)], ["origin", "https://dash.example"]]);
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("https://dash.example");
    expect(res.headers.vary).toMatch(/origin/i);
    const exposed = String(res.headers["access-control-expose-headers"]).toLowerCase().split(", ");
    for (const header of ["etag", "grpc-status", "grpc-message", "grpc-status-details-bin"]) expect(exposed).toContain(header);
  });

  it("still refuses an origin that is not listed, preflight and call alike", async () => {
    const before = await dumpState(ts.client());
    const preflight = await sendRaw(ts.httpUrl, {
      method: "OPTIONS",
      path: CREATE,
      headers: [["host", hostOf(ts)], ["origin", "https://dash.example.attacker.example"], ["access-control-request-method", "POST"]],
    });
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight)).toEqual([]);
    const call = await connectCreate(ts, "unlisted", [["host", hostOf(ts)], ["origin", "https://dash.example.attacker.example"]]);
    expect(call.status).toBe(403);
    expect(corsHeaders(call)).toEqual([]);
    expect(await dumpState(ts.client())).toEqual(before);
  });
});

describe("with authentication on", () => {
  it("does not check Host (a rebound page has no token), but still refuses foreign origins", async () => {
    const ts = await startTestServer({ bootstrapToken: "bootstrap-secret-for-the-origin-policy-tests-0123" });
    try {
      const bearer: [string, string] = ["authorization", "Bearer bootstrap-secret-for-the-origin-policy-tests-0123"];
      expect((await connectCreate(ts, "proxied", [["host", "flags.example.com"], bearer])).status).toBe(200);
      expect((await connectCreate(ts, "anonymous", [["host", "flags.example.com"]])).status).toBe(401);
      expect((await connectCreate(ts, "cross", [["host", hostOf(ts)], ["origin", "https://evil.example"], bearer])).status).toBe(403);
    } finally {
      await ts.close();
    }
  });
});

describe("flagwire serve --allow-host, --allow-origin", () => {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-origin-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  vi.setConfig({ testTimeout: 30_000 });

  it("takes them from flags and environment variables", async () => {
    const serve = await startServe(
      ["--db", join(dir, "flags.db"), "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--allow-host", "flags.internal, other.internal"],
      { env: { FLAGWIRE_ALLOW_ORIGIN: "https://dash.example,http://localhost:5173" } },
    );
    try {
      const url = String(serve.started.http);
      const headers: Array<[string, string]> = [["content-type", "application/json"], ["connect-protocol-version", "1"]];
      const create = (name: string, extra: Array<[string, string]>) => sendRaw(url, { path: CREATE, headers: [...headers, ...extra], body: JSON.stringify({ name }) });
      expect((await create("a", [["host", "other.internal"]])).status).toBe(200);
      expect((await create("b", [["host", "attacker.example"]])).status).toBe(403);
      const fromVite = await create("c", [["host", new URL(url).host], ["origin", "http://localhost:5173"]]);
      expect(fromVite.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    } finally {
      await serve.stop();
    }
  });

  it.each([
    [["--allow-origin", "https://dash.example/app"], `"https://dash.example/app" is not an origin: give scheme://host[:port] without a path`],
    [["--allow-origin", "dash.example"], `"dash.example" is not an origin`],
    [["--allow-host", "http://flags.internal"], `"http://flags.internal" is not a host name: give names like flags.internal, without scheme or port`],
    [["--allow-host", ","], "give at least one value"],
  ])("refuses %j with exit code 2, saying why", async (args, message) => {
    const result = await runCli(["serve", "--db", join(dir, "never.db"), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(dir, "never.db"))).toBe(false);
  });
});

describe("createOriginPolicy", () => {
  const policy = (allowOrigins: string[], authOn = false) =>
    createOriginPolicy({ allowHosts: [], allowOrigins, authEnabled: () => authOn, tls: false });

  it("answers '*' with '*', never with credentials", async () => {
    const preflight = policy(["*"])("OPTIONS", { host: "127.0.0.1:8080", origin: "https://any.example", "access-control-request-method": "POST" });
    expect(preflight.kind).toBe("answer");
    const header = (preflight.kind === "answer" ? preflight.response.header : undefined) ?? new Headers();
    expect(header.get("access-control-allow-origin")).toBe("*");
    expect(header.get("access-control-allow-credentials")).toBeNull();
    expect(policy(["*"])("POST", { host: "127.0.0.1:8080", origin: "https://any.example" })).toMatchObject({
      kind: "serve",
      header: { "access-control-allow-origin": "*" },
    });
  });

  it("refuses a malformed Host while auth is off, and serves any Host while it is on", () => {
    for (const host of ["a:b:c", "[::1", "localhost:http", ""]) expect(policy([])("POST", { host }).kind, host).toBe("refuse");
    expect(policy([], true)("POST", { host: "attacker.example" }).kind).toBe("serve");
  });

  it("matches the server's own origin with its scheme and port, as browsers normalize it", () => {
    expect(policy([])("POST", { host: "localhost:80", origin: "http://localhost" }).kind).toBe("serve");
    expect(policy([])("POST", { host: "LOCALHOST:8080", origin: "http://localhost:8080" }).kind).toBe("serve");
    expect(policy([])("POST", { host: "localhost:8080", origin: "http://localhost:8081" }).kind).toBe("refuse");
  });
});
