import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RolloutStickiness } from "../../../gen/flagwire/v1/flags_pb.js";
import { parsePercentage } from "../../../src/cli/rollout-commands.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { runCli } from "../../support/run-cli.js";

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
  await ts.client().createFeature({ name: "dashboard" });
});
afterAll(() => ts.close());

const run = (args: string[]) => runCli(args, { env: { FLAGWIRE_SERVER: ts.grpcUrl } });

describe("percentages are read exactly", () => {
  it.each([
    ["0", 0],
    ["25", 2_500],
    ["25.5", 2_550],
    ["12.34", 1_234],
    ["0.01", 1],
    ["100", 10_000],
    ["100.0", 10_000],
    ["33.33", 3_333],
  ])("%s%% is %i basis points", (text, basisPoints) => {
    expect(parsePercentage(text)).toBe(basisPoints);
  });
  it.each(["100.01", "101", "-1", "1e2", "12.345", ".5", "5.", "", "abc", " 5"])("%j is refused", (text) => {
    expect(() => parsePercentage(text)).toThrow(/is not a percentage: use 0-100 with at most two decimals/);
  });
});

describe("flagwire set-rollout and clear-rollout", { timeout: 30_000 }, () => {
  it("sets a rollout by user or by customer and clears it", async () => {
    expect(await run(["set-rollout", "dashboard", "25"])).toMatchObject({ code: 0, stdout: "dashboard is rolled out to 25.00% by user (revision 2)\n", stderr: "" });
    expect((await ts.client().getFeature({ name: "dashboard" })).feature?.rollout).toMatchObject({ basisPoints: 2_500, stickiness: RolloutStickiness.USER });
    const json = await run(["set-rollout", "dashboard", "12.5", "--by", "customer", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ feature: { name: "dashboard", rollout: { basisPoints: 1_250, stickiness: "ROLLOUT_STICKINESS_CUSTOMER" } }, revision: "3" });
    expect(await run(["clear-rollout", "dashboard"])).toMatchObject({ code: 0, stdout: "dashboard has no rollout (revision 4)\n" });
    expect((await ts.client().getFeature({ name: "dashboard" })).feature?.rollout).toBeUndefined();
  });

  it("refuses bad usage with exit 2 and unknown features with exit 1, changing nothing", async () => {
    const before = await dumpState(ts.client());
    const usage = await run(["set-rollout", "dashboard", "100.5"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error: "100.5" is not a percentage');
    expect(usage.stderr).toContain("Usage: flagwire set-rollout");
    expect((await run(["set-rollout", "dashboard", "5", "--by", "team"])).code).toBe(2);
    expect((await run(["set-rollout", "dashboard"])).code).toBe(2);
    expect(await run(["clear-rollout", "nope"])).toMatchObject({ code: 1, stderr: 'error: NOT_FOUND: feature "nope" not found\n' });
    expect(await dumpState(ts.client())).toEqual(before);
  });
});
