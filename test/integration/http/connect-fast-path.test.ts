import { connect } from "node:net";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { SERVICE } from "../../support/raw-http.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// The Connect JSON fast path (src/server/http/connect-json-fast-path.ts) answers exactly what connect-node answers:
// the same request goes to a server with it and to one without it (httpFastPath: false), and the raw HTTP answers
// (status line, headers but Date, body), the log lines, the metrics and the usage counts must be the same.

const ORIGIN = "https://app.example";
const BOOTSTRAP = "fast-path-bootstrap-secret-0123456789abcdef";

interface Side {
  ts: TestServer;
  lines: Record<string, unknown>[];
  tokens: { reader: string; writer: string };
}

function sinkInto(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

async function startSide(fast: boolean, auth: boolean): Promise<Side> {
  const lines: Record<string, unknown>[] = [];
  const ts = await startTestServer({
    logger: pino({ level: "debug" }, sinkInto(lines)),
    maxRequestBytes: 16 * 1024,
    allowOrigins: [ORIGIN],
    ...(fast ? {} : { httpFastPath: false }),
    ...(auth ? { bootstrapToken: BOOTSTRAP } : {}),
  });
  const admin = auth ? BOOTSTRAP : undefined;
  const client = ts.client("connect", "test", admin);
  // The same changes in the same order: both databases hold the same revisions.
  await client.createFeature({ name: "dashboard", enabled: true });
  await client.createFeature({ name: "beta", enabled: false });
  await client.createFeature({ name: "rollout", enabled: false });
  await client.createCustomer({ id: "acme" });
  await client.createUser({ id: "ann", customerId: "acme" });
  await client.setOverride({ feature: "beta", target: { kind: { case: "customerId", value: "acme" } }, enabled: true });
  await client.setOverride({ feature: "beta", target: { kind: { case: "userId", value: "ann" } }, enabled: false });
  // Everyone is inside: each database salts its features differently, and a partial rollout would split them apart.
  await client.setRollout({ feature: "rollout", rollout: { basisPoints: 10_000 } });
  const tokens = { reader: "", writer: "" };
  if (auth) {
    const tokenClient = ts.tokenClient("connect", BOOTSTRAP);
    tokens.reader = (await tokenClient.createToken({ name: "app", role: 1 })).secret;
    tokens.writer = (await tokenClient.createToken({ name: "ops", role: 2 })).secret;
  }
  return { ts, lines, tokens };
}

/** One HTTP/1.1 exchange on its own connection, as bytes; `Connection: close` ends it. */
function exchange(port: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  });
}

/** What a client sees of an answer: all but the Date header. */
function shown(raw: string): string {
  return raw.replace(/\r\nDate: [^\r]*/i, "");
}

interface Case {
  name: string;
  method?: "POST" | "GET" | "PUT";
  rpc?: "Evaluate" | "EvaluateAll";
  /** The query of a GET, after `?`. */
  query?: string;
  body?: string | Buffer;
  /** Headers besides Host and Connection; `content-type: application/json` unless given. */
  headers?: Record<string, string>;
  /** Sends the body chunked rather than with a Content-Length. */
  chunked?: boolean;
  token?: "reader" | "writer" | "bogus";
  /** The answer is a 200 (so that the comparison covers answers, not only refusals). */
  ok?: true;
}

const EVAL = (fields: Record<string, unknown>) => JSON.stringify({ feature: "beta", ...fields });
const q = (message: string, extra = "connect=v1&encoding=json") => `${extra}&message=${encodeURIComponent(message)}`;

const CASES: Case[] = [
  { name: "a user of a customer (user override)", ok: true, body: EVAL({ customerId: "acme", userId: "ann" }) },
  { name: "a customer (customer override)", body: EVAL({ customerId: "acme" }) },
  { name: "snake_case fields", ok: true, body: EVAL({ customer_id: "acme", user_id: "bob" }) },
  { name: "the default", body: JSON.stringify({ feature: "dashboard" }) },
  { name: "a rollout", body: JSON.stringify({ feature: "rollout", userId: "u-17" }) },
  { name: "a rollout without its id", body: JSON.stringify({ feature: "rollout" }) },
  { name: "charset=utf-8", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json; charset=utf-8" } },
  { name: "protocol version 1", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", "connect-protocol-version": "1" } },
  { name: "accept-encoding gzip", ok: true, body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", "accept-encoding": "gzip, br" } },
  { name: "a CORS request", ok: true, body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", origin: ORIGIN } },
  { name: "a CORS request of a foreign origin", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", origin: "https://evil.example" } },
  { name: "a CORS GET", method: "GET", query: q(EVAL({})), headers: { origin: ORIGIN } },
  { name: "an unknown feature", body: JSON.stringify({ feature: "nope" }) },
  { name: "a malformed feature name", body: JSON.stringify({ feature: "a b" }) },
  { name: "no feature", body: "{}" },
  { name: "non-ASCII ids", body: EVAL({ customerId: "äcme", userId: "анна" }) },
  { name: "an id too long", body: EVAL({ userId: "u".repeat(300) }) },
  { name: "a feature name too long", body: JSON.stringify({ feature: "f".repeat(2000) }), headers: { "content-type": "application/json", "accept-encoding": "gzip" } },
  { name: "an empty body", body: "" },
  { name: "bad JSON", body: "{feature: beta}" },
  { name: "JSON cut short", body: '{"feature": "beta"' },
  { name: "an array", body: "[]" },
  { name: "a string", body: '"beta"' },
  { name: "null", body: "null" },
  { name: "an unknown field", body: EVAL({ tenant: "x" }) },
  { name: "__proto__", body: '{"feature":"beta","__proto__":{"userId":"ann"}}' },
  { name: "a number", body: JSON.stringify({ feature: 7 }) },
  { name: "a null field", body: EVAL({ userId: null }) },
  { name: "both spellings", body: EVAL({ userId: "ann", user_id: "bob" }) },
  { name: "a key twice", body: '{"feature":"beta","userId":"ann","userId":"bob"}' },
  { name: "a byte-order mark", body: `\uFEFF${EVAL({})}` },
  { name: "bytes that are not UTF-8", body: Buffer.concat([Buffer.from('{"feature":"beta","userId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) },
  { name: "escaped characters", body: '{"feature":"be\\u0074a","userId":"a\\"n\\n"}' },
  { name: "an escaped key and control characters", body: '{"user\\u0049d":"a\\u0000\\ud800","feature":"beta"}' },
  { name: "a raw control character", body: '{"feature":"be\tta"}' },
  { name: "a body past the limit", body: EVAL({ userId: "x".repeat(20_000) }) },
  { name: "a chunked body", body: EVAL({ userId: "ann" }), chunked: true },
  { name: "gzip", body: gzipSync(EVAL({ userId: "ann" })), headers: { "content-type": "application/json", "content-encoding": "gzip" } },
  { name: "a timeout", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", "connect-timeout-ms": "1000" } },
  { name: "protocol version 2", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", "connect-protocol-version": "2" } },
  { name: "upper-case content type", body: EVAL({ userId: "ann" }), headers: { "content-type": "Application/JSON" } },
  { name: "binary protobuf", body: Buffer.from([0x0a, 0x04, 0x62, 0x65, 0x74, 0x61]), headers: { "content-type": "application/proto" } },
  { name: "a content type connect does not take", body: EVAL({}), headers: { "content-type": "text/plain" } },
  { name: "PUT", method: "PUT", body: EVAL({}) },
  { name: "GET", ok: true, method: "GET", query: q(EVAL({ customerId: "acme" })) },
  { name: "GET without connect=v1", ok: true, method: "GET", query: q(EVAL({ userId: "ann" }), "encoding=json") },
  { name: "GET with the message first", method: "GET", query: `message=${encodeURIComponent(EVAL({}))}&encoding=json&connect=v1` },
  { name: "GET with non-ASCII ids", method: "GET", query: q(EVAL({ userId: "ünïcode" })) },
  { name: "GET of an unknown feature", method: "GET", query: q(JSON.stringify({ feature: "nope" })) },
  { name: "GET with bad JSON", method: "GET", query: q("{nope") },
  { name: "GET with an unknown field", method: "GET", query: q(EVAL({ tenant: "x" })) },
  { name: "GET with bytes that are not UTF-8", method: "GET", query: `connect=v1&encoding=json&message=%7B%22feature%22%3A%22%FF%22%7D` },
  { name: "GET with base64", method: "GET", query: `connect=v1&encoding=json&base64=1&message=${Buffer.from(EVAL({})).toString("base64url")}` },
  { name: "GET with bad base64", method: "GET", query: "connect=v1&encoding=json&base64=1&message=%%%" },
  { name: "GET with an unknown parameter", method: "GET", query: `${q(EVAL({}))}&x=1` },
  { name: "GET with the message twice", method: "GET", query: `${q(EVAL({}))}&message=${encodeURIComponent(EVAL({ userId: "ann" }))}` },
  { name: "GET without a message", method: "GET", query: "connect=v1&encoding=json" },
  { name: "GET with encoding=proto", method: "GET", query: "connect=v1&encoding=proto&message=%0A%04beta" },
  { name: "GET with connect=v2", method: "GET", query: q(EVAL({}), "connect=v2&encoding=json") },
  { name: "GET with compression", method: "GET", query: `${q(EVAL({}))}&compression=gzip` },
  { name: "EvaluateAll", ok: true, rpc: "EvaluateAll", body: JSON.stringify({ customerId: "acme", userId: "ann" }) },
  { name: "EvaluateAll with no context", rpc: "EvaluateAll", body: "{}" },
  { name: "EvaluateAll with accept-encoding", rpc: "EvaluateAll", body: "{}", headers: { "content-type": "application/json", "accept-encoding": "gzip" } },
  { name: "EvaluateAll with an unknown field", rpc: "EvaluateAll", body: JSON.stringify({ feature: "beta" }) },
  { name: "EvaluateAll with a bad id", rpc: "EvaluateAll", body: JSON.stringify({ userId: "a b" }) },
  { name: "EvaluateAll by GET", ok: true, rpc: "EvaluateAll", method: "GET", query: q(JSON.stringify({ user_id: "ann" })) },
];

const AUTH_CASES: Case[] = [
  { name: "no token", body: EVAL({ userId: "ann" }) },
  { name: "a reader token", ok: true, body: EVAL({ userId: "ann" }), token: "reader" },
  { name: "a writer token", body: EVAL({ userId: "ann" }), token: "writer" },
  { name: "a token this server did not issue", body: EVAL({ userId: "ann" }), token: "bogus" },
  { name: "a malformed authorization header", body: EVAL({ userId: "ann" }), headers: { "content-type": "application/json", authorization: "Token x" } },
  { name: "GET with a reader token", ok: true, method: "GET", query: q(EVAL({})), token: "reader" },
  { name: "GET without a token", method: "GET", query: q(EVAL({})) },
  { name: "EvaluateAll with a reader token", ok: true, rpc: "EvaluateAll", body: "{}", token: "reader" },
  { name: "EvaluateAll without a token", rpc: "EvaluateAll", body: "{}" },
];

function requestOf(side: Side, c: Case): { head: string; body: Buffer } {
  const method = c.method ?? "POST";
  const path = `/${SERVICE}/${c.rpc ?? "Evaluate"}${c.query === undefined ? "" : `?${c.query}`}`;
  const headers: Record<string, string> = { ...(c.headers ?? (method === "GET" ? {} : { "content-type": "application/json" })) };
  if (c.token) headers.authorization = `Bearer ${c.token === "bogus" ? "not-a-token" : side.tokens[c.token]}`;
  let body = c.body === undefined ? Buffer.alloc(0) : Buffer.from(c.body);
  if (method !== "GET") {
    if (c.chunked) {
      headers["transfer-encoding"] = "chunked";
      body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
    } else {
      headers["content-length"] = String(body.length);
    }
  }
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${side.ts.server.httpPort}`, "Connection: close", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return { head: `${lines.join("\r\n")}\r\n\r\n`, body };
}

/** A log line without what differs from run to run. */
function stable(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, pid: _pid, hostname: _hostname, durationMs, ...rest } = line;
  return { ...rest, durationMs: typeof durationMs };
}

/** The RPC counters of the metrics page by series (the histograms' buckets hold timings, which differ). */
async function rpcCounters(side: Side): Promise<Map<string, number>> {
  const headers = side.tokens.reader ? { authorization: `Bearer ${BOOTSTRAP}` } : undefined;
  const text = await (await fetch(`${side.ts.httpUrl}/metrics`, headers ? { headers } : {})).text();
  const lines = text.split("\n").filter((line) => /^flagwire_rpc_(calls_total|duration_seconds_count)\{.*method="(Evaluate|EvaluateAll)"/.test(line));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1))]));
}

/** What a request added to each series. */
function added(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [series, value] of after) if (value !== (before.get(series) ?? 0)) delta[series] = value - (before.get(series) ?? 0);
  return delta;
}

function describeSides(title: string, auth: boolean, cases: Case[]): void {
  describe(title, () => {
    let fast: Side;
    let slow: Side;
    beforeAll(async () => {
      [fast, slow] = await Promise.all([startSide(true, auth), startSide(false, auth)]);
    });
    afterAll(async () => {
      await Promise.all([fast?.ts.close(), slow?.ts.close()]);
    });

    it.each(cases)("$name: the same answer, log line, metrics and usage", async (c) => {
      const answers: string[] = [];
      const logged: Record<string, unknown>[][] = [];
      const counted = await Promise.all([rpcCounters(fast), rpcCounters(slow)]);
      for (const side of [fast, slow]) {
        const before = side.lines.length;
        const { head, body } = requestOf(side, c);
        answers.push(shown(await exchange(side.ts.server.httpPort, head, body)));
        // The refused requests' lines come once the answer is out: let them arrive.
        await new Promise((resolve) => setTimeout(resolve, 20));
        logged.push(side.lines.slice(before).map(stable));
      }
      expect(answers[0]).toBe(answers[1]);
      expect(answers[0]).toMatch(c.ok ? /^HTTP\/1\.1 200 / : /^HTTP\/1\.1 \d{3} /);
      expect(logged[0]).toEqual(logged[1]);
      const [fastAfter, slowAfter] = await Promise.all([rpcCounters(fast), rpcCounters(slow)]);
      // What this request added to each: the counters are compared by their change, so one case cannot hide another.
      expect(added(counted[0] as Map<string, number>, fastAfter)).toEqual(added(counted[1] as Map<string, number>, slowAfter));
      for (const feature of ["beta", "dashboard", "rollout"]) {
        expect(fast.ts.server.usage.usageOf(feature).today).toBe(slow.ts.server.usage.usageOf(feature).today);
      }
    });

  });
}

describeSides("Connect JSON fast path, authentication off", false, CASES);
describeSides("Connect JSON fast path, authentication on", true, AUTH_CASES);
