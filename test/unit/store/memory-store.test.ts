import { createMemoryDatabase } from "../../../src/store/memory/memory-database.js";
import { openMemoryStore } from "../../../src/store/memory/memory-store.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory", () => {
  const database = createMemoryDatabase();
  return {
    open: () => openMemoryStore({ database }),
    reopen: () => openMemoryStore({ database }),
    cleanup: () => undefined,
  };
});
