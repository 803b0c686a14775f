import { connect } from "node:net";
import { brotliCompressSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GetFeatureRequestSchema, GetFeatureResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { envelope, envelopes, SERVICE } from "../../support/raw-http.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// The HTTP port accepts exactly what connect-node accepts, and explains every refusal in a Connect JSON error
// body: which HTTP methods and content types work, or which paths exist. curl users meet these first.

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer();
  await ts.client("connect").createFeature({ name: "dashboard", enabled: true });
});

afterAll(async () => {
  await ts?.close();
});

interface Answer {
  status: number;
  allow: string | null;
  contentType: string | null;
  body: Buffer;
}

async function send(path: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(`${ts.httpUrl}${path}`, init);
  return {
    status: res.status,
    allow: res.headers.get("allow"),
    contentType: res.headers.get("content-type"),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

const rpc = (method: string) => `/${SERVICE}/${method}`;
const JSON_HEADERS = { "content-type": "application/json" };
const GET_FEATURE = JSON.stringify({ name: "dashboard" });
const getFeatureBytes = () => toBinary(GetFeatureRequestSchema, create(GetFeatureRequestSchema, { name: "dashboard" }));
const USE_JSON = String.raw`send content-type: application/json \(or application/proto for binary protobuf; application/grpc-web\+proto for gRPC-Web\)`;
const USE_STREAM = String.raw`send content-type: application/connect\+json \(or application/connect\+proto for binary protobuf; application/grpc-web\+proto for gRPC-Web\)`;
const USE_QUERY = String.raw`\?encoding=json&message=<the request as URL-encoded JSON> \(encoding=proto&base64=1&message=<base64url> for binary protobuf\)`;

interface Refusal {
  name: string;
  path: string;
  init: RequestInit;
  status: 404 | 405 | 415;
  /** The Allow header a 405 must carry. */
  allow?: string;
  message: RegExp;
}

const NAME = (method: string) => String.raw`flagwire\.v1\.FeatureFlagService/${method}`;
const ONLY_POST = "POST";
const POST_OR_GET = `POST, or GET with ${USE_QUERY}`;

/** A 405 row: an HTTP method sent to an RPC, the Allow header it must get and the methods the message offers. */
const notAllowed = (verb: string, method: string, allow: string, use: string, query = ""): Refusal => ({
  name: `${verb} ${method}${query ? " with a query" : ""}`,
  path: `${rpc(method)}${query}`,
  init: { method: verb },
  status: 405,
  allow,
  message: new RegExp(`^HTTP method ${verb} is not allowed for ${NAME(method)}: use ${use}$`),
});

/** A 415 row: a request to an RPC that connect will not read, and the message that says what to send. */
const unsupported = (name: string, path: string, init: RequestInit, message: string): Refusal => ({
  name,
  path,
  init,
  status: 415,
  message: new RegExp(`^${message}$`),
});

/** A 404 row: a path that names no RPC. */
const notFound = (path: string, shown: string): Refusal => ({
  name: `POST ${path}`,
  path,
  init: { method: "POST", headers: JSON_HEADERS, body: "{}" },
  status: 404,
  message: new RegExp(String.raw`^no RPC at "${shown}": call /flagwire\.v1\.FeatureFlagService/<Method>, e\.g\. POST /flagwire\.v1\.FeatureFlagService/GetFeature$`),
});

const post = (contentType: string | undefined, body = "{}"): RequestInit => ({
  method: "POST",
  // Bytes, not a string: fetch would send a string body as text/plain.
  ...(contentType ? { headers: { "content-type": contentType } } : {}),
  body: Buffer.from(body),
});

const refusals: Refusal[] = [
  notAllowed("PUT", "CreateFeature", "POST", ONLY_POST),
  // CreateFeature has side effects: no GET, even with a well-formed query.
  notAllowed("GET", "CreateFeature", "POST", ONLY_POST, `?encoding=json&message=${encodeURIComponent('{"name":"x"}')}`),
  notAllowed("DELETE", "GetFeature", "POST, GET", POST_OR_GET),
  notAllowed("OPTIONS", "GetFeature", "POST, GET", POST_OR_GET), // no CORS (yet)
  notAllowed("GET", "WatchChanges", "POST", ONLY_POST), // a stream: connect serves GET for unary methods only
  unsupported("POST CreateFeature without content-type", rpc("CreateFeature"), post(undefined), `${NAME("CreateFeature")} needs a content-type: ${USE_JSON}`),
  unsupported("POST CreateFeature as text/plain", rpc("CreateFeature"), post("text/plain"), `${NAME("CreateFeature")} cannot read content-type "text/plain": ${USE_JSON}`),
  unsupported(
    "POST CreateFeature as a form (curl -d)",
    rpc("CreateFeature"),
    post("application/x-www-form-urlencoded", '{"name":"x"}'),
    `${NAME("CreateFeature")} cannot read content-type "application/x-www-form-urlencoded": ${USE_JSON}`,
  ),
  unsupported(
    "POST GetFeature as gRPC-Web text (base64)",
    rpc("GetFeature"),
    post("application/grpc-web-text", "AAAAAAA="),
    `${NAME("GetFeature")} cannot read content-type "application/grpc-web-text": ${USE_JSON}`,
  ),
  unsupported(
    "POST WatchChanges as unary JSON",
    rpc("WatchChanges"),
    post("application/json"),
    `${NAME("WatchChanges")} cannot read content-type "application/json": ${USE_STREAM}`,
  ),
  unsupported("GET GetFeature without the query", rpc("GetFeature"), { method: "GET" }, `GET ${NAME("GetFeature")} needs the query ${USE_QUERY}`),
  unsupported(
    "GET GetFeature with content-type text/plain",
    `${rpc("GetFeature")}?encoding=json&message=${encodeURIComponent(GET_FEATURE)}`,
    { method: "GET", headers: { "content-type": "text/plain" } },
    `GET ${NAME("GetFeature")} cannot read content-type "text/plain": leave it out`,
  ),
  notFound("/nope?x=1", "/nope"),
  notFound(rpc("GetFeatures"), String.raw`/flagwire\.v1\.FeatureFlagService/GetFeatures`),
];

describe("a GET whose protobuf message is not valid", () => {
  it.each([
    ["base64", "?encoding=proto&base64=1&message=_____w"],
    ["raw", "?encoding=proto&message=%FF%FF%FF"],
  ])("(%s) is INVALID_ARGUMENT, as in a POST", async (_, query) => {
    const answer = await send(`${rpc("GetFeature")}${query}`, { method: "GET" });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString("utf8"))).toEqual({
      code: "invalid_argument",
      message: expect.stringMatching(/^request is not a valid flagwire\.v1\.GetFeatureRequest message/),
    });
  });
});

describe("HTTP refusals explain themselves", () => {
  for (const { name, path, init, status, allow, message } of refusals) {
    it(`${name}: ${status} with a Connect JSON error`, async () => {
      const answer = await send(path, init);
      expect.soft(answer.status).toBe(status);
      expect.soft(answer.allow).toBe(allow ?? null);
      expect.soft(answer.contentType).toBe("application/json");
      expect(JSON.parse(answer.body.toString("utf8"))).toEqual({ code: "unimplemented", message: expect.stringMatching(message) });
    });
  }
});

interface Accepted {
  name: string;
  path: string;
  init: () => RequestInit;
  /** Reads the GetFeature response out of the answer. */
  read: (answer: Answer) => unknown;
}

const readJson = (answer: Answer) => JSON.parse(answer.body.toString("utf8")) as unknown;
const readBinary = (answer: Answer) => fromBinary(GetFeatureResponseSchema, answer.body);
/** The GetFeature response in a gRPC-Web body, whose data frame may come back compressed like the request. */
const readGrpcWeb = (answer: Answer) => {
  const data = envelopes(answer.body).find((frame) => !(frame.flags & 0x80));
  if (!data) return "(no data frame)";
  return fromBinary(GetFeatureResponseSchema, data.flags & 1 ? gunzipSync(data.data) : data.data);
};

const accepted: Accepted[] = [
  {
    name: "content-type application/json; charset=utf-8",
    path: rpc("GetFeature"),
    init: () => ({ method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: GET_FEATURE }),
    read: readJson,
  },
  {
    name: "content-type Application/JSON;charset=UTF-8",
    path: rpc("GetFeature"),
    init: () => ({ method: "POST", headers: { "content-type": "Application/JSON;charset=UTF-8" }, body: GET_FEATURE }),
    read: readJson,
  },
  {
    name: "GET with ?encoding=json&message=",
    path: `${rpc("GetFeature")}?encoding=json&message=${encodeURIComponent(GET_FEATURE)}`,
    init: () => ({ method: "GET" }),
    read: readJson,
  },
  {
    name: "GET with ?encoding=proto&base64=1&message=",
    path: `${rpc("GetFeature")}?encoding=proto&base64=1&message=${Buffer.from(getFeatureBytes()).toString("base64url")}`,
    init: () => ({ method: "GET" }),
    read: readBinary,
  },
  {
    name: "binary body compressed with gzip",
    path: rpc("GetFeature"),
    init: () => ({ method: "POST", headers: { "content-type": "application/proto", "content-encoding": "gzip" }, body: gzipSync(getFeatureBytes()) }),
    read: readBinary,
  },
  {
    name: "binary body compressed with br",
    path: rpc("GetFeature"),
    init: () => ({ method: "POST", headers: { "content-type": "application/proto", "content-encoding": "br" }, body: brotliCompressSync(getFeatureBytes()) }),
    read: readBinary,
  },
  {
    name: "gRPC-Web envelope compressed with gzip",
    path: rpc("GetFeature"),
    init: () => ({
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "grpc-encoding": "gzip" },
      body: envelope(gzipSync(getFeatureBytes()), 1),
    }),
    read: readGrpcWeb,
  },
];

describe("what connect accepts still works", () => {
  for (const { name, path, init, read } of accepted) {
    it(`GetFeature with ${name}`, async () => {
      const answer = await send(path, init());
      expect(answer.status, answer.body.toString("utf8")).toBe(200);
      expect(read(answer)).toMatchObject({ feature: { name: "dashboard", enabled: true } });
    });
  }
});

describe("a request without Host (HTTP/1.0)", () => {
  it("gets 400 with a Connect JSON error, and the server keeps serving", async () => {
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(ts.server.httpPort, "127.0.0.1", () =>
        socket.end(`POST ${rpc("GetFeature")} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`),
      );
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(head.slice(head.indexOf("\r\n\r\n") + 4))).toEqual({
      code: "invalid_argument",
      message: "the request has no Host header: send Host: <the server's host:port>",
    });
    expect((await ts.client("connect").getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);
  });
});
