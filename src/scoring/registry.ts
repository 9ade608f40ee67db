import { structuredAssertions } from "./structured.ts";
import { textAssertions } from "./text.ts";
import type { AssertionDef } from "./types.ts";

/** Every assertion type a golden set may use, by the key it is written with. */
export const assertionRegistry: Readonly<Record<string, AssertionDef>> = {
  ...textAssertions,
  ...structuredAssertions,
};

export const assertionTypes = (): string[] => Object.keys(assertionRegistry).sort();
