import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { StaleReason } from "../../../gen/flagwire/v1/flags_pb.js";
import { createFlagClient, type FlagClient } from "../../../src/client/create-flag-client.js";
import type { ChangeData } from "../../../src/domain/change.js";
import { startServer, type RunningServer } from "../../../src/server/start-server.js";
import { openStore } from "../../../src/store/open-store.js";
import { DAY_MS } from "../../../src/store/usage-store.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { runCli } from "../../support/run-cli.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

const usageOf = async (client: FlagClient, name: string) => {
  const feature = (await client.getFeature({ name })).feature;
  return { today: Number(feature?.evaluationsToday), d7: Number(feature?.evaluations7d), d30: Number(feature?.evaluations30d), last: feature?.lastEvaluateTime };
};

describe("evaluation counts", () => {
  let ts: TestServer;
  let second: RunningServer;
  beforeAll(async () => {
    ts = await startTestServer({ usageFlushIntervalMs: 0 });
    await ts.client().createFeature({ name: "a", enabled: true });
    await ts.client().createFeature({ name: "b" });
    second = await startServer({ dbPath: ts.dbPath, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino({ level: "silent" }), usageFlushIntervalMs: 0 });
  });
  afterAll(async () => {
    await second.close();
    await ts.close();
  });

  it("counts every protocol, EvaluateAll and EvaluateBatch, once per feature evaluated, and not what failed", async () => {
    const before = await usageOf(ts.client(), "a");
    expect(before).toMatchObject({ today: 0, d7: 0, d30: 0, last: undefined });
    for (const protocol of PROTOCOLS) {
      await ts.client(protocol).evaluate({ feature: "a", userId: "u1" });
      await expect(ts.client(protocol).evaluate({ feature: "nope" })).rejects.toThrow(/nope/);
    }
    await ts.client("grpc").evaluateAll({ userId: "u1" });
    await ts.client("connect").evaluateAll({ userId: "u2" });
    await ts.client("grpc-web").evaluateBatch({ feature: "a", contexts: [{ userId: "1" }, { userId: "2" }, { userId: "3" }, { userId: "4" }] });
    // Counted in memory at once, before any flush.
    expect(await usageOf(ts.client(), "a")).toMatchObject({ today: 9, d7: 9, d30: 9 });
    expect((await usageOf(ts.client(), "a")).last).toBeDefined();
    expect((await usageOf(ts.client(), "b")).today).toBe(2);
    await ts.server.usage.flush();
    expect((await usageOf(ts.client(), "a")).today).toBe(9);
    expect((await usageOf(ts.client(), "b")).today).toBe(2);
  });

  it("sums what every server on the database counted, follows a rename and survives a restart", async () => {
    const other = createFlagClient({ baseUrl: `http://127.0.0.1:${second.grpcPort}`, protocol: "grpc" });
    for (let i = 0; i < 5; i++) await other.evaluate({ feature: "b" });
    await ts.client("grpc").evaluate({ feature: "b" });
    await second.usage.flush();
    await ts.server.usage.flush();
    expect((await usageOf(ts.client(), "b")).today).toBe(8);
    await second.usage.flush();
    expect((await usageOf(other, "b")).today).toBe(8);
    await ts.client().renameFeature({ name: "b", newName: "b2" });
    await ts.client("grpc").evaluate({ feature: "b2" });
    // The last counts are written at shutdown.
    await ts.restart();
    expect((await usageOf(ts.client(), "b2")).today).toBe(9);
    expect((await usageOf(ts.client(), "a")).today).toBe(9);
    const listed = await ts.client().listFeatures({});
    expect(listed.features.map((f) => [f.name, Number(f.evaluationsToday)])).toEqual([["a", 9], ["b2", 9]]);
  });
});

describe("stale features", () => {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-stale-"));
  const dbPath = join(dir, "flags.db");
  const now = Date.now();
  let server: RunningServer;
  let client: FlagClient;
  const grpcUrl = () => `http://127.0.0.1:${server.grpcPort}`;

  beforeAll(async () => {
    const features = ["old-unused", "old-uniform", "old-both", "old-rollout-half", "old-rollout-full", "new", "evaluated-long-ago"];
    const seed: ChangeData[] = [
      ...features.map((feature) => ({ kind: "feature.created" as const, feature, enabled: false, description: "", salt: "s" })),
      { kind: "customer.created", customerId: "acme" },
      { kind: "override.set", feature: "old-unused", target: { kind: "customer", id: "acme" }, enabled: true },
      { kind: "override.set", feature: "evaluated-long-ago", target: { kind: "customer", id: "acme" }, enabled: true },
      { kind: "rollout.set", feature: "old-rollout-half", rollout: { basisPoints: 5000, stickiness: "user" } },
      { kind: "rollout.set", feature: "old-rollout-full", rollout: { basisPoints: 10_000, stickiness: "user" } },
    ];
    const store = await openStore(dbPath);
    await store.flags.write(0, (_missed, writer) => {
      for (const data of seed) writer.append(data, null, now);
    });
    await store.usage.recordUsage({ at: now - DAY_MS, counts: new Map([["old-uniform", 3], ["old-rollout-half", 1], ["old-rollout-full", 1]]) });
    await store.usage.recordUsage({ at: now - 35 * DAY_MS, counts: new Map([["evaluated-long-ago", 7]]) });
    await store.close();
    const db = new Database(dbPath);
    db.prepare("UPDATE features SET created_at = ?, updated_at = ? WHERE name <> 'new'").run(now - 40 * DAY_MS, now - 40 * DAY_MS);
    // The log too: a feature's last change (its overrides and rollout included) counts as a change for UNIFORM.
    db.prepare("UPDATE changes SET at = ? WHERE feature IS NULL OR feature <> 'new'").run(now - 40 * DAY_MS);
    db.close();
    server = await startServer({ dbPath, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino({ level: "silent" }), usageFlushIntervalMs: 0 });
    client = createFlagClient({ baseUrl: grpcUrl(), protocol: "grpc" });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stale = async (staleDays: number, pageSize = 0) => {
    const out: Array<[string, StaleReason[]]> = [];
    let pageToken = "";
    do {
      const page = await client.listFeatures({ staleDays, pageSize, pageToken });
      out.push(...page.features.map((f): [string, StaleReason[]] => [f.name, f.staleReasons]));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  };

  it("finds features not evaluated, and features serving one value unchanged, each with its reasons", async () => {
    const { NOT_EVALUATED, UNIFORM } = StaleReason;
    const expected = [
      ["evaluated-long-ago", [NOT_EVALUATED]],
      ["old-both", [NOT_EVALUATED, UNIFORM]],
      ["old-rollout-full", [UNIFORM]],
      ["old-uniform", [UNIFORM]],
      ["old-unused", [NOT_EVALUATED]],
    ];
    expect(await stale(30)).toEqual(expected);
    // Paged like ListFeatures.
    expect(await stale(30, 2)).toEqual(expected);
    expect(await stale(36)).toEqual([
      ["old-both", [NOT_EVALUATED, UNIFORM]],
      ["old-rollout-full", [UNIFORM]],
      ["old-uniform", [UNIFORM]],
      ["old-unused", [NOT_EVALUATED]],
    ]);
    expect(await stale(41)).toEqual([]);
    // An evaluation now takes a feature off the not-evaluated list at once.
    await client.evaluate({ feature: "old-unused", customerId: "acme" });
    expect((await stale(30)).map(([name]) => name)).not.toContain("old-unused");
    // Without stale_days: every feature, no reasons.
    const all = await client.listFeatures({});
    expect(all.features).toHaveLength(7);
    expect(all.features.every((f) => f.staleReasons.length === 0)).toBe(true);
  });

  it.each([-1, 3651])("refuses stale_days %i with INVALID_ARGUMENT", async (staleDays) => {
    const error = await client.listFeatures({ staleDays }).catch((err: unknown) => ConnectError.from(err));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(`stale days ${staleDays} is out of range: use a whole number of days from 1 to 3650`);
  });

  it("refuses a page token of the full list for the stale list", async () => {
    const page = await client.listFeatures({ pageSize: 2 });
    await expect(client.listFeatures({ staleDays: 30, pageToken: page.nextPageToken })).rejects.toThrow(/page_token is not valid for stale-features/);
  });

  it("flagwire stale prints them with the reason, as text and --json, and refuses bad --days", { timeout: 30_000 }, async () => {
    const env = { FLAGWIRE_SERVER: grpcUrl() };
    const text = await runCli(["stale", "--days", "36"], { env });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+GLOBAL\s+LAST EVALUATED\s+30 DAYS\s+STALE BECAUSE$/);
    expect(lines.find((l) => l.startsWith("old-both "))).toMatch(/never\s+0\s+not evaluated for 36 days; one value for everyone, unchanged for 36 days$/);
    expect(lines.find((l) => l.startsWith("old-uniform "))).toMatch(/\s3\s+one value for everyone, unchanged for 36 days$/);
    const json = await runCli(["stale", "--json"], { env });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { features: Array<{ name: string; staleReasons: string[] }> };
    expect(parsed.features.find((f) => f.name === "old-both")?.staleReasons).toEqual(["STALE_REASON_NOT_EVALUATED", "STALE_REASON_UNIFORM"]);
    const bad = await runCli(["stale", "--days", "-3"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/"-3" is not a whole number of at least 1/);
    const tooMany = await runCli(["stale", "--days", "4000"], { env });
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toMatch(/stale days 4000 is out of range/);
  });
});
