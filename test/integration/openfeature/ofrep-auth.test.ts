import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { BULK_PATH, flagPath, postOfrep } from "../../support/ofrep-http.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// OFREP with authentication on: the same call guard as every RPC (a reader token is enough), the token as
// `Authorization: Bearer` or `X-API-Key`, and an event stream that ends when its token is revoked.

const BOOTSTRAP = "fw_ofrep-auth-bootstrap-secret-0000000000000000000";
let ts: TestServer;
let reader: string;

beforeAll(async () => {
  ts = await startTestServer({ bootstrapToken: BOOTSTRAP });
  reader = (await ts.tokenClient("connect", BOOTSTRAP).createToken({ name: "reader", role: TokenRole.READER })).secret;
  await ts.client("connect", undefined, BOOTSTRAP).createFeature({ name: "dashboard", enabled: true });
});
afterAll(() => ts.close());

describe.each([
  ["single flag", flagPath("dashboard")],
  ["bulk", BULK_PATH],
])("%s", (_name, path) => {
  it.each([
    ["Authorization: Bearer", () => ({ authorization: `Bearer ${reader}` })],
    ["X-API-Key", () => ({ "x-api-key": reader })],
    ["both, agreeing", () => ({ authorization: `Bearer ${reader}`, "x-api-key": reader })],
  ])("a reader token as %s is admitted", async (_how, headers) => {
    const out = await postOfrep(ts.httpUrl, path, { context: {} }, headers());
    expect(out.status).toBe(200);
  });

  it.each([
    ["no token", () => ({}), /needs an API token with role reader, editor or admin/],
    ["an unknown token", () => ({ "x-api-key": "fw_never-issued-0000000000000000000000000000000" }), /API token is not valid/],
    ["a malformed header", () => ({ authorization: "Basic abc" }), /not of the form "Bearer <token>"/],
    ["two different tokens", () => ({ authorization: `Bearer ${BOOTSTRAP}`, "x-api-key": reader }), /several authorization headers, which is ambiguous/],
  ])("%s is 401", async (_what, headers, details) => {
    const before = await dumpState(ts.client("connect", undefined, BOOTSTRAP));
    const out = await postOfrep(ts.httpUrl, path, { context: {} }, headers());
    expect(out.status).toBe(401);
    expect(out.body).toMatchObject({ errorCode: "GENERAL" });
    expect(out.body?.errorDetails).toMatch(details);
    expect(await dumpState(ts.client("connect", undefined, BOOTSTRAP))).toEqual(before);
  });

  it("a page of a foreign origin is 403, token or not", async () => {
    const out = await postOfrep(ts.httpUrl, path, { context: {} }, { authorization: `Bearer ${reader}`, origin: "https://evil.example" });
    expect(out.status).toBe(403);
    expect(out.body?.message).toMatch(/cross-origin requests from Origin "https:\/\/evil.example" are not allowed: start the server with --allow-origin/);
  });
});

describe("event stream", () => {
  it("needs a token, and ends when its token is revoked", async () => {
    const refused = await fetch(`${ts.httpUrl}/ofrep/v1/events`);
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
    const doomed = (await ts.tokenClient("connect", BOOTSTRAP).createToken({ name: "doomed", role: TokenRole.READER })).secret;
    const res = await fetch(`${ts.httpUrl}/ofrep/v1/events`, { headers: { "x-api-key": doomed }, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const text = res.text();
    await ts.tokenClient("connect", BOOTSTRAP).revokeToken({ name: "doomed" });
    // The stream ends (the body completes) with a comment saying why.
    expect(await text).toMatch(/revoked/);
  });

  it("bulk answers carry a sealed ticket for EventSource, which sends no headers; a forged or revoked one is 401", async () => {
    const holder = (await ts.tokenClient("connect", BOOTSTRAP).createToken({ name: "holder", role: TokenRole.READER })).secret;
    const bulk = await postOfrep(ts.httpUrl, BULK_PATH, { context: {} }, { "x-api-key": holder });
    const [stream] = bulk.body?.eventStreams as Array<{ endpoint: { requestUri: string } }>;
    const uri = stream?.endpoint.requestUri ?? "";
    expect(uri).toMatch(/^\/ofrep\/v1\/events\?ticket=[A-Za-z0-9_-]+$/);
    expect(uri).not.toContain(holder);
    const abort = new AbortController();
    const opened = await fetch(`${ts.httpUrl}${uri}`, { signal: abort.signal });
    expect(opened.status).toBe(200);
    abort.abort();
    const forged = await postOfrep(ts.httpUrl, `${uri.slice(0, -4)}AAAA`, undefined, {}, "GET");
    expect(forged.status).toBe(401);
    expect(forged.body?.errorDetails).toMatch(/ticket is not valid .*POST \/ofrep\/v1\/evaluate\/flags again/);
    await ts.tokenClient("connect", BOOTSTRAP).revokeToken({ name: "holder" });
    const revoked = await postOfrep(ts.httpUrl, uri, undefined, {}, "GET");
    expect(revoked.status).toBe(401);
    expect(revoked.body?.errorDetails).toMatch(/"holder" was revoked/);
  });
});
