import { defineConfig } from "vitest/config";

/**
 * The tests StrykerJS runs against each mutant (stryker.config.json): only those of the pure core
 * that need no database, server or child process, so a mutant costs milliseconds. The suite's
 * own config (vitest.config.ts) is unchanged; this one is read only by `npm run mutate`.
 */
export default defineConfig({
  test: {
    include: [
      "test/stats/**/*.test.ts",
      "test/detect/*.test.ts",
      "test/alerts/{digest,labels-silences,lifecycle,silence-matchers}.test.ts",
      "test/notify/format.test.ts",
      "test/scoring/{pii,regex,safety,structured,text,trajectory}.test.ts",
      "test/replay/assertions.test.ts",
      "test/engine/{budget-rules,run-row,tally-rules,trial-row}.test.ts",
      "test/backoff.test.ts",
      "test/ingest/{buffer,decode,decode-json,decode-protobuf,usage}.test.ts",
    ],
    // Database-backed: the store and `baseline accept` round trips.
    exclude: ["test/detect/store.test.ts", "test/detect/accept.test.ts"],
    // regex.test.ts writes golden files to a temp folder: removed when the file ends.
    setupFiles: ["test/helpers/cleanup.ts"],
    testTimeout: 60_000,
  },
});
