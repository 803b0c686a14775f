import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryDatabase } from "../../../src/store/memory/memory-database.js";
import { openMemoryStore } from "../../../src/store/memory/memory-store.js";
import { openMemoryUsageStore } from "../../../src/store/memory/memory-usage-store.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { openSqliteUsageStore } from "../../../src/store/sqlite/sqlite-usage-store.js";
import { describeUsageStoreContract } from "./usage-store-contract.js";

describeUsageStoreContract("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-usage-"));
  const path = join(dir, "flags.db");
  return {
    open: () => ({ flags: openSqliteStore({ path }), usage: openSqliteUsageStore({ path }) }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeUsageStoreContract("memory", () => {
  const database = createMemoryDatabase();
  return {
    open: () => ({ flags: openMemoryStore({ database }), usage: openMemoryUsageStore(database) }),
    cleanup: () => undefined,
  };
});
