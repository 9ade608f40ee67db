import type { ConfigIssue } from "./errors.ts";
import { formatPath } from "./errors.ts";
import type { Secrets } from "./secrets.ts";

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/;
const SECRET_NAME = /TOKEN|KEY|SECRET|PASS|AUTH|CREDENTIAL|DATABASE_URL|DSN|WEBHOOK/i;
const SECRET_FIELD = /token|key|secret|password|authorization|cookie|headers|database|webhook/i;

/** Secret by its name, or by a key on the path to it that names a credential. */
function looksSecret(name: string, path: readonly PropertyKey[]): boolean {
  return SECRET_NAME.test(name) || path.some((p) => typeof p === "string" && SECRET_FIELD.test(p));
}

/** Sections whose requests go out of the process: agents, the judge, notification channels. */
const OUTBOUND = new Set(["agents", "judge", "notify"]);
/** Parts of an outgoing request: where a URL signature, a key in a query or a body field travels. */
const REQUEST_PART = new Set(["url", "base_url", "api_url", "headers", "body"]);

/**
 * A request part of an agent, the judge or a notification channel. Whatever is substituted there
 * is a secret whatever its variable is called (`url: https://x/?sig=${SIG}`): a name is no
 * guarantee, and these values are exactly what an error message or a log line would repeat.
 */
export function inRequest(path: readonly PropertyKey[]): boolean {
  return typeof path[0] === "string" && OUTBOUND.has(path[0]) && path.some((p) => typeof p === "string" && REQUEST_PART.has(p));
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. A reference to an
 * unset variable without a default is an issue naming the variable (never its value). Values read
 * into secret-looking places (tokens, keys, headers, database URLs) and every value read into the
 * URL, headers or body of an agent, the judge or a notification channel are remembered as secrets
 * so they can be redacted from anything we emit. Defaults written in the file are not secrets.
 */
export function interpolateEnv(
  tree: unknown,
  env: Record<string, string | undefined>,
  file: string,
  secrets: Secrets,
  issues: ConfigIssue[],
): unknown {
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === "string") {
      const filled = fill(node, path);
      // `quality: ${Q:-0.9}` is a number once filled: a whole-value reference to a non-secret
      // takes the YAML type of its value (numbers and booleans), like a literal would.
      const whole = WHOLE.exec(node);
      if (whole && !looksSecret(whole[1]!, path)) {
        if (/^-?\d+(\.\d+)?$/.test(filled)) return Number(filled);
        if (filled === "true" || filled === "false") return filled === "true";
      }
      return filled;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return node;
  };
  const fill = (node: string, path: PropertyKey[]): string =>
    node.replace(REF, (_all, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== "") {
        if (looksSecret(name, path) || inRequest(path)) secrets.add(value);
        return value;
      }
      if (fallback !== undefined) return fallback;
      issues.push({
        file,
        path: formatPath(path),
        message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
      });
      return "";
    });
  return walk(tree, []);
}
