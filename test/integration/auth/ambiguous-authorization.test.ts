import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateFeatureRequestSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { createFlagClient } from "../../../src/client/create-flag-client.js";
import { startH2HeaderProxy, type H2HeaderProxy } from "../../support/h2-header-proxy.js";
import { envelope, envelopes, SERVICE, sendRaw } from "../../support/raw-http.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Two authorization headers are ambiguous: which one did the caller mean? Both listeners used to take the first
// silently (node keeps only the first of a repeated authorization header); now the call is refused.

const ADMIN = "bootstrap-secret-for-the-ambiguous-authorization-tests-0123";
const AMBIGUOUS = /^the request has several authorization headers, which is ambiguous: send the header "authorization: Bearer <token>" once$/;

let ts: TestServer;
let proxies: H2HeaderProxy[] = [];
beforeAll(async () => {
  ts = await startTestServer({ bootstrapToken: ADMIN });
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await ts.close();
});

const admin = () => ts.client("grpc", undefined, ADMIN);

describe.each([
  ["a second valid token", `Bearer ${ADMIN}`],
  ["garbage", "Bearer nope"],
])("the admin token followed by %s", (_case, second) => {
  it.each([
    ["Connect JSON", "application/json", JSON.stringify({ name: "twice" })],
    ["gRPC-Web", "application/grpc-web+proto", envelope(toBinary(CreateFeatureRequestSchema, create(CreateFeatureRequestSchema, { name: "twice" })))],
  ])("is refused over %s, UNAUTHENTICATED, and nothing is stored", async (protocol, contentType, body) => {
    const before = await dumpState(admin());
    const res = await sendRaw(ts.httpUrl, {
      path: `/${SERVICE}/CreateFeature`,
      headers: [
        ["host", new URL(ts.httpUrl).host],
        ["content-type", contentType],
        protocol === "gRPC-Web" ? ["x-grpc-web", "1"] : ["connect-protocol-version", "1"],
        ["authorization", `Bearer ${ADMIN}`],
        ["authorization", second],
      ],
      body,
    });
    if (protocol === "gRPC-Web") {
      const trailer = envelopes(res.bytes).find((frame) => frame.flags & 0x80)?.data.toString("utf8") ?? "";
      expect(trailer).toMatch(/grpc-status: ?16/);
      expect(decodeURIComponent(/grpc-message: ?(.*)/.exec(trailer)?.[1]?.trim() ?? "")).toMatch(AMBIGUOUS);
    } else {
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ code: "unauthenticated", message: expect.stringMatching(AMBIGUOUS) });
    }
    expect(await dumpState(admin())).toEqual(before);
  });

  it("is refused on the native gRPC listener, UNAUTHENTICATED, and nothing is stored", async () => {
    const proxy = await startH2HeaderProxy({ host: "127.0.0.1", port: ts.server.grpcPort }, "authorization", second);
    proxies.push(proxy);
    const before = await dumpState(admin());
    const client = createFlagClient({ baseUrl: proxy.url, protocol: "grpc", token: ADMIN });
    const error = await client.createFeature({ name: "twice" }).then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    expect(error?.code).toBe(16);
    expect(error?.rawMessage).toMatch(AMBIGUOUS);
    expect(await dumpState(admin())).toEqual(before);
  });
});

it("one authorization header still works through the proxy and on HTTP", async () => {
  const proxy = await startH2HeaderProxy({ host: "127.0.0.1", port: ts.server.grpcPort }, "x-unrelated", "1");
  proxies.push(proxy);
  await createFlagClient({ baseUrl: proxy.url, protocol: "grpc", token: ADMIN }).createFeature({ name: "once-grpc" });
  await ts.client("connect", undefined, ADMIN).createFeature({ name: "once-http" });
  expect((await admin().listFeatures({})).features.map((f) => f.name)).toEqual(["once-grpc", "once-http"]);
});
