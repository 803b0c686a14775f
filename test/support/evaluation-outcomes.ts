import { decide, segmentOutcomes, type Evaluation } from "../../src/domain/evaluate.js";

/**
 * Every outcome evaluation can produce: each reason, on and off, and SEGMENT outcomes whose names cross the
 * one-byte length boundary of protobuf (127/128 bytes). What the hand-written encoders are checked against.
 */
export const EVERY_OUTCOME: readonly Evaluation[] = [
  ...[true, false].flatMap((on) => [
    decide(on, undefined, undefined),
    decide(on, on, undefined),
    decide(on, undefined, on),
    decide(on, undefined, undefined, undefined, "inside"),
    decide(on, undefined, undefined, undefined, "no_stickiness_id"),
  ]),
  ...["b", "beta-testers", "s".repeat(127), "s".repeat(128), "s".repeat(300)].flatMap((name) => segmentOutcomes(name)),
];
