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
 * Tests that never open a store (pure logic, config loading, agent adapters, the CLI's bad-input
 * paths): the second pass on the Postgres server would only repeat them. A test that opens a
 * database, or starts a process that does, must not be listed here.
 */
const storeIndependent = [
  "test/stats/**",
  "test/config/**",
  "test/load/**",
  "test/cron/**",
  "test/agents/**",
  "test/scoring/{pii,regex,safety,structured,text,trajectory,judge-config,pairwise-prompt}.test.ts",
  "test/detect/{accuracy,cusum-design,detect-run,drift,drop-threshold,errors,flaky,growth,incident,missed-runs,policy,power-summary,predictive,run-facts,runaway}.test.ts",
  "test/alerts/{digest,labels-silences,lifecycle,silence-matchers}.test.ts",
  "test/notify/{format,notify-replies}.test.ts",
  "test/detect/drop-windows.test.ts",
  "test/gate/{decide,format,lockstep}.test.ts",
  "test/shadow/{config,findings}.test.ts",
  "test/report/shadow-chart.test.ts",
  "test/replay/{accuracy,adapters,assertions}.test.ts",
  "test/engine/{batch-writer,run-row,trial-row}.test.ts",
  "test/report/format-summary.test.ts",
  "test/schedule/scheduler.test.ts",
  "test/server/router.test.ts",
  "test/service/metrics.test.ts",
  "test/deploy/**",
  "test/import/**",
  "test/faults/matrix.test.ts",
  "test/budget/pricing.test.ts",
  "test/architecture.test.ts",
  "test/cli/launcher.test.ts",
];

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
          { test: { ...shared, name: "postgres", exclude: storeIndependent, env: { TEST_DATABASE_URL: server } } },
        ]
      : [{ test: { ...shared, name: "pglite" } }],
  },
});
