// The paired ruler's pure parts: if these are wrong, every ratio and result in BENCHMARKS.md is wrong.
import { describe, expect, it } from "vitest";
import { judgedRow, type FigureResult, type RunContext } from "../../../bench/lib/figure.js";
import { describeRatio, formatRatio, judge, pairedRatios, spreadOf, targetLabel } from "../../../bench/lib/paired-ratio.js";
import { checkNotStalled, retryStalled, StalledRun } from "../../../bench/lib/h2load-output.js";
import { interleavedRounds, pairedRounds, roundPlan } from "../../../bench/lib/paired-rounds.js";
import { METHOD, renderReport } from "../../../bench/lib/report.js";

const run = { command: "npm run bench", machine: "m", date: "d", noise: null, durationS: 1, server: "s" };

describe("spread of paired ratios", () => {
  it("takes nearest-rank quartiles, median and extremes, whatever the order", () => {
    expect(spreadOf([1.0, 0.8, 0.9, 1.1, 0.7, 0.95, 0.85, 1.05, 0.75, 1.2])).toEqual({ median: 0.9, q1: 0.8, q3: 1.05, min: 0.7, max: 1.2, n: 10 });
    expect(spreadOf([0.5])).toEqual({ median: 0.5, q1: 0.5, q3: 0.5, min: 0.5, max: 0.5, n: 1 });
    expect(spreadOf([]).n).toBe(0);
    expect(spreadOf([]).median).toBeNaN();
  });

  it("pairs samples of the same round, and refuses unequal lists", () => {
    expect(pairedRatios([{ rps: 10 }, { rps: 30 }], [{ rps: 20 }, { rps: 20 }], (a, b) => a.rps / b.rps)).toEqual([0.5, 1.5]);
    expect(() => pairedRatios([1], [1, 2], (a, b) => a / b)).toThrow(/differ in length/);
  });

  it("cancels drift that unpaired medians do not", () => {
    // The machine's speed jumps from round to round; within a round A is 0.9x B.
    const speed = [6000, 17000, 9000, 15000, 7000];
    const a = speed.map((v) => 0.9 * v);
    const b = [...speed];
    b[2] = 17500; // one round of B in a quiet spell: only that round's ratio moves
    expect(spreadOf(pairedRatios(a, b, (x, y) => x / y)).median).toBeCloseTo(0.9);
    expect(spreadOf(a).median / spreadOf(b).median).toBeCloseTo(8100 / 15000); // unpaired: 0.54x
  });
});

describe("judging a paired ratio against its target", () => {
  const spread = (q1: number, median: number, q3: number) => ({ median, q1, q3, min: q1, max: q3, n: 10 });
  const atLeast = { op: ">=", value: 0.9 } as const;
  const atMost = { op: "<=", value: 1.2 } as const;

  it("passes or misses only when the whole IQR is on one side", () => {
    expect(judge(spread(0.91, 0.95, 0.99), atLeast)).toBe("pass");
    expect(judge(spread(0.9, 0.95, 0.99), atLeast)).toBe("pass"); // q1 on the target is at or above it
    expect(judge(spread(0.8, 0.85, 0.89), atLeast)).toBe("miss");
    expect(judge(spread(0.85, 0.93, 0.99), atLeast)).toBe("within noise"); // the brief's example
    expect(judge(spread(0.85, 0.88, 0.9), atLeast)).toBe("within noise"); // q3 reaches the target
  });

  it("mirrors for upper bounds", () => {
    expect(judge(spread(1.0, 1.1, 1.2), atMost)).toBe("pass");
    expect(judge(spread(1.21, 1.3, 1.4), atMost)).toBe("miss");
    expect(judge(spread(1.1, 1.25, 1.3), atMost)).toBe("within noise");
  });

  it("always resolves a single round", () => {
    expect(judge(spreadOf([0.89]), atLeast)).toBe("miss");
    expect(judge(spreadOf([0.9]), atLeast)).toBe("pass");
  });

  it("labels targets", () => {
    expect(targetLabel(atLeast)).toBe("≥ 0.9×");
    expect(targetLabel(atMost)).toBe("≤ 1.2×");
    expect(targetLabel({ op: ">=", value: 3, label: "≥ 3× faster" })).toBe("≥ 3× faster");
  });
});

describe("rows and report", () => {
  it("builds a judged row: median ratio, spread, verdict, and pass only when resolved", () => {
    const noisy = judgedRow({ id: "1a", what: "w", value: "v", baseline: "b", ratios: [0.85, 0.88, 0.93, 0.95, 0.99, 1.0], target: { op: ">=", value: 0.9 }, range: "1-2" });
    expect(noisy).toMatchObject({ ratio: 0.93, target: "≥ 0.9×", pass: null, verdict: "within noise", range: "1-2" });
    expect(noisy.spread).toMatchObject({ q1: 0.88, q3: 0.99, n: 6 });
    expect(judgedRow({ id: "x", what: "w", value: "v", baseline: "b", ratios: [0.95, 0.96], target: { op: ">=", value: 0.9 } })).toMatchObject({ pass: true, verdict: "pass" });
    expect(judgedRow({ id: "x", what: "w", value: "v", baseline: "b", ratios: [0.5, 0.6], target: { op: ">=", value: 0.9 } })).toMatchObject({ pass: false, verdict: "miss" });
    const reported = judgedRow({ id: "x", what: "w", value: "v", baseline: "b", ratios: [0.5, 0.6] });
    expect(reported).toMatchObject({ target: "—", pass: null });
    expect(reported.verdict).toBeUndefined();
  });

  it("formats the spread for the table and the details", () => {
    const s = spreadOf([0.85, 0.88, 0.93, 0.95, 0.99, 1.0]);
    expect(formatRatio(s)).toBe("0.93× (IQR 0.88-0.99, n=6)");
    expect(formatRatio(spreadOf([0.5]))).toBe("0.50×");
    expect(describeRatio(s)).toBe("median 0.93×, IQR 0.88-0.99, min-max 0.85-1.00 over 6 paired rounds");
  });

  it("renders paired rows with their spread and verdict, the method, and old-style rows as before", () => {
    const figure: FigureResult = {
      figure: 1,
      title: "t",
      rows: [
        judgedRow({ id: "1a", what: "w", value: "v", baseline: "b", ratios: [0.85, 0.88, 0.93, 0.95, 0.99, 1.0], target: { op: ">=", value: 0.9 }, range: "1-2" }),
        judgedRow({ id: "1b", what: "w", value: "v", baseline: "b", ratios: [0.5, 0.6, 0.7], target: { op: ">=", value: 0.9 } }),
        { id: "5a", what: "w", value: "v", baseline: "—", ratio: null, target: "≤ 1 s", pass: true },
      ],
      commands: [],
      notes: ["n"],
    };
    const text = renderReport(run, [figure]);
    expect(text).toContain("| 1a | w | v | b | 0.93× (IQR 0.88-0.99, n=6) | ≥ 0.9× | *within noise* |");
    expect(text).toContain("| 1b | w | v | b | 0.60× (IQR 0.50-0.70, n=3) | ≥ 0.9× | **miss** |");
    expect(text).toContain("| 5a | w | v | — | — | ≤ 1 s | pass |");
    expect(text).toContain("- 1a: ratio median 0.93×, IQR 0.88-0.99, min-max 0.85-1.00 over 6 paired rounds; value min-max 1-2.");
    expect(text).toContain(METHOD.join("\n"));
  });
});

describe("interleaved rounds", () => {
  const ctx: RunContext = { full: false, cores: { server: "0", load: "1" }, logLevel: "info", profileDir: undefined, log: () => undefined };

  it("warms each target up, then rotates which goes first each round", async () => {
    const calls: string[] = [];
    const measure = (name: string) => async (seconds: number) => {
      calls.push(`${name}${seconds}`);
      return { rps: calls.length };
    };
    const samples = await interleavedRounds([measure("A"), measure("B"), measure("C")], { rounds: 3, seconds: 2, warmUpSeconds: 1 });
    expect(calls).toEqual(["A1", "B1", "C1", "A2", "B2", "C2", "B2", "C2", "A2", "C2", "A2", "B2"]);
    expect(samples.map((s) => s.map((x) => x.rps))).toEqual([[4, 9, 11], [5, 7, 12], [6, 8, 10]]);
  });

  it("pairs two targets A B, B A and reports each round's ratio", async () => {
    // The machine's speed changes from round to round (two runs per round), not within one: every ratio is 0.9.
    const speed = [6000, 17000, 9000, 15000];
    let run = 0;
    const drifting = (scale: number) => async () => ({ rps: scale * (speed[Math.floor(run++ / 2)] as number) });
    const paired = await pairedRounds(ctx, { a: drifting(0.9), b: drifting(1), plan: { rounds: 4, seconds: 1, warmUpSeconds: 0 } });
    expect(paired.a.map((s) => s.rps)).toEqual([5400, 15300, 8100, 13500]);
    expect(paired.ratios.map((r) => Number(r.toFixed(3)))).toEqual([0.9, 0.9, 0.9, 0.9]);
    expect(paired.spread.n).toBe(4);
    expect(roundPlan(false)).toEqual({ rounds: 6, seconds: 1, warmUpSeconds: 1 });
    expect(roundPlan(true)).toEqual({ rounds: 10, seconds: 2, warmUpSeconds: 2 });
  });
});

describe("stalled runs", () => {
  const summary = { rps: 0, total: 0, succeeded: 0, failed: 0, errored: 0, timeout: 0 };

  it("tells a run where nothing finished from one that failed", () => {
    expect(() => checkNotStalled(summary, "out")).toThrow(StalledRun);
    expect(() => checkNotStalled({ ...summary, failed: 1 }, "out")).not.toThrow();
    expect(() => checkNotStalled({ ...summary, succeeded: 5 }, "out")).not.toThrow();
  });

  it("runs a stalled run again, a bounded number of times, and never retries a failure", async () => {
    const logged: string[] = [];
    let calls = 0;
    await expect(retryStalled(async () => (++calls < 3 ? Promise.reject(new StalledRun("s")) : "ok"), (l) => logged.push(l))).resolves.toBe("ok");
    expect(logged).toHaveLength(2);
    await expect(retryStalled(async () => Promise.reject(new StalledRun("s")), () => undefined)).rejects.toThrow(StalledRun);
    calls = 0;
    await expect(retryStalled(async () => (calls++, Promise.reject(new Error("refused"))), () => undefined)).rejects.toThrow("refused");
    expect(calls).toBe(1);
  });
});
