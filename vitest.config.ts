import { defineConfig } from "vitest/config";

const server = process.env.TEST_DATABASE_URL;

const shared = {
  include: ["test/**/*.test.ts"],
  // Each file's temp folders are removed when it ends (test/helpers/temp.ts).
  setupFiles: ["test/helpers/cleanup.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

/**
 * Without TEST_DATABASE_URL: one pass on PGlite (tests that need a server skip). With it (CI): the
 * same suite twice, once on PGlite and once on the Postgres server, so both stores stay proven.
 */
export default defineConfig({
  test: {
    // Two cores: PGlite instances are heavy, keep file parallelism modest.
    maxWorkers: 2,
    // The run gets its own temp folder, and fails when a test leaves a goldwatch-* folder in it.
    globalSetup: ["test/helpers/temp-guard.ts"],
    projects: server
      ? [
          { test: { ...shared, name: "pglite", env: { TEST_DATABASE_URL: "" } } },
          // Pure statistics never touch a database: once is enough.
          { test: { ...shared, name: "postgres", exclude: ["test/stats/**"], env: { TEST_DATABASE_URL: server } } },
        ]
      : [{ test: { ...shared, name: "pglite" } }],
  },
});
