import { defineConfig } from "vitest/config";

// One layout: test/unit/<layer>/ needs no server or process; test/integration/<area>/ starts real ones.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    // One PostgreSQL for the run, when the machine has one (test/support/test-database.ts hands out databases).
    globalSetup: ["test/support/postgres-global-setup.ts"],
  },
});
