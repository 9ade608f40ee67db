import type { Registry } from "prom-client";
import { Events } from "../../src/engine/events.ts";
import { createMetrics } from "../../src/metrics.ts";

/** A metric family /metrics exports: its type and label names. */
export interface Family {
  type: string;
  labels: string[];
}

/** Series Prometheus itself makes for every target (never in an exposition). */
export const PROMETHEUS_SERIES: Record<string, Family> = { up: { type: "gauge", labels: [] } };
/** Labels Prometheus adds to every scraped series (job: the scrape job's; a metric's own `job` becomes exported_job). */
export const TARGET_LABELS = ["job", "instance"];

/**
 * What the service's /metrics exports, read from the real registry (createMetrics, with every
 * source the service gives it): the `# TYPE` lines of its exposition, and each family's label
 * names from the registry.
 */
export async function exportedFamilies(): Promise<Map<string, Family>> {
  const metrics = createMetrics(new Events(), {
    activeRuns: () => 0,
    scheduledJobs: () => 0,
    alertsFiring: async () => ({}),
    readiness: async () => ({ database: "ok", scheduler: "ok" }),
    outbox: async () => [],
  });
  try {
    const text = await metrics.render();
    const families = new Map<string, Family>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      families.set(m[1]!, { type: m[2]!, labels: labelNames(metrics.registry, m[1]!) });
    }
    return families;
  } finally {
    metrics.stop();
  }
}

function labelNames(registry: Registry, name: string): string[] {
  const metric = registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined;
  return metric?.labelNames ?? [];
}

const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count"] };

/** The family a series name belongs to (`x_bucket` → the histogram `x`), or undefined when none is exported. */
export function familyOf(name: string, families: Map<string, Family>): (Family & { name: string; suffix: string }) | undefined {
  const direct = families.get(name) ?? PROMETHEUS_SERIES[name];
  if (direct) return { ...direct, name, suffix: "" };
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const family = families.get(base);
      if (family?.type === type) return { ...family, name: base, suffix };
    }
  }
  return undefined;
}

/**
 * Problems with the series an expression selects: a name /metrics does not export, or a label
 * matcher on a label the metric does not have (`exported_job` stands for the metric's own `job`).
 */
export function seriesProblems(selected: { name: string; labels: string[] }[], families: Map<string, Family>): string[] {
  const problems: string[] = [];
  for (const { name, labels } of selected) {
    const family = familyOf(name, families);
    if (!family) {
      problems.push(`${name} is not exported by /metrics`);
      continue;
    }
    const known = new Set([...TARGET_LABELS, ...family.labels, ...(family.suffix === "_bucket" ? ["le"] : [])]);
    if (family.labels.includes("job")) known.add("exported_job");
    for (const label of labels) if (!known.has(label)) problems.push(`${name} has no label ${label}`);
  }
  return problems;
}
