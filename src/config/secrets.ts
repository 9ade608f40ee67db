/**
 * Values that came from the environment into secret-looking places. Everything that leaves the
 * process (logs, stored rows, alerts, error messages) goes through `redact`.
 */
export class Secrets {
  readonly #values = new Set<string>();
  /** Longest first: a secret that contains another (a URL with its password) goes whole. */
  #ordered: string[] = [];

  /** Remember a value as secret; short values are ignored, they would redact ordinary words. */
  add(value: string): void {
    if (value.length < 6 || this.#values.has(value)) return;
    this.#values.add(value);
    this.#ordered = [...this.#values].sort((a, b) => b.length - a.length);
  }

  /** Remember every value `other` knows: a secret once seen stays redacted for the life of the process. */
  addAll(other: Secrets): void {
    for (const v of other.#values) this.add(v);
  }

  get size(): number {
    return this.#values.size;
  }

  /** Replace every known secret in `text` with `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const v of this.#ordered) if (out.includes(v)) out = out.split(v).join("[redacted]");
    return out;
  }

  /** Redact every string inside a JSON-like value. */
  redactDeep<T>(value: T): T {
    if (this.#values.size === 0) return value;
    if (typeof value === "string") return this.redact(value) as T;
    if (value instanceof Error) {
      return { type: value.name, message: this.redact(value.message), stack: this.redact(value.stack ?? "") } as T;
    }
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactDeep(v);
      return out as T;
    }
    return value;
  }
}

/** What code that lets text out of the process needs of the secrets: a stable view, reloads add to it. */
export type Redactor = Pick<Secrets, "redact" | "redactDeep">;
