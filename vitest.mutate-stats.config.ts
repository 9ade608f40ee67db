import { defineConfig } from "vitest/config";

/**
 * The tests `npm run mutate:stats` runs against each mutant of src/stats: the statistics' own unit
 * tests only. The detectors' tests exercise the same functions but take seconds each (simulations),
 * which made a stats run take over an hour; a stats mutant must be caught by a stats test.
 */
export default defineConfig({
  test: {
    include: ["test/stats/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
