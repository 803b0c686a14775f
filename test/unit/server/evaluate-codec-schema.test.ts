import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  EvaluateAllRequestSchema,
  EvaluateAllResponseSchema,
  EvaluateRequestSchema,
  EvaluateResponseSchema,
  EvaluationReason,
  EvaluationReasonSchema,
  FeatureEvaluationSchema,
} from "../../../gen/flagwire/v1/flags_pb.js";
import type { Evaluation } from "../../../src/domain/evaluate.js";
import { decodeEvaluateRequest, encodeEvaluateAllResponse, encodeEvaluateResponse } from "../../../src/server/grpc/evaluate-codec.js";
import { fieldPin } from "../../support/field-pin.js";

// The hand codecs of the gRPC port (src/server/grpc/evaluate-codec.ts) know these messages field by field. A field
// added to the contract would be silently dropped by them (or, in a request, read as missing): these pins fail
// first, and point at the codec to update along with the list.

const PINNED: [DescMessage, string[]][] = [
  [EvaluateRequestSchema, ["1 feature string", "2 customer_id string", "3 user_id string"]],
  [EvaluateResponseSchema, ["1 enabled bool", "2 reason flagwire.v1.EvaluationReason", "3 revision int64", "4 segment string"]],
  [EvaluateAllResponseSchema, ["1 evaluations repeated flagwire.v1.FeatureEvaluation", "2 revision int64"]],
  // `deleted` is never set in an EvaluateAll answer (only WatchEvaluation reports deletions): the codec leaves it out.
  [FeatureEvaluationSchema, ["1 feature string", "2 enabled bool", "3 reason flagwire.v1.EvaluationReason", "4 deleted bool", "5 segment string"]],
  // EvaluateAll's request is read by protobuf-es; pinned because the hand codec answers for exactly these fields.
  [EvaluateAllRequestSchema, ["1 customer_id string", "2 user_id string"]],
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("the messages the hand codecs write and read", () => {
  it.each(PINNED.map(([schema, fields]) => [schema.typeName, schema, fields] as const))("%s has exactly the pinned fields", (_, schema, fields) => {
    expect(schema.fields.map(fieldPin)).toEqual(fields);
    // Oneofs and proto2-style presence would change what a zero value writes.
    expect(schema.oneofs).toEqual([]);
    expect(schema.fields.filter((field) => field.presence !== FeatureSet_FieldPresence.IMPLICIT && field.fieldKind !== "list").map((f) => f.name)).toEqual([]);
  });

  it("writes every reason in one byte, as the codec assumes", () => {
    for (const value of EvaluationReasonSchema.values) expect(value.number).toBeLessThan(128);
    expect(EvaluationReasonSchema.values.map((value) => value.number)).toContain(EvaluationReason.SEGMENT);
  });

  it("writes what protobuf-es writes when every field the codec knows is set", () => {
    const segmentOn: Evaluation = { enabled: true, reason: "SEGMENT", segment: "beta" };
    const response = create(EvaluateResponseSchema, { enabled: true, reason: EvaluationReason.SEGMENT, revision: 300n, segment: "beta" });
    expect(hex(encodeEvaluateResponse(segmentOn, 300))).toBe(hex(toBinary(EvaluateResponseSchema, response)));
    const all = create(EvaluateAllResponseSchema, {
      evaluations: [{ feature: "a", enabled: true, reason: EvaluationReason.SEGMENT, segment: "beta" }],
      revision: 300n,
    });
    expect(hex(encodeEvaluateAllResponse(["a"], [segmentOn], 300))).toBe(hex(toBinary(EvaluateAllResponseSchema, all)));
  });

  it("reads every field of a request with all of them set", () => {
    const request = create(EvaluateRequestSchema, { feature: "f", customerId: "c", userId: "u" });
    const decoded = decodeEvaluateRequest(toBinary(EvaluateRequestSchema, request));
    expect(decoded).toEqual(request);
  });
});
