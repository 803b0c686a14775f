import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RefusedRpc } from "../../../src/server/rpc-interceptor.js";
import { createRouteListener } from "../../../src/server/http/create-route-listener.js";
import type { HttpRoute, RouteTarget } from "../../../src/server/http/http-route.js";
import type { OriginDecision } from "../../../src/server/http/origin-policy.js";
import { errorResponse } from "../../../src/server/http/routing-refusal.js";

const served: string[] = [];
const refused: RefusedRpc[] = [];

/** A target that answers 200 with its name, or refuses (409) when asked to by the x-refuse header. */
function target(name: string, { logsItself = false } = {}): RouteTarget {
  return {
    name,
    async handle(exchange) {
      served.push(name);
      if (logsItself) exchange.handlerLogged = () => true;
      if (exchange.req.headers["x-refuse"]) return exchange.refuse(refusal(409, `${name} refused`));
      if (exchange.req.headers["x-fail"]) throw new Error(`${name} failed`);
      exchange.res.end(name);
    },
  };
}

function refusal(status: number, message: string) {
  const error = new ConnectError(message, Code.FailedPrecondition);
  return { error, response: errorResponse(status, error) };
}

const prefix = (path: string, t: RouteTarget): HttpRoute => ({ match: (p) => (p.startsWith(path) ? t : undefined) });

const routes: HttpRoute[] = [
  prefix("/rpc/", target("pkg.Service/Method")),
  prefix("/rpc/", target("never: an earlier route serves /rpc/")),
  { match: (path, method) => (path === "/metrics" && method === "GET" ? target("/metrics") : undefined) },
  prefix("/logged/", target("pkg.Service/Logged", { logsItself: true })),
];

/** Refuses `x-foreign: 1`, answers `x-preflight: 1` itself, and adds a CORS header to everything else. */
function originPolicy(_method: string, headers: Record<string, unknown>): OriginDecision {
  if (headers["x-foreign"]) return { kind: "refuse", refusal: refusal(403, "foreign origin") };
  if (headers["x-preflight"]) return { kind: "answer", response: { status: 204, header: new Headers({ "x-answered": "policy" }) } };
  return { kind: "serve", header: { "access-control-allow-origin": "https://dash.example" } };
}

let server: Server;
let base: string;

beforeAll(async () => {
  const listener = createRouteListener({
    routes,
    notFound: (path) => refusal(404, `nothing at ${path}`),
    originPolicy,
    onRefused: (r) => refused.push(r),
  });
  server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  served.length = 0;
  refused.length = 0;
});

/** The answer, and the refusals reported for it once its response has closed. */
async function call(path: string, init: RequestInit = {}) {
  refused.length = 0;
  const res = await fetch(`${base}${path}`, init);
  const body = await res.text();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { status: res.status, body, header: res.headers, refused: refused.map((r) => ({ method: r.method, message: r.error.rawMessage, httpStatus: r.httpStatus })) };
}

describe("createRouteListener", () => {
  it("serves a request by the first route that matches it, in table order, with the policy's headers", async () => {
    const answer = await call("/rpc/x?query=1");
    expect(answer).toMatchObject({ status: 200, body: "pkg.Service/Method", refused: [] });
    expect(answer.header.get("access-control-allow-origin")).toBe("https://dash.example");
    expect(served).toEqual(["pkg.Service/Method"]);
  });

  it("lets a route match on the HTTP method, and gives a path no route serves the 404, logged by its path", async () => {
    expect(await call("/metrics")).toMatchObject({ status: 200, body: "/metrics" });
    expect(await call("/metrics", { method: "POST" })).toMatchObject({
      status: 404,
      refused: [{ method: "/metrics", message: "nothing at /metrics", httpStatus: 404 }],
    });
  });

  it("applies the origin policy before any route: a refused request reaches none, and is logged by the route's name", async () => {
    expect(await call("/rpc/x", { headers: { "x-foreign": "1" } })).toMatchObject({
      status: 403,
      refused: [{ method: "pkg.Service/Method", message: "foreign origin", httpStatus: 403 }],
    });
    expect(await call("/nowhere", { headers: { "x-foreign": "1" } })).toMatchObject({ status: 403, refused: [{ method: "/nowhere" }] });
    const preflight = await call("/rpc/x", { method: "OPTIONS", headers: { "x-preflight": "1" } });
    expect(preflight).toMatchObject({ status: 204, refused: [] });
    expect(preflight.header.get("x-answered")).toBe("policy");
    expect(served).toEqual([]);
  });

  it("logs a route's refusal once, unless the route's handlers logged the request themselves", async () => {
    expect(await call("/rpc/x", { headers: { "x-refuse": "1" } })).toMatchObject({
      status: 409,
      refused: [{ method: "pkg.Service/Method", message: "pkg.Service/Method refused", httpStatus: 409 }],
    });
    expect(await call("/logged/x", { headers: { "x-refuse": "1" } })).toMatchObject({ status: 409, refused: [] });
  });

  it("closes the connection of a request whose route fails, and logs the failure", async () => {
    await expect(fetch(`${base}/rpc/x`, { headers: { "x-fail": "1" } })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(refused.map((r) => ({ method: r.method, message: r.error.rawMessage, httpStatus: r.httpStatus }))).toEqual([
      { method: "pkg.Service/Method", message: "pkg.Service/Method failed", httpStatus: undefined },
    ]);
  });
});
