import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EvaluateRequestSchema, EvaluateResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { decodeEvaluateRequest } from "../../../src/server/decode-evaluate-request.js";
import { decodeRequest } from "../../../src/server/decode-request.js";
import { encodeEvaluateResponse } from "../../../src/server/encoded-message.js";
import { evaluationToProto } from "../../../src/server/proto-mapping.js";
import { EVERY_OUTCOME } from "../../support/evaluation-outcomes.js";
import { seededRandom } from "../../support/seeded-random.js";

// The hand-written Evaluate codec must agree with protobuf-es on every input: same bytes out, same message in,
// and for anything it does not handle, no answer (so that protobuf-es decides, errors included).

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("encodeEvaluateResponse", () => {
  it("writes the bytes protobuf-es writes, for every outcome and revisions of every size", () => {
    for (const evaluation of EVERY_OUTCOME) {
      for (const revision of [0, 1, 127, 128, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
        const reference = toBinary(EvaluateResponseSchema, create(EvaluateResponseSchema, { ...evaluationToProto(evaluation), revision: BigInt(revision) }));
        expect(hex(encodeEvaluateResponse(evaluation, revision).bytes)).toBe(hex(reference));
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
    // Through decodeRequest, the refusal is protobuf-es's own.
    expect(() => decodeRequest(EvaluateRequestSchema, Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(/request is not a valid flagwire.v1.EvaluateRequest message/);
    // A repeated field: the last one wins, as in protobuf.
    expect(decodeEvaluateRequest(Uint8Array.from([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]))?.feature).toBe("b");
  });
});
