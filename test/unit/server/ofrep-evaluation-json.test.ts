import { describe, expect, it } from "vitest";
import type { Evaluation, Reason } from "../../../src/domain/evaluate.js";
import type { FeatureRecord } from "../../../src/domain/flag-state.js";
import { ofrepEvaluation, ofrepEvaluationJson } from "../../../src/server/http/ofrep/ofrep-evaluation.js";

// The single-flag answer is written as text: it must be what JSON.stringify makes of the answer's object.

const REASONS: Reason[] = ["DEFAULT", "CUSTOMER_OVERRIDE", "USER_OVERRIDE", "SEGMENT", "ROLLOUT", "DEFAULT_NO_STICKINESS_ID"];
const feature = (targeted: boolean) =>
  ({ rollout: null, customerOverrides: new Map(targeted ? [["acme", true]] : []), userOverrides: new Map(), segmentRules: new Map() }) as unknown as FeatureRecord;

describe("ofrepEvaluationJson", () => {
  it("writes JSON.stringify(ofrepEvaluation(...)) for every reason, value, segment, key and revision", () => {
    for (const reason of REASONS) {
      for (const enabled of [true, false]) {
        for (const segment of [undefined, "beta-testers", 'quo"te\\ ünï 🎉\n']) {
          for (const key of ["dashboard", "new.checkout_v2", "ünï", 'a"b']) {
            for (const record of [undefined, feature(false), feature(true)]) {
              for (const revision of [0, 1, 123456789]) {
                const evaluation: Evaluation = { enabled, reason, segment };
                expect(ofrepEvaluationJson(key, evaluation, record, revision)).toBe(JSON.stringify(ofrepEvaluation(key, evaluation, record, revision)));
              }
            }
          }
        }
      }
    }
  });
});
