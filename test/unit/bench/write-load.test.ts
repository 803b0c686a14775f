// Figure 4's load generator: processes per load core, and the sum of what several processes measured.
import { describe, expect, it } from "vitest";
import { loadProcesses } from "../../../bench/figures/set-override.js";
import { sumResults } from "../../../bench/lib/write-load.js";

describe("the forked write load", () => {
  it.each([
    ["1", 1],
    ["1-3", 3],
    ["1,3", 2],
    ["0-1,4-7", 6],
  ])("runs one process per core of %s", (cores, n) => {
    expect(loadProcesses(cores)).toBe(n);
  });

  it("adds up rates, counts and latencies, and keeps the first failure", () => {
    const sum = sumResults([
      { rps: 100, ok: 400, failed: 0, calls: 500, latenciesUs: [1, 2] },
      { rps: 50.5, ok: 200, failed: 2, calls: 260, latenciesUs: [3], firstFailure: "14: unavailable" },
      { rps: 1, ok: 4, failed: 1, calls: 6, latenciesUs: [], firstFailure: "13: later" },
    ]);
    expect(sum).toEqual({ rps: 151.5, ok: 604, failed: 3, calls: 766, latenciesUs: [1, 2, 3], firstFailure: "14: unavailable" });
  });
});
