import { formatPath, type ConfigIssue } from "./errors.ts";
import { isSecretPath } from "./literal-secrets.ts";

/** The two supported forms, at one position: `${VAR}` and `${VAR:-default}` (a default holds no braces). */
const SUPPORTED = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^{}]*)?\}/y;
const FORMS = "write ${VAR} or ${VAR:-default} (a default cannot contain another ${...})";

/**
 * Every `${` in a string of the parsed config must start one of the supported forms. Shell forms
 * (`${VAR-x}`, `${VAR:=x}`, `${VAR:?msg}`, `${#VAR}`) and nested defaults (`${A:-${B}}`) would
 * otherwise pass through as literal text, so each is an issue naming the field and the forms.
 */
export function referenceIssues(tree: unknown, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (typeof node === "string") {
      let bad = unsupportedReference(node);
      // In a secret place the text after the name may be a literal credential: shown only up to the name.
      if (bad !== undefined && isSecretPath(path)) bad = `${/^\$\{[A-Za-z0-9_]*/.exec(bad)![0]}…`;
      if (bad !== undefined) issues.push({ file, path: formatPath(path), message: `unsupported reference "${bad}": ${FORMS}` });
    } else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(tree, []);
  return issues;
}

/** The first `${…}` in `text` that is not a supported form (shortened), or undefined. */
export function unsupportedReference(text: string): string | undefined {
  for (let i = text.indexOf("${"); i >= 0; i = text.indexOf("${", i + 1)) {
    SUPPORTED.lastIndex = i;
    if (SUPPORTED.test(text)) {
      i = SUPPORTED.lastIndex - 1;
      continue;
    }
    // Show the reference up to its last closing brace on this line (nested ones included), at most 60 characters.
    const rest = text.slice(i).split("\n")[0]!;
    const end = rest.lastIndexOf("}");
    const shown = end > 0 ? rest.slice(0, end + 1) : rest;
    return shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
  }
  return undefined;
}
