import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { FlagState } from "../../../src/domain/flag-state.js";
import { bucketOf } from "../../../src/domain/rollout.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database as flagwire left it before rollouts: schema version 1, created events without a salt. */
function versionOneDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-migration-"));
  dirs.push(dir);
  const path = join(dir, "flags.db");
  const db = new Database(path);
  db.exec(MIGRATIONS[0] as string);
  db.pragma("user_version = 1");
  const created = (name: string, at: number) => {
    db.prepare("INSERT INTO features (name, enabled, description, created_at, updated_at) VALUES (?, 0, '', ?, ?)").run(name, at, at);
    const data = JSON.stringify({ kind: "feature.created", feature: name, enabled: false, description: "" });
    db.prepare("INSERT INTO changes (at, actor, kind, feature, data) VALUES (?, NULL, 'feature.created', ?, ?)").run(at, name, data);
  };
  created("old-one", 1_700_000_000_000);
  created("old-two", 1_700_000_000_123);
  db.close();
  return path;
}

describe("SQLite migration to rollouts and segments", () => {
  it("gives features created before salts existed the salt their created event replays to", async () => {
    const path = versionOneDatabase();
    const store = openSqliteStore({ path });
    try {
      const stored = await store.loadState();
      const replayed = new FlagState();
      for (const change of await store.readChanges(0, 100)) replayed.apply(change);
      expect(stored.features.get("old-one")?.salt).toBe("legacy-1700000000000");
      expect(stored.features.get("old-two")?.salt).toBe("legacy-1700000000123");
      expect(replayed.features.get("old-one")?.salt).toBe("legacy-1700000000000");
      expect(replayed.features.get("old-two")?.salt).toBe("legacy-1700000000123");
      // The published vector for a legacy salt is reproducible from what the database holds.
      expect(bucketOf("legacy-1700000000000", "456")).toBe(1995);

      await store.write(0, (_missed, w) => w.append({ kind: "segment.created", segment: "beta" }, null, 1));
      await store.write(0, (_missed, w) => w.append({ kind: "rollout.set", feature: "old-one", rollout: { basisPoints: 100, stickiness: "user" } }, null, 2));
      expect((await store.loadState()).features.get("old-one")?.rollout).toEqual({ basisPoints: 100, stickiness: "user" });
      expect((await store.loadState()).segmentNames.all).toEqual(["beta"]);
    } finally {
      await store.close();
    }
    const version = new Database(path, { readonly: true });
    expect(version.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    version.close();
  });
});
