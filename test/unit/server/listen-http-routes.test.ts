import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import type { HttpRoute } from "../../../src/server/http/http-route.js";
import { listenHttp, type HttpListener } from "../../../src/server/http/listen-http.js";
import type { RefusedRpc } from "../../../src/server/rpc-interceptor.js";

// A route plugged in after the RPCs, as /metrics, /ofrep/v1/* and the dashboard's files will be.
const metrics: HttpRoute = {
  match: (path, method) =>
    path === "/metrics" && method === "GET"
      ? { name: "/metrics", handle: async ({ res }) => void res.end("flagwire_up 1\n") }
      : undefined,
};

const refused: RefusedRpc[] = [];
let listener: HttpListener;

beforeAll(async () => {
  listener = await listenHttp({
    address: "127.0.0.1:0",
    services: [{ service: FeatureFlagService, impl: {} }],
    readMaxBytes: 65536,
    requestTimeoutMs: 10_000,
    shutdownSignal: new AbortController().signal,
    origins: { allowHosts: [], allowOrigins: [], authEnabled: () => false },
    maxConnections: 100,
    cutOffGraceMs: 1000,
    onRefused: (r) => refused.push(r),
    routes: [metrics],
  });
});

afterAll(() => listener.close(0));

function send(method: string, path: string, headers: Record<string, string> = {}, body = ""): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: listener.port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("listenHttp's route table", () => {
  it("serves a plugged-in route after the RPCs, under the same Host policy", async () => {
    expect(await send("GET", "/metrics")).toEqual({ status: 200, body: "flagwire_up 1\n" });
    const rebound = await send("GET", "/metrics", { host: "evil.example" });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: "permission_denied", message: expect.stringMatching(/^Host "evil\.example" is not this server's/) });
  });

  it("still sends the RPC paths to connect, and what no route serves to the 404 naming the main service", async () => {
    const rpc = await send("POST", `/${FeatureFlagService.typeName}/GetFeature`, { "content-type": "application/json" }, '{"name":"a"}');
    expect(JSON.parse(rpc.body)).toMatchObject({ code: "unimplemented" });
    const missing = await send("POST", "/metrics");
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ code: "unimplemented", message: expect.stringMatching(/^no RPC at "\/metrics": call \/flagwire\.v1\.FeatureFlagService\/<Method>/) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(refused.map((r) => [r.method, r.httpStatus])).toContainEqual(["/metrics", 404]);
  });
});
