import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toJson } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import {
  EvaluateAllResponseSchema,
  EvaluateResponseSchema,
  EvaluationReason,
  FeatureFlagService,
} from "../../../gen/flagwire/v1/flags_pb.js";
import { createJsonFastPath } from "../../../src/server/http/connect-json-fast-path.js";
import { encodeEvaluateAllJson, encodeEvaluateJson, type EvaluateAllOutput, type EvaluateOutput } from "../../../src/server/http/evaluate-json.js";

// Which requests the fast path takes (the rest go to connect-node, whose answers the integration test
// test/integration/http/connect-fast-path.test.ts compares), what it reads from them, and that its JSON is
// protobuf-es's byte for byte.

const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;
const protobufEs = (output: EvaluateOutput) => JSON.stringify(toJson(EvaluateResponseSchema, create(EvaluateResponseSchema, output), JSON_OPTIONS));
const protobufEsAll = (output: EvaluateAllOutput) =>
  JSON.stringify(toJson(EvaluateAllResponseSchema, create(EvaluateAllResponseSchema, output as never), JSON_OPTIONS));

describe("Evaluate and EvaluateAll JSON", () => {
  const strings = ["", "seg", "beta-testers", "ünïcödé", "日本", "a\"b\\c", "line\nbreak\t\u0001", "\ud800 lone", "emoji 🎉", "x".repeat(300)];
  const reasons = [...Object.values(EvaluationReason).filter((v): v is number => typeof v === "number"), 99];
  const revisions = [0n, 1n, 12345n, 9007199254740993n];

  it("EvaluateResponse: the same bytes as protobuf-es for every reason, revision and segment", () => {
    for (const segment of strings) {
      for (const reason of reasons) {
        for (const revision of revisions) {
          for (const enabled of [true, false]) {
            const output = { enabled, reason, revision, segment };
            expect(encodeEvaluateJson(output)).toBe(protobufEs(output));
          }
        }
      }
    }
  });

  it("EvaluateAllResponse: the same bytes as protobuf-es for none, one and many evaluations", () => {
    for (const size of [0, 1, 2, 100]) {
      const evaluations = Array.from({ length: size }, (_, i) => ({
        feature: strings[i % strings.length] as string,
        enabled: i % 3 === 0,
        reason: reasons[i % reasons.length] as number,
        segment: strings[(i + 3) % strings.length] as string,
        ...(i % 4 === 1 ? { deleted: true } : i % 4 === 2 ? { deleted: false } : {}),
      }));
      for (const revision of revisions) {
        const output = { evaluations, revision };
        expect(encodeEvaluateAllJson(output)).toBe(protobufEsAll(output));
      }
    }
  });
});

describe("which requests the fast path serves", () => {
  let server: Server;
  let base: string;
  const inputs: unknown[] = [];
  const evaluate = FeatureFlagService.method.evaluate;
  const evaluateAll = FeatureFlagService.method.evaluateAll;
  const paths = new Map(
    [evaluate, evaluateAll].map((method) => [
      `/${method.parent.typeName}/${method.name}`,
      createJsonFastPath({
        method,
        impl: (input: unknown) => {
          inputs.push(input);
          return method === evaluateAll ? { evaluations: [], revision: 7n } : { enabled: true, reason: 1, revision: 7n, segment: "" };
        },
        encode: (method === evaluateAll ? encodeEvaluateAllJson : encodeEvaluateJson) as (output: never) => string,
        readMaxBytes: 1024,
      }),
    ]),
  );

  beforeAll(async () => {
    server = createServer((req, res) => {
      const fast = paths.get(req.url?.split("?")[0] ?? "");
      void fast?.(req, res, createContextValues()).then((result) => {
        if (result.served) return;
        // Left: say so, with the body the fast path read (which connect-node would get instead).
        res.writeHead(299, { "x-read": result.body === undefined ? "none" : Buffer.from(result.body).toString("base64") });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(body: string, headers: Record<string, string> = { "content-type": "application/json" }, path = "/flagwire.v1.FeatureFlagService/Evaluate") {
    inputs.length = 0;
    const res = await fetch(`${base}${path}`, { method: "POST", headers, body });
    return { status: res.status, read: res.headers.get("x-read"), text: await res.text(), input: inputs[0] };
  }

  it.each([
    { body: '{"feature":"beta","customerId":"acme","userId":"ann"}', input: { feature: "beta", customerId: "acme", userId: "ann" } },
    { body: '{"feature":"beta","customer_id":"acme","user_id":"ann"}', input: { feature: "beta", customerId: "acme", userId: "ann" } },
    { body: ' { "feature" : "beta" } ', input: { feature: "beta", customerId: "", userId: "" } },
    { body: "{}", input: { feature: "", customerId: "", userId: "" } },
    { body: '{"feature":"be\\u0074a","userId":"a\\"n\\n"}', input: { feature: "beta", customerId: "", userId: 'a"n\n' } },
    { body: '{"feature":"a\\u0000b","user\\u0049d":"\\ud83c\\udf89"}', input: { feature: "a\u0000b", customerId: "", userId: "🎉" } },
    { body: '{"feature":"ünï","userId":"анна"}', input: { feature: "ünï", customerId: "", userId: "анна" } },
  ])("serves $body", async ({ body, input }) => {
    const answer = await post(body);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"enabled":true,"reason":"EVALUATION_REASON_DEFAULT","revision":"7","segment":""}');
    expect(answer.input).toEqual({ $typeName: "flagwire.v1.EvaluateRequest", ...input });
  });

  it.each([
    "",
    "[]",
    "null",
    '"beta"',
    "{feature: 1}",
    '{"feature":"beta"',
    '{"feature":"beta"}x',
    '{"feature":"beta",}',
    '{"feature":7}',
    '{"feature":null}',
    '{"feature":"beta","tenant":"x"}',
    '{"feature":"beta","__proto__":"x"}',
    '{"feature":"beta","userId":"a","user_id":"b"}',
    '{"feature":"beta","feature":"beta"}',
    '{"feature":"be\\qta"}',
    '{"feature":"tab\there"}',
    '{"feature":{"name":"beta"}}',
    "\uFEFF{}",
    '{"feature":"\\ud800"}',
    '{"feature":"\\udc00x"}',
  ])("leaves %j to connect-node, with the body it read", async (body) => {
    const answer = await post(body);
    expect(answer.status).toBe(299);
    expect(Buffer.from(answer.read ?? "", "base64").toString()).toBe(body);
  });

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: "another content type", headers: { "content-type": "application/proto" } },
    { name: "an upper-case content type", headers: { "content-type": "Application/JSON" } },
    { name: "compression", headers: { "content-type": "application/json", "content-encoding": "gzip" } },
    { name: "a timeout", headers: { "content-type": "application/json", "connect-timeout-ms": "100" } },
    { name: "protocol version 2", headers: { "content-type": "application/json", "connect-protocol-version": "2" } },
  ])("leaves a request with $name unread", async ({ headers }) => {
    const answer = await post('{"feature":"beta"}', headers);
    expect(answer.status).toBe(299);
    expect(answer.read).toBe("none");
  });

  it("leaves a body past the limit unread", async () => {
    expect((await post(JSON.stringify({ feature: "x".repeat(2000) }))).read).toBe("none");
  });

  it("refuses a method whose request has other than string fields", () => {
    const method = FeatureFlagService.method.setOverride;
    expect(() => createJsonFastPath({ method, impl: () => ({}), encode: () => "", readMaxBytes: 1024 })).toThrow(/SetOverrideRequest\.target is not a plain string field/);
  });

  it("serves EvaluateAll and the GET form, and leaves GET with anything more", async () => {
    expect((await post('{"user_id":"ann"}', undefined, "/flagwire.v1.FeatureFlagService/EvaluateAll")).text).toBe('{"evaluations":[],"revision":"7"}');
    const get = (query: string) => fetch(`${base}/flagwire.v1.FeatureFlagService/Evaluate?${query}`).then((res) => res.status);
    const message = encodeURIComponent('{"feature":"beta"}');
    expect(await get(`connect=v1&encoding=json&message=${message}`)).toBe(200);
    expect(await get(`encoding=json&message=${message}`)).toBe(200);
    for (const query of [
      `connect=v1&encoding=json&message=${message}&base64=1`,
      `connect=v1&encoding=json&message=${message}&compression=gzip`,
      `connect=v1&encoding=proto&message=${message}`,
      `connect=v2&encoding=json&message=${message}`,
      `connect=v1&encoding=json&message=${message}&message=${message}`,
      `connect=v1&encoding=json&message=%7B%22feature%22%3A%22%FF%22%7D`,
      "connect=v1&encoding=json",
    ]) {
      expect(await get(query)).toBe(299);
    }
  });
});
