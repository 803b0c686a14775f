import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EvaluateAllResponseSchema, EvaluateRequestSchema, EvaluateResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import type { ChangeData } from "../../../src/domain/change.js";
import type { Evaluation } from "../../../src/domain/evaluate.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { evaluateAll } from "../../../src/engine/evaluate-all.js";
import { FLAG_GRPC_CODECS } from "../../../src/server/grpc/create-flag-grpc-service.js";
import { decodeEvaluateRequest, encodeEvaluateAllResponse, encodeEvaluateResponse } from "../../../src/server/grpc/evaluate-codec.js";
import { evaluationToProto } from "../../../src/server/services/proto-mapping.js";
import { EVERY_OUTCOME } from "../../support/evaluation-outcomes.js";
import { seededRandom } from "../../support/seeded-random.js";

// The hand-written Evaluate and EvaluateAll codecs must agree with protobuf-es on every input: same bytes out, same message in,
// and for anything it does not handle, no answer (so that protobuf-es decides, errors included).

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("encodeEvaluateResponse", () => {
  it("writes the bytes protobuf-es writes, for every outcome and revisions of every size", () => {
    for (const evaluation of EVERY_OUTCOME) {
      for (const revision of [0, 1, 127, 128, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
        const reference = toBinary(EvaluateResponseSchema, create(EvaluateResponseSchema, { ...evaluationToProto(evaluation), revision: BigInt(revision) }));
        expect(hex(encodeEvaluateResponse(evaluation, revision))).toBe(hex(reference));
      }
    }
  });
});

describe("decodeEvaluateRequest", () => {
  const asProtobufEs = (bytes: Uint8Array) => {
    const { feature, customerId, userId } = fromBinary(EvaluateRequestSchema, bytes);
    return { feature, customerId, userId };
  };

  it("reads what protobuf-es reads, for ASCII requests of every shape", () => {
    const next = seededRandom(7);
    const text = () => Array.from({ length: Math.floor(next() * 130) }, () => String.fromCharCode(32 + Math.floor(next() * 95))).join("");
    for (let run = 0; run < 500; run++) {
      const request = create(EvaluateRequestSchema, { feature: text(), customerId: next() < 0.5 ? text() : "", userId: next() < 0.5 ? text() : "" });
      const bytes = toBinary(EvaluateRequestSchema, request);
      const decoded = decodeEvaluateRequest(bytes);
      if (decoded) expect({ feature: decoded.feature, customerId: decoded.customerId, userId: decoded.userId }).toEqual(asProtobufEs(bytes));
      else expect(bytes.some((b, i) => b >= 0x80 && i > 0)).toBe(true); // only a long string (two-byte length) is left to protobuf-es
    }
  });

  it("leaves everything else to protobuf-es, so answers and errors stay the same", () => {
    const cases: [string, number[]][] = [
      ["non-ASCII text", [0x0a, 0x02, 0xc3, 0xa9]],
      ["an unknown field", [0x0a, 0x01, 0x61, 0x20, 0x01]],
      ["a truncated string", [0x0a, 0x05, 0x61]],
      ["a tag with no length", [0x0a]],
      ["a wrong wire type for field 1", [0x08, 0x01]],
    ];
    for (const [name, bytes] of cases) {
      expect({ name, decoded: decodeEvaluateRequest(Uint8Array.from(bytes)) }).toEqual({ name, decoded: undefined });
    }
    // Through the gRPC port's Evaluate codec, the refusal is protobuf-es's own.
    expect(() => FLAG_GRPC_CODECS.evaluate.decode(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(
      /request is not a valid flagwire.v1.EvaluateRequest message/,
    );
    expect(FLAG_GRPC_CODECS.evaluate.decode(Uint8Array.from([0x0a, 0x02, 0xc3, 0xa9])).feature).toBe("é");
    // A repeated field: the last one wins, as in protobuf.
    expect(decodeEvaluateRequest(Uint8Array.from([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]))?.feature).toBe("b");
  });
});

/** What protobuf-es writes for the same response: the reference the hand-written encoder must match byte for byte. */
function reference(features: string[], evaluations: Evaluation[], revision: number): Uint8Array {
  return toBinary(
    EvaluateAllResponseSchema,
    create(EvaluateAllResponseSchema, {
      evaluations: features.map((feature, i) => ({ feature, ...evaluationToProto(evaluations[i] as Evaluation) })),
      revision: BigInt(revision),
    }),
  );
}

const OUTCOMES = EVERY_OUTCOME;

describe("encodeEvaluateAllResponse", () => {
  it.each([0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])("writes revision %i as protobuf-es does", (revision) => {
    const bytes = encodeEvaluateAllResponse(["a"], [OUTCOMES[0] as Evaluation], revision);
    expect(Buffer.from(bytes).equals(Buffer.from(reference(["a"], [OUTCOMES[0] as Evaluation], revision)))).toBe(true);
  });

  it("writes the same bytes as protobuf-es for random responses", () => {
    const next = seededRandom(42);
    for (let run = 0; run < 200; run++) {
      const count = Math.floor(next() * 60);
      const features = Array.from({ length: count }, (_, i) => `f${i}-${"x".repeat(Math.floor(next() * 200))}`);
      const evaluations = features.map(() => OUTCOMES[Math.floor(next() * OUTCOMES.length)] as Evaluation);
      const revision = Math.floor(next() * 2 ** 40);
      const bytes = encodeEvaluateAllResponse(features, evaluations, revision);
      expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(reference(features, evaluations, revision)).toString("hex"));
      // And it reads back to what was meant.
      const decoded = fromBinary(EvaluateAllResponseSchema, bytes);
      expect(decoded.evaluations.map((e) => e.feature)).toEqual(features);
      expect(decoded.revision).toBe(BigInt(revision));
    }
  });
});

describe("encodeEvaluateAllResponse over the empty context's answers", () => {
  const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
  const pick = (next: () => number) => OUTCOMES[Math.floor(next() * OUTCOMES.length)] as Evaluation;

  it("writes the same bytes as protobuf-es whichever entries differ from the cached run", () => {
    const next = seededRandom(9);
    for (let run = 0; run < 60; run++) {
      const count = Math.floor(next() * 300);
      // Names of every length around the one-byte length boundary, some non-ASCII (two bytes per character in UTF-8).
      const features = Array.from({ length: count }, (_, i) => `${next() < 0.1 ? "é" : "f"}${i}-${"x".repeat(Math.floor(next() * 140))}`);
      const anonymous = features.map(() => pick(next));
      // The same run serves many responses: none, a few, most or all of their entries differ.
      for (const share of [0, 0.01, 0.1, 0.5, 1]) {
        const evaluations = anonymous.map((evaluation) => (next() < share ? pick(next) : evaluation));
        const revision = next() < 0.1 ? 0 : Math.floor(next() * 2 ** 40);
        expect(hexOf(encodeEvaluateAllResponse(features, evaluations, revision, anonymous))).toBe(hexOf(reference(features, evaluations, revision)));
      }
    }
  });

  it("covers the first and last entries, and an empty list", () => {
    const features = ["a", "b", "c"];
    const anonymous = [OUTCOMES[0], OUTCOMES[1], OUTCOMES[2]] as Evaluation[];
    const segment = OUTCOMES[OUTCOMES.length - 1] as Evaluation; // a 300-byte segment name: a two-byte entry length
    for (const evaluations of [[segment, anonymous[1], anonymous[2]], [anonymous[0], anonymous[1], segment], [segment, segment, segment]] as Evaluation[][]) {
      expect(hexOf(encodeEvaluateAllResponse(features, evaluations, 7, anonymous))).toBe(hexOf(reference(features, evaluations, 7)));
    }
    expect(hexOf(encodeEvaluateAllResponse([], [], 3, []))).toBe(hexOf(reference([], [], 3)));
  });

  it("encodes without the run when the lists do not line up", () => {
    const anonymous = [OUTCOMES[0]] as Evaluation[];
    const evaluations = [OUTCOMES[1], OUTCOMES[2]] as Evaluation[];
    expect(hexOf(encodeEvaluateAllResponse(["a", "b"], evaluations, 5, anonymous))).toBe(hexOf(reference(["a", "b"], evaluations, 5)));
  });

  it("writes what protobuf-es writes for the engine's answers, after each change of a feature, an override or a segment", () => {
    const state = new FlagState();
    let revision = 0;
    const apply = (data: ChangeData) => state.apply({ ...data, revision: ++revision, at: revision, actor: null });
    apply({ kind: "customer.created", customerId: "acme" });
    apply({ kind: "user.created", userId: "ann", customerId: "acme" });
    for (let i = 0; i < 200; i++) apply({ kind: "feature.created", feature: `f${String(i).padStart(3, "0")}`, enabled: i % 3 === 0, description: "", salt: `s${i}` });
    const contexts = [{}, { userId: "ann" }, { customerId: "acme" }, { customerId: "other", userId: "bob" }];
    const check = () => {
      for (const context of contexts) {
        const all = evaluateAll(state, context);
        const bytes = FLAG_GRPC_CODECS.evaluateAll.encode(all);
        expect({ context, revision, hex: hexOf(bytes) }).toEqual({ context, revision, hex: hexOf(reference([...all.features], all.evaluations, all.revision)) });
      }
    };
    check();
    const changes: ChangeData[] = [
      { kind: "feature.enabled_set", feature: "f001", enabled: true },
      { kind: "override.set", feature: "f002", target: { kind: "user", id: "ann" }, enabled: true },
      { kind: "override.set", feature: "f003", target: { kind: "customer", id: "acme" }, enabled: true },
      { kind: "segment.created", segment: "s".repeat(130) },
      { kind: "segment.members_added", segment: "s".repeat(130), customerIds: [], userIds: ["ann"] },
      { kind: "segment_rule.set", feature: "f004", segment: "s".repeat(130), enabled: true },
      { kind: "segment.renamed", segment: "s".repeat(130), newName: "beta" },
      { kind: "rollout.set", feature: "f005", rollout: { basisPoints: 5000, stickiness: "user" } },
      { kind: "feature.renamed", feature: "f002", newName: "z-renamed" },
      { kind: "feature.created", feature: "a-new", enabled: true, description: "", salt: "n" },
      { kind: "override.cleared", feature: "f003", target: { kind: "customer", id: "acme" } },
      { kind: "feature.deleted", feature: "f000" },
      { kind: "user.deleted", userId: "ann" },
    ];
    for (const change of changes) {
      apply(change);
      check();
    }
  });
});
