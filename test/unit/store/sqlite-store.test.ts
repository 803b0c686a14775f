import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-store-"));
  const path = join(dir, "flags.db");
  return {
    open: () => openSqliteStore({ path }),
    reopen: () => openSqliteStore({ path }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});
