/** Renders promptfoo's simplest Nunjucks form, `{{ name }}`; anything richer is refused, not guessed. */
export function renderVars(template: string, vars: Record<string, unknown>): { text: string } | { problem: string } {
  if (/\{%|\{#/.test(template)) return { problem: "uses Nunjucks tags ({% %}), which goldwatch does not evaluate" };
  let problem: string | undefined;
  const text = template.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (whole, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problem ??= `uses the expression ${whole}, which goldwatch does not evaluate (only {{ name }} is filled in)`;
      return whole;
    }
    if (!Object.hasOwn(vars, name)) {
      problem ??= `uses {{ ${name} }}, which the test's vars do not set`;
      return whole;
    }
    const value = vars[name];
    return typeof value === "string" ? value : JSON.stringify(value);
  });
  return problem ? { problem } : { text };
}

/** Names a template uses (`{{ question }}` → question). */
export const templateVars = (template: string): string[] =>
  [...template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);
