import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import {
  CreateFeatureRequestSchema,
  CustomerFeatureFilter,
  GetFeatureRequestSchema,
  GetFeatureResponseSchema,
} from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { connectRawGrpc } from "../../support/raw-grpc.js";
import { envelope, postConnect, postConnectStream, postGrpcWeb, SERVICE, type WireOutcome } from "../../support/raw-http.js";
import { callOutcome } from "../../support/call-outcome.js";
import { expecting, type RefusalRow } from "../../support/refusal-table.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { BACKENDS } from "../../support/test-backends.js";

// Every request here is refused: each row checks the status code, that the message names the offending
// value and the rule, and that the whole observable state is exactly as it was before the request.

const LONG = "a".repeat(129);
/** How a 129-character value appears in a message: its first 40 characters, an ellipsis and its length. */
const LONG_SHOWN = String.raw`"a{40}…" \(129 characters\)`;
const NAME_RULE = String.raw`use 1-128 letters, digits, '\.', '_' or '-'`;
const ID_RULE = String.raw`use 1-128 letters, digits, '\.', '_', ':', '@' or '-'`;

/** Filled in beforeAll: genuine tokens, to be replayed on a list they do not belong to. */
const tokens = { ListCustomers: "", ListFeatures: "" };

type Row = RefusalRow;

const invalid = expecting(Code.InvalidArgument);
const notFound = expecting(Code.NotFound);
const exists = expecting(Code.AlreadyExists);

const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });
const user = (value: string) => ({ kind: { case: "userId" as const, value } });
const NO_FEATURE = /feature "dashbord" not found/;
const NO_CUSTOMER = /customer "303" not found/;
const NO_USER = /user "999" not found/;

const rpcRows: Row[] = [
  // Names and ids that break the identifier rules, and other out-of-range fields.
  invalid("CreateFeature", "empty name", `feature name is empty: ${NAME_RULE}`, (c) => c.createFeature({ name: "" })),
  invalid("CreateFeature", "name 'a b'", `feature name "a b" is invalid: ${NAME_RULE}`, (c) => c.createFeature({ name: "a b" })),
  invalid("CreateFeature", "name '-x'", `feature name "-x" is invalid: .*starting with a letter or digit`, (c) =>
    c.createFeature({ name: "-x" }),
  ),
  invalid("CreateFeature", "name 'naïve'", `feature name "naïve" is invalid: ${NAME_RULE}`, (c) => c.createFeature({ name: "naïve" })),
  invalid("CreateFeature", "129-char name", `feature name ${LONG_SHOWN} is invalid: ${NAME_RULE}`, (c) => c.createFeature({ name: LONG })),
  invalid("CreateFeature", "1025-char description", /description is 1025 characters long: use at most 1024/, (c) =>
    c.createFeature({ name: "fresh", description: "d".repeat(1025) }),
  ),
  invalid("CreateFeature", "129-char x-flagwire-actor", /x-flagwire-actor ".*" is invalid: use 1-128 printable ASCII characters/, (c) =>
    c.createFeature({ name: "fresh" }, { headers: { "x-flagwire-actor": LONG } }),
  ),
  invalid("CreateCustomer", "id 'has space'", `customer id "has space" is invalid: ${ID_RULE}`, (c) =>
    c.createCustomer({ id: "has space" }),
  ),
  invalid("CreateCustomer", "empty id", `customer id is empty: ${ID_RULE}`, (c) => c.createCustomer({ id: "" })),
  invalid("CreateCustomer", "129-char id", `customer id ${LONG_SHOWN} is invalid: ${ID_RULE}`, (c) => c.createCustomer({ id: LONG })),
  invalid("CreateUser", "id 'bad/user'", `user id "bad/user" is invalid: ${ID_RULE}`, (c) => c.createUser({ id: "bad/user" })),
  invalid("CreateUser", "empty id", `user id is empty: ${ID_RULE}`, (c) => c.createUser({ id: "" })),
  invalid("CreateUser", "129-char id", `user id ${LONG_SHOWN} is invalid: ${ID_RULE}`, (c) => c.createUser({ id: LONG })),
  invalid("CreateUser", "customer id 'has space'", `customer id "has space" is invalid`, (c) =>
    c.createUser({ id: "999", customerId: "has space" }),
  ),
  invalid("RenameFeature", "new name 'a b'", `new feature name "a b" is invalid: ${NAME_RULE}`, (c) =>
    c.renameFeature({ name: "dashboard", newName: "a b" }),
  ),
  invalid("RenameFeature", "empty new name", `new feature name is empty`, (c) => c.renameFeature({ name: "dashboard", newName: "" })),
  invalid("GetFeature", "name 'a b'", `feature name "a b" is invalid`, (c) => c.getFeature({ name: "a b" })),
  invalid("SetOverride", "customer id 'has space'", `customer id "has space" is invalid`, (c) =>
    c.setOverride({ feature: "dashboard", target: customer("has space"), enabled: true }),
  ),
  invalid("Evaluate", "customer id 'has space'", `customer id "has space" is invalid`, (c) =>
    c.evaluate({ feature: "dashboard", customerId: "has space" }),
  ),
  invalid("SetOverride", "no target", /target is missing: set exactly one of target\.customer_id or target\.user_id/, (c) =>
    c.setOverride({ feature: "dashboard", enabled: false }),
  ),
  invalid("ClearOverride", "no target", /target is missing/, (c) => c.clearOverride({ feature: "reports" })),
  invalid("ListCustomersWithFeature", "filter 99", /filter 99 is unknown: use CUSTOMER_FEATURE_FILTER_ENABLED/, (c) =>
    c.listCustomersWithFeature({ feature: "dashboard", filter: 99 as CustomerFeatureFilter }),
  ),
  invalid("ListChanges", "since_revision -1", /since_revision -1 is out of range/, (c) => c.listChanges({ sinceRevision: -1n })),
  invalid("ListChanges", "token of key 'abc'", /page_token is not valid for changes: pass the next_page_token/, (c) =>
    c.listChanges({ pageToken: Buffer.from("changes\nabc").toString("base64url") }),
  ),

  // Taken names.
  exists("CreateFeature", "existing 'dashboard'", /feature "dashboard" already exists/, (c) => c.createFeature({ name: "dashboard" })),
  exists("CreateCustomer", "existing '101'", /customer "101" already exists/, (c) => c.createCustomer({ id: "101" })),
  exists("CreateUser", "existing '456'", /user "456" already exists/, (c) => c.createUser({ id: "456", customerId: "101" })),
  exists("RenameFeature", "onto existing 'reports'", /"dashboard" to "reports": a feature with that name already exists/, (c) =>
    c.renameFeature({ name: "dashboard", newName: "reports" }),
  ),

  // Unknown features, customers and users.
  notFound("SetFeatureEnabled", "unknown feature", NO_FEATURE, (c) => c.setFeatureEnabled({ name: "dashbord", enabled: true })),
  notFound("DeleteFeature", "unknown feature", NO_FEATURE, (c) => c.deleteFeature({ name: "dashbord" })),
  notFound("RenameFeature", "unknown feature", NO_FEATURE, (c) => c.renameFeature({ name: "dashbord", newName: "dash2" })),
  notFound("SetOverride", "unknown feature", NO_FEATURE, (c) =>
    c.setOverride({ feature: "dashbord", target: customer("101"), enabled: true }),
  ),
  notFound("ClearOverride", "unknown feature", NO_FEATURE, (c) => c.clearOverride({ feature: "dashbord", target: customer("202") })),
  notFound("GetFeature", "unknown feature", NO_FEATURE, (c) => c.getFeature({ name: "dashbord" })),
  notFound("Evaluate", "unknown feature", NO_FEATURE, (c) => c.evaluate({ feature: "dashbord", customerId: "101" })),
  notFound("ListCustomersWithFeature", "unknown feature", NO_FEATURE, (c) => c.listCustomersWithFeature({ feature: "dashbord" })),
  notFound("DeleteCustomer", "unknown customer", NO_CUSTOMER, (c) => c.deleteCustomer({ id: "303" })),
  notFound("SetOverride", "unknown customer", NO_CUSTOMER, (c) =>
    c.setOverride({ feature: "dashboard", target: customer("303"), enabled: true }),
  ),
  notFound("ListFeaturesForCustomer", "unknown customer", NO_CUSTOMER, (c) => c.listFeaturesForCustomer({ customerId: "303" })),
  notFound("ListUsers", "unknown customer filter", NO_CUSTOMER, (c) => c.listUsers({ customerId: "303" })),
  notFound("CreateUser", "under missing customer", /customer "303" not found: create the customer first/, (c) =>
    c.createUser({ id: "999", customerId: "303" }),
  ),
  notFound("DeleteUser", "unknown user", NO_USER, (c) => c.deleteUser({ id: "999" })),
  notFound("SetOverride", "unknown user", NO_USER, (c) => c.setOverride({ feature: "dashboard", target: user("999"), enabled: true })),
];

type PageParams = { pageSize?: number; pageToken?: string };
type ListCall = (c: FlagClient, page: PageParams) => Promise<unknown>;

/** Every list RPC, with the list whose genuine token it must refuse. */
const lists: { rpc: string; list: ListCall; foreign: keyof typeof tokens }[] = [
  { rpc: "ListFeatures", list: (c, p) => c.listFeatures(p), foreign: "ListCustomers" },
  { rpc: "ListCustomers", list: (c, p) => c.listCustomers(p), foreign: "ListFeatures" },
  { rpc: "ListUsers", list: (c, p) => c.listUsers(p), foreign: "ListCustomers" },
  { rpc: "ListCustomersWithFeature", list: (c, p) => c.listCustomersWithFeature({ feature: "dashboard", ...p }), foreign: "ListCustomers" },
  { rpc: "ListFeaturesForCustomer", list: (c, p) => c.listFeaturesForCustomer({ customerId: "101", ...p }), foreign: "ListCustomers" },
  { rpc: "ListChanges", list: (c, p) => c.listChanges(p), foreign: "ListCustomers" },
];

const TOKEN_RULE = /page_token is not valid for .*: pass the next_page_token of the previous response unchanged/;
const pageRows: Row[] = lists.flatMap(({ rpc, list, foreign }) => [
  invalid(rpc, "page_size -1", /page_size -1 is out of range: use 1-1000/, (c) => list(c, { pageSize: -1 })),
  invalid(rpc, "page_size 1001", /page_size 1001 is out of range: use 1-1000/, (c) => list(c, { pageSize: 1001 })),
  invalid(rpc, "page_token 'garbage'", TOKEN_RULE, (c) => list(c, { pageToken: "garbage" })),
  invalid(rpc, "page_token base64 of JSON", TOKEN_RULE, (c) => list(c, { pageToken: Buffer.from('{"offset":1}').toString("base64") })),
  invalid(rpc, `page_token of ${foreign}`, TOKEN_RULE, (c) => list(c, { pageToken: tokens[foreign] })),
]);

// Requests written by hand, as a client with a bug or a hostile peer would send them: bodies the protobuf layer
// cannot read, compressed or not, are refused before any handler runs, on each listener, and the listener keeps
// serving.

/** A unary call through grpc-js with raw bytes, so that the request need not be a valid message. */
function grpcRaw(client: grpc.Client, method: string, body: Buffer): Promise<{ code: number; details: string; response?: Buffer }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(`/${SERVICE}/${method}`, (b) => b, (b) => b, body, (err, response) => {
      if (err) resolve({ code: err.code, details: err.details });
      else resolve({ code: grpc.status.OK, details: "", ...(response ? { response } : {}) });
    });
  });
}

interface WireRow {
  name: string;
  /** The HTTP status the transport uses for this error; null on native gRPC. */
  http: number | null;
  /** The status code as Connect spells it; default `invalid_argument`. */
  code?: string;
  message: RegExp;
  send: () => Promise<WireOutcome>;
}

/** Four bytes that no protobuf message can start with: a varint that never ends. */
const NOT_PROTOBUF = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const NOT_CREATE_FEATURE = /not a valid flagwire\.v1\.CreateFeatureRequest message/;
/** What gzip makes of 5 MiB of zeros: about 5 KB on the wire, past the 4 MiB limit once inflated. */
const GZIP_BOMB = gzipSync(Buffer.alloc(5 * 1024 * 1024));
const LIMIT = /larger than the limit of 4194304 bytes/;
const NOT_UTF8 = /^request is not valid UTF-8: byte 0xff at offset \d+ \(JSON must be UTF-8\)$/;
/** A CreateFeature request that would be stored if it got through. */
const FRESH = toBinary(CreateFeatureRequestSchema, create(CreateFeatureRequestSchema, { name: "fresh" }));
const FRESH_JSON = JSON.stringify({ name: "fresh" });
/** A CreateFeature request in JSON whose description holds a byte that is not UTF-8. */
const BAD_UTF8_CREATE = Buffer.concat([Buffer.from('{"name":"fresh","description":"x'), Buffer.from([0xff]), Buffer.from('"}')]);
/** All but the last 6 bytes (the end of the deflate stream and part of the gzip trailer). */
const cutShort = (bytes: Uint8Array) => bytes.subarray(0, bytes.byteLength - 6);

/** POSTs raw bytes on its own HTTP/2 connection to the native gRPC listener; `length` overrides the first length prefix. */
async function rawGrpc(method: string, body: Buffer, headers: Record<string, string> = {}, length?: number): Promise<WireOutcome> {
  const raw = connectRawGrpc(ts.grpcUrl);
  try {
    if (length !== undefined) body.writeUInt32BE(length, 1);
    return await raw.post(method, body, headers);
  } finally {
    raw.close();
  }
}

const wireRows: WireRow[] = [
  {
    name: "Connect JSON: CreateFeature body '{not json'",
    http: 400,
    message: /cannot decode message flagwire\.v1\.CreateFeatureRequest from JSON/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/json", "{not json"),
  },
  {
    name: "Connect JSON: ListCustomersWithFeature filter 'CUSTOMER_FEATURE_FILTER_BOGUS'",
    http: 400,
    message: /CUSTOMER_FEATURE_FILTER_BOGUS/,
    send: () => {
      const body = JSON.stringify({ feature: "dashboard", filter: "CUSTOMER_FEATURE_FILTER_BOGUS" });
      return postConnect(ts.httpUrl, "ListCustomersWithFeature", "application/json", body);
    },
  },
  {
    name: "Connect JSON: ListCustomersWithFeature filter 99",
    http: 400,
    message: /filter 99 is unknown/,
    send: () =>
      postConnect(ts.httpUrl, "ListCustomersWithFeature", "application/json", JSON.stringify({ feature: "dashboard", filter: 99 })),
  },
  {
    name: "Connect JSON: CreateFeature name of the wrong type",
    http: 400,
    message: /CreateFeatureRequest\.name from JSON: expected string, got 5/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/json", JSON.stringify({ name: 5 })),
  },
  {
    name: "Connect binary: CreateFeature body ff ff ff ff",
    http: 400,
    message: /CreateFeatureRequest|premature EOF/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", Buffer.from([0xff, 0xff, 0xff, 0xff])),
  },
  {
    name: "gRPC-Web: CreateFeature body ff ff ff ff",
    http: 200,
    message: /CreateFeatureRequest|premature EOF/,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(Buffer.from([0xff, 0xff, 0xff, 0xff]))),
  },
  {
    name: "Connect binary gzip: CreateFeature body gzip(ff ff ff ff)",
    http: 400,
    message: NOT_CREATE_FEATURE,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", gzipSync(NOT_PROTOBUF), { "content-encoding": "gzip" }),
  },
  {
    name: "Connect binary br: CreateFeature body br(ff ff ff ff)",
    http: 400,
    message: NOT_CREATE_FEATURE,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", brotliCompressSync(NOT_PROTOBUF), { "content-encoding": "br" }),
  },
  {
    name: "Connect binary gzip: CreateFeature body that is not gzip",
    http: 400,
    message: /request body is not valid gzip/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", NOT_PROTOBUF, { "content-encoding": "gzip" }),
  },
  {
    name: "Connect binary gzip: CreateFeature body that inflates past the limit",
    http: 429,
    code: "resource_exhausted",
    message: LIMIT,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", GZIP_BOMB, { "content-encoding": "gzip" }),
  },
  {
    name: "gRPC-Web gzip: CreateFeature envelope gzip(ff ff ff ff)",
    http: 200,
    message: NOT_CREATE_FEATURE,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(gzipSync(NOT_PROTOBUF), 1), { "grpc-encoding": "gzip" }),
  },
  {
    name: "gRPC-Web br: CreateFeature envelope that is not br",
    http: 200,
    message: /request body is not valid br/,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(NOT_PROTOBUF, 1), { "grpc-encoding": "br" }),
  },
  {
    name: "gRPC-Web gzip: CreateFeature envelope that inflates past the limit",
    http: 200,
    code: "resource_exhausted",
    message: LIMIT,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(GZIP_BOMB, 1), { "grpc-encoding": "gzip" }),
  },
  {
    name: "gRPC-Web: CreateFeature envelope marked compressed without grpc-encoding",
    http: 200,
    message: /marked compressed \(envelope flag 1\) but the request has no grpc-encoding header/,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(gzipSync(NOT_PROTOBUF), 1)),
  },
  {
    name: "Connect streaming gzip: WatchChanges envelope gzip(ff ff ff ff)",
    http: 200,
    message: /not a valid flagwire\.v1\.WatchChangesRequest message/,
    send: () => postConnectStream(ts.httpUrl, "WatchChanges", envelope(gzipSync(NOT_PROTOBUF), 1), { "connect-content-encoding": "gzip" }),
  },
  // Bodies that are JSON but not UTF-8: JSON.parse would read the bytes as U+FFFD and store that; binary protobuf
  // refuses the same bytes, and so does every JSON path (unary, streaming, gRPC-Web, GET, compressed).
  {
    name: "Connect JSON: CreateFeature description with a raw 0xff byte",
    http: 400,
    message: NOT_UTF8,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/json", BAD_UTF8_CREATE),
  },
  {
    name: "Connect JSON gzip: CreateFeature description with a raw 0xff byte",
    http: 400,
    message: NOT_UTF8,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/json", gzipSync(BAD_UTF8_CREATE), { "content-encoding": "gzip" }),
  },
  {
    name: "Connect streaming JSON: WatchChanges envelope with a raw 0xff byte",
    http: 200,
    message: NOT_UTF8,
    send: () => postConnectStream(ts.httpUrl, "WatchChanges", envelope(Buffer.from('{"sinceRevision":"\xff"}', "latin1")), { "content-type": "application/connect+json" }),
  },
  {
    name: "gRPC-Web JSON: CreateFeature envelope with a raw 0xff byte",
    http: 200,
    message: NOT_UTF8,
    send: () => postGrpcWeb(ts.httpUrl, "CreateFeature", envelope(BAD_UTF8_CREATE), { "content-type": "application/grpc-web+json" }),
  },
  {
    name: "Connect GET JSON: GetFeature ?message= with %FF",
    http: 400,
    message: NOT_UTF8,
    send: async () => {
      const res = await fetch(`${ts.httpUrl}/${SERVICE}/GetFeature?encoding=json&message=%7B%22name%22%3A%22%FF%22%7D`);
      const error = (await res.json()) as { code: string; message: string };
      return { http: res.status, code: error.code, message: error.message };
    },
  },
  // Compressed bodies that end early, and compressed flags without an encoding to read them with.
  {
    name: "Connect JSON gzip: CreateFeature body cut short",
    http: 400,
    message: /request body is not valid gzip/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/json", cutShort(gzipSync(FRESH_JSON)), { "content-encoding": "gzip" }),
  },
  {
    name: "Connect binary gzip: CreateFeature body cut short",
    http: 400,
    message: /request body is not valid gzip/,
    send: () => postConnect(ts.httpUrl, "CreateFeature", "application/proto", cutShort(gzipSync(FRESH)), { "content-encoding": "gzip" }),
  },
  {
    name: "Connect streaming JSON: WatchChanges envelope marked compressed without connect-content-encoding",
    http: 200,
    message: /marked compressed \(envelope flag 1\) but the request has no connect-content-encoding header/,
    send: () => postConnectStream(ts.httpUrl, "WatchChanges", envelope(gzipSync("{}"), 1), { "content-type": "application/connect+json" }),
  },
  {
    name: "Connect streaming JSON gzip: WatchChanges envelope cut short",
    http: 200,
    message: /request body is not valid gzip/,
    send: () =>
      postConnectStream(ts.httpUrl, "WatchChanges", envelope(cutShort(gzipSync("{}")), 1), {
        "content-type": "application/connect+json",
        "connect-content-encoding": "gzip",
      }),
  },
  // Native gRPC, framed by hand: grpc-js itself decides these before any handler runs.
  {
    name: "native gRPC gzip: CreateFeature message that is not gzip",
    http: null,
    message: /^request message is not valid gzip/,
    send: () => rawGrpc("CreateFeature", envelope(FRESH, 1), { "grpc-encoding": "gzip" }),
  },
  {
    name: "native gRPC gzip: CreateFeature message cut short",
    http: null,
    message: /^request message is not valid gzip/,
    send: () => rawGrpc("CreateFeature", envelope(cutShort(gzipSync(FRESH)), 1), { "grpc-encoding": "gzip" }),
  },
  {
    name: "native gRPC: CreateFeature message marked compressed without grpc-encoding",
    http: null,
    message: /^a message is marked compressed \(flag 1\) but the request has no grpc-encoding header: send grpc-encoding: gzip/,
    send: () => rawGrpc("CreateFeature", envelope(FRESH, 1)),
  },
  {
    name: "native gRPC: CreateFeature message with flag 2",
    http: null,
    message: /^a message has flag 2: use 0 \(uncompressed\) or 1 \(compressed, with grpc-encoding\)$/,
    send: () => rawGrpc("CreateFeature", envelope(FRESH, 2)),
  },
  {
    name: "native gRPC: CreateFeature with no message",
    http: null,
    message: /^request has no message: flagwire\.v1\.FeatureFlagService\/CreateFeature takes exactly one/,
    send: () => rawGrpc("CreateFeature", Buffer.alloc(0)),
  },
  {
    name: "native gRPC: WatchChanges with no message",
    http: null,
    message: /^request has no message: flagwire\.v1\.FeatureFlagService\/WatchChanges takes exactly one/,
    send: () => rawGrpc("WatchChanges", Buffer.alloc(0)),
  },
  {
    name: "native gRPC: CreateFeature message shorter than its length prefix",
    http: null,
    message: new RegExp(`^request ends inside a message: its length prefix says ${FRESH.byteLength + 10} bytes, ${FRESH.byteLength} arrived`),
    send: () => rawGrpc("CreateFeature", envelope(FRESH), {}, FRESH.byteLength + 10),
  },
  {
    name: "native gRPC: CreateFeature message followed by half a length prefix",
    http: null,
    message: /^request ends inside a message: 2 of its 5 header bytes arrived/,
    send: () => rawGrpc("CreateFeature", Buffer.concat([envelope(FRESH), Buffer.from([0, 0])])),
  },
  {
    name: "native gRPC: CreateFeature with two messages",
    http: null,
    message: /^request has more than one message: flagwire\.v1\.FeatureFlagService\/CreateFeature takes exactly one/,
    send: () => rawGrpc("CreateFeature", Buffer.concat([envelope(FRESH), envelope(FRESH)])),
  },
  {
    name: "native gRPC: CreateFeature body ff ff ff",
    http: null,
    message: /not a valid flagwire\.v1\.CreateFeatureRequest message/,
    send: async () => {
      const client = new grpc.Client(ts.grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
      try {
        const bad = await grpcRaw(client, "CreateFeature", Buffer.from([0xff, 0xff, 0xff]));
        // The same connection must keep serving after the refusal.
        const getDashboard = toBinary(GetFeatureRequestSchema, create(GetFeatureRequestSchema, { name: "dashboard" }));
        const good = await grpcRaw(client, "GetFeature", Buffer.from(getDashboard));
        expect(good.code, good.details).toBe(grpc.status.OK);
        expect(fromBinary(GetFeatureResponseSchema, good.response ?? Buffer.alloc(0)).feature?.name).toBe("dashboard");
        return { http: null, code: bad.code === grpc.status.OK ? "ok" : codeToString(bad.code as Code), message: bad.details };
      } finally {
        client.close();
      }
    },
  },
];

let ts: TestServer;
let reader: FlagClient;

// The same table on each storage backend: a refusal must leave PostgreSQL's data as untouched as SQLite's.
describe.each(BACKENDS)("on $name", (backend) => {
let database: Awaited<ReturnType<typeof backend.fresh>> | undefined;
beforeAll(async () => {
  backend.check();
  if (!backend.run) return;
  database = await backend.fresh();
  ts = await startTestServer(database.overrides);
  reader = ts.client("connect");
  const seed = ts.client("connect", "seed-bot");
  await seed.createFeature({ name: "dashboard", enabled: true, description: "the new dashboard" });
  await seed.createFeature({ name: "reports" });
  await seed.createCustomer({ id: "101" });
  await seed.createCustomer({ id: "202" });
  await seed.createUser({ id: "456", customerId: "101" });
  await seed.createUser({ id: "789" });
  await seed.setOverride({ feature: "dashboard", target: customer("202"), enabled: false });
  await seed.setOverride({ feature: "reports", target: user("456"), enabled: true });
  await seed.setOverride({ feature: "reports", target: customer("101"), enabled: true });
  tokens.ListCustomers = (await reader.listCustomers({ pageSize: 1 })).nextPageToken;
  tokens.ListFeatures = (await reader.listFeatures({ pageSize: 1 })).nextPageToken;
  if (!tokens.ListCustomers || !tokens.ListFeatures) throw new Error("seed: expected a second page of customers and of features");
});

afterAll(async () => {
  await ts?.close();
  await database?.drop();
});

describe.runIf(backend.run).each(["connect", "grpc"] as const)("bad input over %s", (protocol) => {
  for (const { rpc, input, code, message, call } of [...rpcRows, ...pageRows]) {
    it(`${rpc} refuses ${input}`, async () => {
      const before = await dumpState(reader);
      const outcome = await callOutcome(call(ts.client(protocol)));
      const after = await dumpState(reader);
      expect.soft(outcome).toEqual({ code: Code[code], message: expect.stringMatching(message) });
      expect.soft(after, "data changed").toEqual(before);
    });
  }
});

// Bodies refused before any handler runs never reach storage: checked once, on SQLite.
describe.runIf(backend.name === "sqlite")("raw requests on the wire", () => {
  for (const { name, http, code = "invalid_argument", message, send } of wireRows) {
    it(`${name} is ${code.toUpperCase()}`, async () => {
      const before = await dumpState(reader);
      const outcome = await send();
      const after = await dumpState(reader);
      expect.soft(outcome).toEqual({ http, code, message: expect.stringMatching(message) });
      expect.soft(after, "data changed").toEqual(before);
      // And the typed clients still get answers on both listeners.
      expect((await ts.client("grpc").getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);
      expect((await ts.client("connect").getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);
    });
  }
});
});
