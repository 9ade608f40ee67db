/** Values a request template may name: `{{input}}`, `{{case_id}}`, `{{trial_id}}`. */
export type TemplateVars = Record<string, string>;

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** Fills placeholders in one string. Unknown names are left as they are. */
export function fillString(text: string, vars: TemplateVars): string {
  return text.replace(PLACEHOLDER, (all, name: string) => vars[name] ?? all);
}

/**
 * Fills placeholders in every string of a JSON template. Values are substituted as text after
 * parsing, so an input containing quotes or braces cannot break the JSON.
 */
export function fillTemplate(template: unknown, vars: TemplateVars): unknown {
  if (typeof template === "string") return fillString(template, vars);
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, vars));
  if (template && typeof template === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = fillTemplate(v, vars);
    return out;
  }
  return template;
}

/**
 * A template compiled once per agent: filling it walks only the strings that hold placeholders,
 * and a template without any is returned as it is.
 */
export function compileTemplate(template: unknown): (vars: TemplateVars) => unknown {
  if (!JSON.stringify(template ?? null).includes("{{")) return () => template;
  return (vars) => fillTemplate(template, vars);
}

/** Headers compiled once per agent: the same object every call when no value has a placeholder. */
export function compileHeaders(headers: Record<string, string>): (vars: TemplateVars) => Record<string, string> {
  const entries = Object.entries(headers);
  if (!entries.some(([, v]) => v.includes("{{"))) return () => headers;
  return (vars) => Object.fromEntries(entries.map(([k, v]) => [k, fillString(v, vars)]));
}
