import { create, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EvaluateRequestSchema,
  SetFeatureEnabledRequestSchema,
  WatchChangesRequestSchema,
  WatchChangesResponseSchema,
} from "../../../gen/flagwire/v1/flags_pb.js";
import { ListTokensRequestSchema, TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Every role against every class of method, on both listeners, through three client stacks: connect-es over
// native gRPC (grpc-js port), Connect over HTTP/1.1, and a plain @grpc/grpc-js client sending raw protobuf.

const BOOTSTRAP = "bootstrap-secret-for-the-auth-role-tests-0123456789";

type Credential = "none" | "wrong" | "reader" | "editor" | "admin";
type MethodClass = "read" | "watch" | "write" | "tokens";
type ClientKind = "grpc" | "connect" | "grpc-js";

const OK = "OK";
type Outcome = Code | typeof OK;
const outcomeName = (outcome: Outcome) => (outcome === OK ? OK : Code[outcome]);
// What each credential gets for each class of method.
const EXPECTED: Record<Credential, Record<MethodClass, Outcome>> = {
  none: { read: Code.Unauthenticated, watch: Code.Unauthenticated, write: Code.Unauthenticated, tokens: Code.Unauthenticated },
  wrong: { read: Code.Unauthenticated, watch: Code.Unauthenticated, write: Code.Unauthenticated, tokens: Code.Unauthenticated },
  reader: { read: OK, watch: OK, write: Code.PermissionDenied, tokens: Code.PermissionDenied },
  editor: { read: OK, watch: OK, write: OK, tokens: Code.PermissionDenied },
  admin: { read: OK, watch: OK, write: OK, tokens: OK },
};

let ts: TestServer;
const secrets: Partial<Record<Credential, string>> = { wrong: "fw_this-token-was-never-issued-by-this-server-000000" };

beforeAll(async () => {
  ts = await startTestServer({ bootstrapToken: BOOTSTRAP });
  const admin = ts.tokenClient("grpc", BOOTSTRAP);
  for (const [name, role] of [["reader", TokenRole.READER], ["editor", TokenRole.EDITOR], ["admin", TokenRole.ADMIN]] as const) {
    secrets[name] = (await admin.createToken({ name, role })).secret;
  }
  await ts.client("grpc", undefined, BOOTSTRAP).createFeature({ name: "dashboard", enabled: true });
});

afterAll(async () => {
  await ts?.close();
});

/** Makes one call of a class with a client stack; resolves with "OK" or the status code, and the message. */
async function call(kind: ClientKind, what: MethodClass, credential: Credential): Promise<{ code: Outcome; message: string }> {
  const token = secrets[credential];
  try {
    if (kind === "grpc-js") await callGrpcJs(what, token);
    else await callConnect(kind, what, token);
    return { code: OK, message: "" };
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: error.code, message: error.rawMessage };
  }
}

async function callConnect(protocol: "grpc" | "connect", what: MethodClass, token: string | undefined): Promise<void> {
  const flags = ts.client(protocol, undefined, token);
  switch (what) {
    case "read":
      await flags.evaluate({ feature: "dashboard" });
      return;
    case "watch": {
      // since_revision 0 replays the log: the first message arrives at once when the stream is admitted. The
      // stream is cancelled by its signal: leaving the loop alone does not cancel a connect-es gRPC stream.
      const cancel = new AbortController();
      try {
        for await (const _ of flags.watchChanges({ sinceRevision: 0n }, { signal: cancel.signal })) return;
      } finally {
        cancel.abort();
      }
      throw new Error("stream ended without a message");
    }
    case "write":
      await flags.setFeatureEnabled({ name: "dashboard", enabled: true });
      return;
    case "tokens":
      await ts.tokenClient(protocol, token).listTokens({});
      return;
  }
}

const PATHS: Record<MethodClass, [string, DescMessage, unknown]> = {
  read: ["/flagwire.v1.FeatureFlagService/Evaluate", EvaluateRequestSchema, { feature: "dashboard" }],
  watch: ["/flagwire.v1.FeatureFlagService/WatchChanges", WatchChangesRequestSchema, { sinceRevision: 0n }],
  write: ["/flagwire.v1.FeatureFlagService/SetFeatureEnabled", SetFeatureEnabledRequestSchema, { name: "dashboard", enabled: true }],
  tokens: ["/flagwire.v1.TokenService/ListTokens", ListTokensRequestSchema, {}],
};

/** The same call through @grpc/grpc-js, with the token in metadata; rejects with a grpc-js status as a ConnectError. */
function callGrpcJs(what: MethodClass, token: string | undefined): Promise<void> {
  const [path, schema, init] = PATHS[what];
  const client = new grpc.Client(ts.grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  const body = Buffer.from(toBinary(schema, create(schema, init as never)));
  const fail = (err: grpc.ServiceError) => new ConnectError(err.details, err.code as number as Code);
  return new Promise<void>((resolve, reject) => {
    if (what === "watch") {
      const stream = client.makeServerStreamRequest<Buffer, Buffer>(path, (b) => b, (b) => b, body, metadata);
      stream.on("data", (bytes: Buffer) => {
        fromBinary(WatchChangesResponseSchema, bytes);
        stream.cancel();
        resolve();
      });
      stream.on("error", (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED ? undefined : reject(fail(err))));
    } else {
      client.makeUnaryRequest<Buffer, Buffer>(path, (b) => b, (b) => b, body, metadata, (err) => (err ? reject(fail(err)) : resolve()));
    }
  }).finally(() => client.close());
}

const CASES = (["grpc", "connect", "grpc-js"] as const).flatMap((kind) =>
  (Object.keys(EXPECTED) as Credential[]).flatMap((credential) =>
    (["read", "watch", "write", "tokens"] as const).map((what) => ({ kind, credential, what, expected: outcomeName(EXPECTED[credential][what]) })),
  ),
);

describe("who may call what", () => {
  it.each(CASES)("$kind: a $credential token on a $what method -> $expected", async ({ kind, credential, what, expected }) => {
    const { code, message } = await call(kind, what, credential);
    expect(outcomeName(code)).toBe(expected);
    // Every refusal says what is needed.
    if (credential === "none") expect(message).toMatch(/needs an API token with role .*authorization: Bearer <token>/);
    if (credential === "wrong") expect(message).toMatch(/API token is not valid.*authorization: Bearer <token>/);
    if (expected === "PermissionDenied") {
      expect(message).toContain(`has role ${credential}`);
      expect(message).toMatch(what === "tokens" ? /needs admin$/ : /needs editor or admin$/);
    }
  });

  it("a refused write changes nothing", async () => {
    const admin = ts.client("connect", undefined, secrets.admin);
    const before = await dumpState(admin);
    for (const token of [undefined, secrets.wrong, secrets.reader]) {
      const flags = ts.client("grpc", undefined, token);
      await expect(flags.createFeature({ name: "sneaky" })).rejects.toThrow();
      await expect(flags.deleteFeature({ name: "dashboard" })).rejects.toThrow();
    }
    await expect(ts.tokenClient("connect", secrets.editor).createToken({ name: "escalate", role: TokenRole.ADMIN })).rejects.toThrow(
      /needs admin/,
    );
    expect(await dumpState(admin)).toEqual(before);
    expect((await ts.tokenClient("connect", secrets.admin).listTokens({})).tokens.map((t) => t.name)).not.toContain("escalate");
  });

  it("an authorization header that is not Bearer is refused with the expected form", async () => {
    const res = await fetch(`${ts.httpUrl}/flagwire.v1.FeatureFlagService/Evaluate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${secrets.admin ?? ""}` },
      body: JSON.stringify({ feature: "dashboard" }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/not of the form "Bearer <token>"/);
  });

  it("records the token's name as the actor, whatever x-flagwire-actor says", async () => {
    const { revision } = await ts.client("grpc", "mallory", secrets.editor).createCustomer({ id: "acme" });
    const { changes } = await ts.client("connect", undefined, secrets.reader).listChanges({ sinceRevision: revision - 1n });
    expect(changes[0]?.actor).toBe("editor");
  });

  it("health and reflection stay open without a token", async () => {
    const client = new grpc.Client(ts.grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
    const code = await new Promise<number>((resolve) =>
      client.makeUnaryRequest<Buffer, Buffer>("/grpc.health.v1.Health/Check", (b) => b, (b) => b, Buffer.alloc(0), (err) =>
        resolve(err ? err.code : grpc.status.OK),
      ),
    ).finally(() => client.close());
    expect(code).toBe(grpc.status.OK);
  });
});

describe("protected health and reflection", () => {
  it("need a reader token when configured", async () => {
    const guarded = await startTestServer({ bootstrapToken: BOOTSTRAP, protect: { health: true, reflection: true } });
    try {
      const client = new grpc.Client(guarded.grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
      const check = (metadata: grpc.Metadata) =>
        new Promise<grpc.ServiceError | null>((resolve) =>
          client.makeUnaryRequest<Buffer, Buffer>("/grpc.health.v1.Health/Check", (b) => b, (b) => b, Buffer.alloc(0), metadata, resolve),
        );
      const refused = await check(new grpc.Metadata());
      expect(refused?.code).toBe(grpc.status.UNAUTHENTICATED);
      const withToken = new grpc.Metadata();
      withToken.set("authorization", `Bearer ${BOOTSTRAP}`);
      expect(await check(withToken)).toBeNull();
      client.close();
    } finally {
      await guarded.close();
    }
  });
});
