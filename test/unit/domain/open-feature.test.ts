import { describe, expect, it } from "vitest";
import type { Reason } from "../../../src/domain/evaluate.js";
import { flagwireMetadata, openFeatureReason, variantOf } from "../../../src/domain/open-feature.js";

// One mapping for OFREP, flagd's protocol and the in-process provider: each protocol's tests check it end to end.
describe("openFeatureReason", () => {
  it.each<[Reason, boolean, string]>([
    ["USER_OVERRIDE", true, "TARGETING_MATCH"],
    ["CUSTOMER_OVERRIDE", true, "TARGETING_MATCH"],
    ["SEGMENT", true, "TARGETING_MATCH"],
    ["ROLLOUT", true, "SPLIT"],
    ["DEFAULT", true, "DEFAULT"],
    ["DEFAULT_NO_STICKINESS_ID", true, "DEFAULT"],
    ["DEFAULT", false, "STATIC"],
  ])("%s (targeted: %s) is %s", (reason, targeted, expected) => {
    expect(openFeatureReason(reason, targeted)).toBe(expected);
  });

  it("names the variant and carries our reason, segment and revision", () => {
    expect(variantOf(true)).toBe("on");
    expect(variantOf(false)).toBe("off");
    expect(flagwireMetadata({ enabled: true, reason: "SEGMENT", segment: "beta" }, 7)).toEqual({ reason: "SEGMENT", segment: "beta", revision: 7 });
    expect(flagwireMetadata({ enabled: false, reason: "DEFAULT", segment: undefined }, 3)).toEqual({ reason: "DEFAULT", revision: 3 });
  });
});
