import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/domain-error.js";
import { createFlagEngine, type FlagEngine } from "../../../src/engine/flag-engine.js";
import type { FlagStore } from "../../../src/store/flag-store.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { picture } from "../../support/state-picture.js";

/**
 * Group commit: writes submitted in one turn of the event loop share one transaction (one fsync), yet
 * each is checked, succeeds or fails, and is answered on its own. The store is real; a thin wrapper only
 * counts transactions and can make the next commit fail.
 */

let dir: string;
let engine: FlagEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function setUp() {
  dir = mkdtempSync(join(tmpdir(), "flagwire-group-"));
  const path = join(dir, "flags.db");
  const real = openSqliteStore({ path });
  const counts = { transactions: 0, failNextCommit: false };
  const store: FlagStore = {
    ...real,
    write(after, fn) {
      counts.transactions++;
      return real.write(after, (missed, writer) => {
        const result = fn(missed, writer);
        if (counts.failNextCommit) {
          counts.failNextCommit = false;
          throw new DomainError("UNAVAILABLE", "storage error: disk full"); // inside the transaction: it rolls back
        }
        return result;
      });
    },
  };
  engine = await createFlagEngine({ store, salt: () => "salt" });
  return { engine, counts, path };
}

const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

describe("group commit", () => {
  it("commits writes submitted together in one transaction, each checked against those before it", async () => {
    const { engine, counts } = await setUp();
    const results = await Promise.all([
      settle(engine.submit({ kind: "feature.created", feature: "f", enabled: false, description: "" }, "a")),
      settle(engine.submit({ kind: "customer.created", customerId: "c1" }, "b")),
      // Depends on both writes before it in the same transaction.
      settle(engine.submit({ kind: "override.set", feature: "f", target: { kind: "customer", id: "c1" }, enabled: true }, "c")),
      settle(engine.submit({ kind: "feature.created", feature: "f", enabled: true, description: "" }, "d")), // refused
      settle(engine.submit({ kind: "feature.enabled_set", feature: "f", enabled: false }, "e")), // changes nothing
      settle(engine.submit({ kind: "feature.enabled_set", feature: "f", enabled: true }, "f")),
    ]);
    expect(counts.transactions).toBe(1);
    expect(results.map((r) => ("value" in r ? r.value.revision : (r.error as DomainError).code))).toEqual([1, 2, 3, "ALREADY_EXISTS", 3, 4]);
    expect(engine.evaluate("f", { customerId: "c1" })).toMatchObject({ enabled: true, reason: "CUSTOMER_OVERRIDE" });
    expect((await engine.listChanges(0, { size: 10, after: undefined })).items.map((c) => [c.revision, c.kind, c.actor])).toEqual([
      [1, "feature.created", "a"],
      [2, "customer.created", "b"],
      [3, "override.set", "c"],
      [4, "feature.enabled_set", "f"],
    ]);
  });

  it("answers each write with the state right after it, not after the rest of its group", async () => {
    const { engine } = await setUp();
    const created = engine.submit({ kind: "feature.created", feature: "f", enabled: true, description: "" }, null, () => engine.getFeature("f").enabled);
    const deleted = engine.submit({ kind: "feature.deleted", feature: "f" }, null, () => engine.state.features.has("f"));
    expect((await created).view).toBe(true);
    expect((await deleted).view).toBe(false);
  });

  it("resolves nothing before the commit, and when the commit fails, rejects the group and keeps the state as stored", async () => {
    const { engine, counts, path } = await setUp();
    await engine.submit({ kind: "feature.created", feature: "kept", enabled: false, description: "" }, null);
    const before = picture(engine.state);
    let resolvedEarly = false;
    counts.failNextCommit = true;
    const writes = [
      engine.submit({ kind: "feature.created", feature: "lost", enabled: true, description: "" }, null),
      engine.submit({ kind: "feature.enabled_set", feature: "kept", enabled: true }, null),
    ];
    void writes[0]?.then(() => (resolvedEarly = true), () => undefined);
    const results = await Promise.all(writes.map(settle));
    expect(resolvedEarly).toBe(false);
    expect(results.map((r) => ("error" in r ? (r.error as DomainError).code : "ok"))).toEqual(["UNAVAILABLE", "UNAVAILABLE"]);
    expect(picture(engine.state)).toEqual(before);
    // What storage holds agrees.
    const reopened = openSqliteStore({ path });
    expect(picture(await reopened.loadState())).toEqual(before);
    await reopened.close();
    // And the engine goes on.
    expect((await engine.submit({ kind: "feature.enabled_set", feature: "kept", enabled: true }, null)).revision).toBe(2);
  });

  it("commits what was submitted before close, and refuses what comes after", async () => {
    const { engine: e } = await setUp();
    const pending = e.submit({ kind: "customer.created", customerId: "c1" }, null);
    const closed = e.close();
    engine = undefined;
    expect((await pending).revision).toBe(1);
    await expect(e.submit({ kind: "customer.created", customerId: "c2" }, null)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await closed;
  });
});
