// The benchmark harness's pure helpers: if these are wrong, every figure in BENCHMARKS.md is wrong.
import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../../../bench/lib/args.js";
import { hotSpots } from "../../../bench/lib/cpu-profile.js";
import { datasetChanges } from "../../../bench/lib/dataset.js";
import { grpcFrame, GrpcFrameReader } from "../../../bench/lib/grpc-wire.js";
import { parseH2loadLog, parseH2loadOutput } from "../../../bench/lib/h2load-output.js";
import { BEGIN_MARKER, END_MARKER, renderReport, spliceReport } from "../../../bench/lib/report.js";
import { median, percentile, summarizeLatencies } from "../../../bench/lib/stats.js";
import { FlagState } from "../../../src/domain/flag-state.js";

const H2LOAD_OUTPUT = `starting benchmark...
spawning thread #0: 50 total client(s). Timing-based test with 1s of warm-up time and 4s of main duration for measurements.
Warm-up started for thread #0.
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0
Application protocol: h2c

finished in 4.00s, 5970.25 req/s, 345.12KB/s
requests: 23881 total, 23881 started, 23881 done, 23880 succeeded, 1 failed, 1 errored, 0 timeout
status codes: 23880 2xx, 0 3xx, 0 4xx, 0 5xx
`;

describe("percentiles", () => {
  it("takes the nearest rank, never a value between samples", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 99)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });

  it("sorts numerically, not as strings", () => {
    expect(median([100, 9, 20])).toBe(20);
    expect(summarizeLatencies([5, 1000, 30, 2])).toEqual({ count: 4, p50: 5, p99: 1000, max: 1000 });
  });
});

describe("h2load output", () => {
  it("reads req/s and the request counts", () => {
    expect(parseH2loadOutput(H2LOAD_OUTPUT)).toEqual({ rps: 5970.25, total: 23881, succeeded: 23880, failed: 1, errored: 1, timeout: 0 });
  });

  it("refuses output it does not understand", () => {
    expect(() => parseH2loadOutput("connection refused")).toThrow(/not understood/);
  });

  it("reads the latencies of the 2xx requests from the log file", () => {
    const log = "1700000000000000\t200\t812\n1700000000000100\t200\t1034\n1700000000000200\t-1\t5\n";
    expect(parseH2loadLog(log)).toEqual([812, 1034]);
    expect(() => parseH2loadLog("garbage\n")).toThrow(/not understood/);
  });
});

describe("gRPC framing", () => {
  it("reassembles messages cut anywhere across chunks, prefix included", () => {
    const messages = [Buffer.from("hello"), Buffer.alloc(0), Buffer.from("a longer message")];
    const wire = Buffer.concat(messages.map((m) => grpcFrame(m)));
    for (let cut = 1; cut < wire.length; cut++) {
      const reader = new GrpcFrameReader();
      const got = [...reader.push(wire.subarray(0, 1)), ...reader.push(wire.subarray(1, cut)), ...reader.push(wire.subarray(cut))];
      expect(got.map(String)).toEqual(messages.map(String));
    }
  });

  it("frames with a zero compression flag and a big-endian length", () => {
    expect([...grpcFrame(Buffer.from([9, 8, 7]))]).toEqual([0, 0, 0, 0, 3, 9, 8, 7]);
  });
});

describe("bench arguments", () => {
  it("reads flags in both forms", () => {
    expect(parseBenchArgs(["--full", "--only=1,3", "--log-level", "warn"])).toMatchObject({ full: true, only: [1, 3], logLevel: "warn" });
    expect(parseBenchArgs([])).toMatchObject({ full: false, only: [], logLevel: "info" });
  });

  it.each([["--only", "99"], ["--only", "x"], ["--fast"], ["--profile"]])("refuses %j", (...argv) => {
    expect(() => parseBenchArgs(argv)).toThrow();
  });
});

describe("report", () => {
  const run = { command: "npm run bench", machine: "m", date: "d", noise: null, durationS: 1, server: "s" };
  const figure = {
    figure: 1,
    title: "t",
    rows: [{ id: "1a", what: "w", value: "v", baseline: "b", ratio: 0.5, target: "≥ 0.9×", pass: false }],
    commands: ["h2load"],
    notes: ["n"],
  };

  it("replaces only the generated section and keeps the notes around it", () => {
    const generated = renderReport(run, [figure]);
    expect(generated).toContain("| 1a | w | v | b | 0.50× | ≥ 0.9× | **miss** |");
    const existing = `# Benchmarks\n\nintro\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\n## Notes\nkept\n`;
    const spliced = spliceReport(existing, generated);
    expect(spliced).toContain("intro");
    expect(spliced).toContain("## Notes\nkept");
    expect(spliced).not.toContain("old");
    expect(spliceReport(spliced, generated)).toBe(spliced);
    expect(spliceReport("", generated).startsWith("# Benchmarks\n\n<!-- bench:begin")).toBe(true);
  });
});

describe("cpu profile summary", () => {
  it("sums self time per function", () => {
    const frame = (functionName: string, url = "file:///r/dist/src/a.js") => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", "") },
        { id: 2, callFrame: frame("hot") },
        { id: 3, callFrame: frame("cold", "file:///r/node_modules/x/y.js") },
      ],
      samples: [2, 2, 3, 2],
      timeDeltas: [1000, 1000, 1000, 1000],
    };
    expect(hotSpots(profile)).toEqual([
      { where: "hot (src/a.js:1)", selfMs: 3, share: 0.75 },
      { where: "cold (x/y.js:1)", selfMs: 1, share: 0.25 },
    ]);
  });
});

describe("data set", () => {
  it("replays to the promised shape, with no override written twice", () => {
    const shape = { features: 10, customers: 20, usersPerCustomer: 3, customerOverrides: 40, userOverrides: 50 };
    const state = new FlagState();
    const seen = new Set<string>();
    let revision = 0;
    for (const data of datasetChanges(shape)) {
      if (data.kind === "override.set") {
        const key = `${data.feature}/${data.target.kind}/${data.target.id}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
      state.apply({ ...data, revision: ++revision, at: 0, actor: null });
    }
    expect(state.features.size).toBe(10);
    expect(state.customers.size).toBe(20);
    expect(state.users.size).toBe(60);
    const overrides = [...state.features.values()].reduce((n, f) => n + f.customerOverrides.size + f.userOverrides.size, 0);
    expect(overrides).toBe(10 + 40 + 50); // hot feature: every even customer
    const hot = state.features.get("f0000");
    expect([...(hot?.customerOverrides.keys() ?? [])].every((id) => Number(id.slice(1)) % 2 === 0)).toBe(true);
    const values = [...state.features.values()].flatMap((f) => [...f.customerOverrides.values(), ...f.userOverrides.values()]);
    expect(values).toContain(true);
    expect(values).toContain(false);
  });
});
