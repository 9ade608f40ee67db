import { expect } from "vitest";

/** Expect `actual` within relative tolerance `rel` of `expected` (references are given to 6 significant digits). */
export function expectRel(actual: number, expected: number, rel = 1e-5): void {
  const err = Math.abs(actual - expected);
  const ok = expected === 0 ? err <= rel : err <= rel * Math.abs(expected);
  if (!ok) expect.fail(`expected ${actual} to be within ${rel} (relative) of ${expected}`);
}

/** Expect `f` to throw a RangeError whose message matches `message`. */
export const rejects = (f: () => unknown, message: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ name: "RangeError", message: expect.stringMatching(message) }));
