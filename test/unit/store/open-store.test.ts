import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, storeExists } from "../../../src/store/open-store.js";
import { parseStoreLocation } from "../../../src/store/store-location.js";
import { redactUrl } from "../../../src/store/postgres/postgres-config.js";

const dir = mkdtempSync(join(tmpdir(), "flagwire-open-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openStore(url)", () => {
  it.each([
    ["./flags.db", { backend: "sqlite", path: "./flags.db" }],
    ["sqlite:flags.db", { backend: "sqlite", path: "flags.db" }],
    ["sqlite:///var/lib/flagwire/flags.db", { backend: "sqlite", path: "/var/lib/flagwire/flags.db" }],
  ])("reads %s", (url, location) => {
    expect(parseStoreLocation(url)).toEqual(location);
  });

  it("reads memory: only when the caller allows it (tests): a server on it would lose every write at exit", async () => {
    expect(parseStoreLocation("memory:", { allowMemory: true })).toEqual({ backend: "memory" });
    expect(() => parseStoreLocation("memory:")).toThrow(/"memory:" keeps nothing once the process ends/);
    await expect(openStore("memory:")).rejects.toThrow(/it is for tests/);
  });

  it.each(["postgres://flagwire:secret@db/flags", "postgresql://db/flags", "postgres://db/flags?sslmode=verify-full", "postgres:///flags"])(
    "reads %s as a PostgreSQL database",
    (url) => {
      expect(parseStoreLocation(url)).toEqual({ backend: "postgres", url });
    },
  );

  it.each([
    ["postgres://flagwire:secret@db:99999/flags", /is not a valid PostgreSQL URL: use postgres:\/\/user:password@host:5432\/database/],
    ["postgres://flagwire:secret@db/flags?sslmode=sometimes", /sslmode=sometimes is not a libpq sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full/],
  ])("refuses %s clearly, without echoing a password", (url, message) => {
    expect(() => parseStoreLocation(url)).toThrow(message);
    expect(() => parseStoreLocation(url)).not.toThrow(/secret/);
  });

  it.each([
    ["postgres://flagwire:s3cret@db/flags", "postgres://flagwire:***@db/flags"],
    ["postgres://db/flags?user=x&password=s3cret&sslmode=require", "postgres://db/flags?user=x&password=***&sslmode=require"],
  ])("redacts the password of %s in messages", (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each(["", ":memory:", "file:flags.db", "sqlite::memory:", "sqlite:"])("refuses %j as SQLite would keep it in memory", (url) => {
    expect(() => parseStoreLocation(url)).toThrow(/is not a database file/);
  });

  it("opens flags and tokens on one SQLite file, created on first open", async () => {
    const url = `sqlite:${join(dir, "both.db")}`;
    expect(storeExists(url)).toBe(false);
    const store = await openStore(url);
    try {
      expect(existsSync(join(dir, "both.db"))).toBe(true);
      await store.tokens.insertToken({ hash: "h", name: "ops", role: "admin", createdAt: 1, createdBy: "test" });
      await store.flags.write(0, (_missed, w) => w.append({ kind: "customer.created", customerId: "c1" }, null, 1));
      expect((await store.tokens.readTokens()).tokens.map((t) => t.name)).toEqual(["ops"]);
      expect(await store.flags.latestRevision()).toBe(1);
    } finally {
      await store.close();
    }
    expect(storeExists(url)).toBe(true);
  });

  it("opens a fresh in-memory database each time", async () => {
    const first = await openStore("memory:", { allowMemory: true });
    await first.flags.write(0, (_missed, w) => w.append({ kind: "customer.created", customerId: "c1" }, null, 1));
    const second = await openStore("memory:", { allowMemory: true });
    expect([await first.flags.latestRevision(), await second.flags.latestRevision()]).toEqual([1, 0]);
    expect(storeExists("memory:")).toBe(false);
    await Promise.all([first.close(), second.close()]);
  });
});
