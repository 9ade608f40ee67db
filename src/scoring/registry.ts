import { judgeAssertions } from "./judge/assertion.ts";
import { safetyAssertions } from "./safety.ts";
import { structuredAssertions } from "./structured.ts";
import { textAssertions } from "./text.ts";
import { trajectoryAssertions } from "./trajectory.ts";
import type { AssertionDef } from "./types.ts";

/** Every assertion type a golden set may use, by the key it is written with. */
export const assertionRegistry: Readonly<Record<string, AssertionDef>> = {
  ...textAssertions,
  ...structuredAssertions,
  ...trajectoryAssertions,
  ...safetyAssertions,
  ...judgeAssertions,
};

export const assertionTypes = (): string[] => Object.keys(assertionRegistry).sort();
