import { formatPath, type ConfigIssue } from "./errors.ts";

/** Keys whose value is a credential wherever they appear (`token`, `api_key`, `routing_key`, …). */
const SECRET_KEY = /^(token|api[_-]?key|routing[_-]?key|password|passwd|secret|client[_-]?secret|access[_-]?token|auth[_-]?token)$/i;
/** Header names that carry credentials: authorization, x-api-key, api-key, cookie, x-auth-token, … */
const SECRET_HEADER = /auth|token|secret|cookie|api[-_]?key|password|signature|credential/i;
/** Keys that hold a URL, where a password can hide in the user-info part (`postgres://u:pw@host`). */
const URL_KEY = /^(database|url|base_url|api_url|public_url)$/i;
/** A URL with a password in its user-info part. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/** An auth scheme written before the reference, kept in the suggestion (`Bearer ${TOKEN}`). */
const SCHEME = /^(Bearer|Basic|Token|Bot|Digest|ApiKey)\s+/i;

/** True when the value at `path` (keys from the top of the config) is a credential. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  const key = path.at(-1);
  if (typeof key !== "string") return false;
  if (SECRET_KEY.test(key)) return true;
  return path.at(-2) === "headers" && SECRET_HEADER.test(key);
}

/**
 * A value from the environment: it holds a `${VAR}` reference. Values made only of request
 * placeholders (`{{trial_id}}`), maybe after an auth scheme, hold no secret either.
 */
function fromEnvironment(value: string): boolean {
  if (value.includes("${")) return true;
  const rest = value.replace(/\{\{[^}]*\}\}/g, "").trim();
  return rest === "" || /^(Bearer|Basic|Token|Bot|Digest|ApiKey)$/i.test(rest);
}

/** `agents.support-bot.headers.x-api-key` → `SUPPORT_BOT_API_KEY`; well-known places get their usual names. */
function suggestedVar(path: readonly PropertyKey[]): string {
  const p = path.map(String);
  const key = p.at(-1)!;
  if (p[0] === "notify" && p[1] === "slack") return "SLACK_BOT_TOKEN";
  if (p[0] === "notify" && p[1] === "pagerduty") return "PAGERDUTY_ROUTING_KEY";
  if (p[0] === "notify" && p[1] === "webhook") return "HOOK_TOKEN";
  if (p[0] === "judge") return "JUDGE_API_KEY";
  const owner = p[0] === "agents" && p[1] ? `${p[1]}_` : "";
  const what = /auth|token|bearer/i.test(key) ? "TOKEN" : /cookie/i.test(key) ? "COOKIE" : key;
  return `${owner}${what}`.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}

/**
 * Credentials come only from the environment (and are then redacted everywhere): a literal value
 * in a secret place (`token`, `api_key`, `routing_key`, an `authorization` or other credential
 * header, anywhere in the config) is an issue that says how to write it. The value itself is
 * never repeated in the message.
 */
export function literalSecretIssues(tree: unknown, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    const key = path.at(-1);
    if (typeof node === "string" && typeof key === "string" && URL_KEY.test(key) && URL_WITH_PASSWORD.test(node) && !node.includes("${")) {
      const ref = key === "database" ? "${DATABASE_URL}" : `\${${suggestedVar(path)}}`;
      issues.push({
        file,
        path: formatPath(path),
        message: `a password written into the URL; secrets come only from the environment: write ${key}: ${ref} (the whole URL) and set it there`,
      });
      return;
    }
    if ((typeof node === "string" || typeof node === "number") && isSecretPath(path)) {
      const value = String(node);
      if (fromEnvironment(value)) return;
      const key = String(path.at(-1));
      const scheme = typeof node === "string" ? SCHEME.exec(value)?.[1] : undefined;
      const ref = `\${${suggestedVar(path)}}`;
      const written = scheme ? `${key}: "${scheme} ${ref}"` : `${key}: ${ref}`;
      issues.push({
        file,
        path: formatPath(path),
        message: `a literal secret; secrets come only from the environment: write ${written} and set it there`,
      });
    } else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(tree, []);
  return issues;
}
