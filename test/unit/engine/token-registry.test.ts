import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createTokenRegistry } from "../../../src/engine/token-registry.js";
import { createMemoryDatabase } from "../../../src/store/memory/memory-database.js";
import { openMemoryTokenStore } from "../../../src/store/memory/memory-token-store.js";
import { openSqliteTokenStore } from "../../../src/store/sqlite/sqlite-token-store.js";
import type { TokenStore } from "../../../src/store/token-store.js";

const dir = mkdtempSync(join(tmpdir(), "flagwire-registry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("token registry on a SQLite file", () => {
  it("keeps last use in memory and writes it in one batch, not once per call", async () => {
    const path = join(dir, "last-use.db");
    const store = openSqliteTokenStore({ path });
    let now = 1_000;
    const registry = await createTokenRegistry({ store, clock: () => now, flushIntervalMs: 60_000 });
    const { secret } = await registry.create("svc", "reader", "cli");
    const reader = new Database(path, { readonly: true });
    const stored = () => reader.prepare("SELECT last_used_at FROM tokens WHERE name = 'svc'").pluck().get();
    try {
      for (let i = 0; i < 100; i++) {
        now += 1;
        expect(registry.authenticate(secret).status).toBe("ok");
      }
      expect(stored()).toBeNull();
      expect(registry.list()[0]?.lastUsedAt).toBe(1_100); // ListTokens already shows it
      await registry.close(); // flushes
      expect(stored()).toBe(1_100);
    } finally {
      reader.close();
      await store.close();
    }
  });
});

/** Two connections to one database, as two processes would have. */
const twoConnections: [string, () => [TokenStore, TokenStore]][] = [
  ["a SQLite file", () => {
    const path = join(dir, "two-connections.db");
    return [openSqliteTokenStore({ path }), openSqliteTokenStore({ path })];
  }],
  ["an in-memory database", () => {
    const database = createMemoryDatabase();
    return [openMemoryTokenStore({ database }), openMemoryTokenStore({ database })];
  }],
];

describe.each(twoConnections)("token registries on %s", (_backend, open) => {
  it("sees a token revoked through another connection on the next lookup", async () => {
    const [storeA, storeB] = open();
    const a = await createTokenRegistry({ store: storeA });
    const b = await createTokenRegistry({ store: storeB });
    try {
      expect(b.authenticate(undefined).status).toBe("off");
      const { secret } = await a.create("shared", "editor", "cli");
      // While no token existed, b looks for the first one on its 50 ms poll, not on every call.
      await vi.waitFor(() => expect(b.authenticate(secret).status).toBe("ok"), { timeout: 1_000, interval: 10 });
      const signal = b.revocationSignal(b.list()[0]?.hash as string);
      await a.revoke("shared", "cli");
      expect(b.authenticate(secret)).toMatchObject({ status: "revoked" });
      expect(signal.aborted).toBe(true);
      expect((signal.reason as Error).message).toBe('the API token "shared" was revoked: use another token');
      expect(b.authenticate(undefined).status).toBe("missing"); // auth stays on with every token revoked
    } finally {
      for (const registry of [a, b]) await registry.close();
      for (const store of [storeA, storeB]) await store.close();
    }
  });
});
