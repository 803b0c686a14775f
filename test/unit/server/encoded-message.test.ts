import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EvaluateAllResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import type { Evaluation } from "../../../src/domain/evaluate.js";
import { encodeEvaluateAllResponse } from "../../../src/server/encoded-message.js";
import { evaluationToProto } from "../../../src/server/proto-mapping.js";
import { EVERY_OUTCOME } from "../../support/evaluation-outcomes.js";
import { seededRandom } from "../../support/seeded-random.js";

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
    const bytes = encodeEvaluateAllResponse(["a"], [OUTCOMES[0] as Evaluation], revision).bytes;
    expect(Buffer.from(bytes).equals(Buffer.from(reference(["a"], [OUTCOMES[0] as Evaluation], revision)))).toBe(true);
  });

  it("writes the same bytes as protobuf-es for random responses", () => {
    const next = seededRandom(42);
    for (let run = 0; run < 200; run++) {
      const count = Math.floor(next() * 60);
      const features = Array.from({ length: count }, (_, i) => `f${i}-${"x".repeat(Math.floor(next() * 200))}`);
      const evaluations = features.map(() => OUTCOMES[Math.floor(next() * OUTCOMES.length)] as Evaluation);
      const revision = Math.floor(next() * 2 ** 40);
      const bytes = encodeEvaluateAllResponse(features, evaluations, revision).bytes;
      expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(reference(features, evaluations, revision)).toString("hex"));
      // And it reads back to what was meant.
      const decoded = fromBinary(EvaluateAllResponseSchema, bytes);
      expect(decoded.evaluations.map((e) => e.feature)).toEqual(features);
      expect(decoded.revision).toBe(BigInt(revision));
    }
  });
});
