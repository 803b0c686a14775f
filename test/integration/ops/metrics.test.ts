import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { parsePrometheusText, type PromExposition } from "../../support/prometheus-text.js";
import { connectRawGrpc } from "../../support/raw-grpc.js";
import { sendRaw } from "../../support/raw-http.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

const SERVICE = "flagwire.v1.FeatureFlagService";

async function scrape(ts: TestServer, token?: string): Promise<PromExposition> {
  const response = await sendRaw(ts.httpUrl, {
    method: "GET",
    path: "/metrics",
    headers: [["host", `127.0.0.1:${ts.server.httpPort}`], ...(token ? ([["authorization", `Bearer ${token}`]] as [string, string][]) : [])],
  });
  expect(response.status, response.body).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

const calls = (m: PromExposition, labels: Record<string, string>) => m.value("flagwire_rpc_calls_total", labels) ?? 0;

describe("GET /metrics", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    await ts.client().createFeature({ name: "dashboard", enabled: true });
  });
  afterAll(() => ts.close());

  it("counts each protocol's calls by code, with a latency histogram that agrees", async () => {
    for (const protocol of PROTOCOLS) {
      const client = ts.client(protocol);
      await client.evaluate({ feature: "dashboard", userId: "u1" });
      await client.evaluate({ feature: "dashboard", userId: "u2" });
      await expect(client.evaluate({ feature: "nope" })).rejects.toThrow(/nope/);
    }
    const m = await scrape(ts);
    for (const protocol of PROTOCOLS) {
      const ok = { service: SERVICE, method: "Evaluate", protocol, code: "OK" };
      expect(calls(m, ok), protocol).toBe(2);
      expect(calls(m, { ...ok, code: "NOT_FOUND" }), protocol).toBe(1);
      expect(m.value("flagwire_rpc_duration_seconds_count", ok)).toBe(2);
      expect(m.value("flagwire_rpc_duration_seconds_bucket", { ...ok, le: "+Inf" })).toBe(2);
    }
    expect(m.types.get("flagwire_rpc_duration_seconds")).toBe("histogram");
    // The default process metrics are on this server's registry.
    expect(m.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("counts requests refused before any handler, on both listeners, without a label per path", async () => {
    const raw = connectRawGrpc(ts.grpcUrl);
    try {
      expect((await raw.post("Evaluate", Buffer.from([0, 0, 0, 0, 3, 0xff, 0xff, 0xff]))).code).toBe("invalid_argument");
      expect((await raw.post("NoSuchMethod", Buffer.alloc(5))).code).toBe("unimplemented");
    } finally {
      raw.close();
    }
    const host: [string, string] = ["host", `127.0.0.1:${ts.server.httpPort}`];
    expect((await sendRaw(ts.httpUrl, { path: "/no/such/path-1", headers: [host, ["content-type", "application/json"]], body: "{}" })).status).toBe(404);
    expect((await sendRaw(ts.httpUrl, { path: "/no/such/path-2", headers: [host, ["content-type", "application/json"]], body: "{}" })).status).toBe(404);
    const wrongType = await sendRaw(ts.httpUrl, { path: `/${SERVICE}/Evaluate`, headers: [host, ["content-type", "text/csv"]], body: "x" });
    expect(wrongType.status).toBe(415);
    // A refusal is reported once its response has closed, which may come just after the client read it.
    await expect.poll(async () => calls(await scrape(ts), { service: SERVICE, method: "Evaluate", protocol: "http", code: "UNIMPLEMENTED" })).toBe(1);
    const m = await scrape(ts);
    expect(calls(m, { service: SERVICE, method: "Evaluate", protocol: "grpc", code: "INVALID_ARGUMENT" })).toBe(1);
    expect(calls(m, { service: "unknown", method: "unknown", protocol: "grpc", code: "UNIMPLEMENTED" })).toBe(1);
    expect(calls(m, { service: "unknown", method: "unknown", protocol: "http", code: "UNIMPLEMENTED" })).toBe(2);
    expect(calls(m, { service: SERVICE, method: "Evaluate", protocol: "http", code: "UNIMPLEMENTED" })).toBe(1);
    expect(m.samples.some((s) => Object.values(s.labels).some((v) => v.includes("path-")))).toBe(false);
  });

  it("shows open watchers by kind and protocol, the revision and the state's sizes", async () => {
    const aborts = PROTOCOLS.map(() => new AbortController());
    const streams = PROTOCOLS.map(async (protocol, i) => {
      try {
        for await (const _ of ts.client(protocol).watchChanges({}, { signal: aborts[i]?.signal })) void _;
      } catch {
        // aborted
      }
    });
    const open = async (protocol: string) => (await scrape(ts)).value("flagwire_watchers_open", { kind: "WatchChanges", protocol }) ?? 0;
    for (const protocol of PROTOCOLS) {
      for (let i = 0; i < 200 && (await open(protocol)) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await open(protocol), protocol).toBe(1);
    }
    await ts.client().createCustomer({ id: "acme" });
    await ts.client().setOverride({ feature: "dashboard", target: { kind: { case: "customerId", value: "acme" } }, enabled: false });
    const m = await scrape(ts);
    expect(m.value("flagwire_revision")).toBe(ts.server.engine.revision);
    expect(m.value("flagwire_revision")).toBe(3);
    expect(m.value("flagwire_state_size", { kind: "features" })).toBe(1);
    expect(m.value("flagwire_state_size", { kind: "customers" })).toBe(1);
    expect(m.value("flagwire_state_size", { kind: "overrides" })).toBe(1);
    expect(m.value("flagwire_group_commit_writes_count")).toBeGreaterThanOrEqual(3);
    expect(m.value("flagwire_storage_errors_total", { operation: "write" })).toBe(0);
    for (const abort of aborts) abort.abort();
    await Promise.all(streams);
    for (const protocol of PROTOCOLS) {
      for (let i = 0; i < 200 && (await open(protocol)) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await open(protocol), protocol).toBe(0);
    }
  });
});

describe("GET /metrics with authentication on", () => {
  const BOOTSTRAP = "fw_bootstrap_metrics_secret_0123456789";
  let ts: TestServer;
  let open: TestServer;
  let reader: string;
  beforeAll(async () => {
    ts = await startTestServer({ bootstrapToken: BOOTSTRAP });
    open = await startTestServer({ bootstrapToken: BOOTSTRAP, protect: { publicMetrics: true } });
    reader = (await ts.tokenClient("connect", BOOTSTRAP).createToken({ name: "prometheus", role: TokenRole.READER })).secret;
  });
  afterAll(async () => {
    await ts.close();
    await open.close();
  });

  it("needs a reader token unless --public-metrics, and takes GET only", async () => {
    const get = (server: TestServer, headers: Array<[string, string]> = [], method = "GET") =>
      sendRaw(server.httpUrl, { method, path: "/metrics", headers: [["host", `127.0.0.1:${server.server.httpPort}`], ...headers] });
    const none = await get(ts);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).message).toMatch(/needs an API token with role reader/);
    expect((await get(ts, [["authorization", "Bearer fw_wrong"]])).status).toBe(401);
    expect((await get(ts, [["authorization", `Bearer ${reader}`], ["authorization", `Bearer ${reader}`]])).status).toBe(401);
    const m = await scrape(ts, reader);
    expect(calls(m, { service: "flagwire.http.Metrics", method: "Scrape", protocol: "http", code: "UNAUTHENTICATED" })).toBe(3);
    expect((await get(open)).status).toBe(200);
    const post = await get(ts, [["authorization", `Bearer ${reader}`]], "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });
});
