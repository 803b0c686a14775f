import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTokenRegistry } from "../../../src/engine/token-registry.js";
import { openPostgresDatabase } from "../../../src/store/postgres/postgres-database.js";
import { openPostgresTokenStore } from "../../../src/store/postgres/postgres-token-store.js";
import type { TokenStore } from "../../../src/store/token-store.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";

// The token store on PostgreSQL: the same refusals as SQLite's, and a revocation through one replica's store seen
// by another replica's registry (pushed by NOTIFY; the call path never waits for the database).
describe.runIf(POSTGRES.run)("PostgreSQL token store", { timeout: 30_000 }, () => {
  let database: TestDatabase;
  const opened: TokenStore[] = [];
  const open = async (): Promise<TokenStore> => {
    const store = openPostgresTokenStore(await openPostgresDatabase(database.url, { poolSize: 2 }));
    opened.push(store);
    return store;
  };
  beforeAll(async () => {
    POSTGRES.check();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
    await database?.drop();
  });

  it("refuses a second active name and a reused secret, revokes once, keeps the later use time, stays marked", async () => {
    const store = await open();
    expect(await store.readTokens()).toEqual({ tokens: [], marked: false });
    await store.insertToken({ hash: "h1", name: "ops", role: "admin", createdAt: 10, createdBy: "cli" });
    await expect(store.insertToken({ hash: "h2", name: "ops", role: "reader", createdAt: 11, createdBy: "cli" })).rejects.toThrow(
      'an active token is already named "ops": revoke it first or pick another name',
    );
    await expect(store.insertToken({ hash: "h1", name: "other", role: "reader", createdAt: 11, createdBy: "cli" })).rejects.toThrow(
      "a token with this secret already exists",
    );
    expect(await store.revokeToken("ops", 20, "cli")).toMatchObject({ hash: "h1", revokedAt: 20, revokedBy: "cli" });
    expect(await store.revokeToken("ops", 21, "cli")).toBeNull();
    await store.insertToken({ hash: "h3", name: "ops", role: "reader", createdAt: 30, createdBy: "cli" });
    await store.recordUse(new Map([["h3", 50]]));
    await store.recordUse(new Map([["h3", 40]]));
    const table = await store.readTokens();
    expect(table.tokens.map((t) => [t.hash, t.lastUsedAt, t.revokedAt])).toEqual([
      ["h1", null, 20],
      ["h3", 50, null],
    ]);
    expect(table.marked).toBe(true);
  });

  it("a token revoked through one replica is refused by another replica's registry, without a call waiting", async () => {
    const [storeA, storeB] = [await open(), await open()];
    const a = await createTokenRegistry({ store: storeA });
    const b = await createTokenRegistry({ store: storeB });
    try {
      const { secret } = await a.create("shared", "editor", "cli");
      await vi.waitFor(() => expect(b.authenticate(secret).status).toBe("ok"), { timeout: 2_000, interval: 5 });
      const signal = b.revocationSignal(b.list().find((t) => t.name === "shared")?.hash as string);
      await a.revoke("shared", "cli");
      await vi.waitFor(() => expect(b.authenticate(secret)).toMatchObject({ status: "revoked" }), { timeout: 2_000, interval: 5 });
      expect(signal.aborted).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
