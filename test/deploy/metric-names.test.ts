import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exportedFamilies, familyOf, seriesProblems, type Family } from "./exported.ts";
import { selectors } from "./promql.ts";

const RULES = "deploy/prometheus/goldwatch-rules.yaml";
const DASHBOARD = "deploy/grafana/goldwatch-dashboard.json";
const RUNBOOK = "docs/runbook.md";

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id?: number;
  title?: string;
  type: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

let families: Map<string, Family>;
beforeAll(async () => {
  families = await exportedFamilies();
});

const rules = async (): Promise<Rule[]> =>
  (parse(await readFile(RULES, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = async () =>
  JSON.parse(await readFile(DASHBOARD, "utf8")) as { panels: Panel[]; templating: { list: { query?: unknown }[] } };
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

describe("PromQL selectors", () => {
  it("reads metric names, not functions, keywords, label values, durations or grouping labels", () => {
    const got = selectors(
      'histogram_quantile(0.95, sum by (exported_job, le) (rate(a_seconds_bucket{exported_job=~"$job", x!="b_total"}[$__rate_interval])))' +
        ' / on (instance) group_left (pod) kube_x offset 1h > 0.85 * 512 or absent(up{job="goldwatch"}) and {__name__="c_total", le="1"}',
    );
    expect(got).toEqual([
      { name: "a_seconds_bucket", labels: ["exported_job", "x"] },
      { name: "kube_x", labels: [] },
      { name: "up", labels: ["job"] },
      { name: "c_total", labels: ["le"] },
    ]);
  });

  it("maps _bucket, _sum and _count to their histogram, and only for histograms", () => {
    const fams = new Map<string, Family>([
      ["h", { type: "histogram", labels: ["job"] }],
      ["g", { type: "gauge", labels: [] }],
    ]);
    expect(familyOf("h_bucket", fams)?.name).toBe("h");
    expect(familyOf("h_count", fams)?.name).toBe("h");
    expect(familyOf("g_count", fams)).toBeUndefined();
    expect(seriesProblems([{ name: "h_bucket", labels: ["le", "exported_job"] }], fams)).toEqual([]);
    expect(seriesProblems([{ name: "h_sum", labels: ["le"] }], fams)).toEqual(["h_sum has no label le"]);
    expect(seriesProblems([{ name: "missing_total", labels: [] }], fams)).toEqual(["missing_total is not exported by /metrics"]);
  });
});

describe("the metrics the rules and the dashboard use are the ones /metrics exports", () => {
  it("reads the real registry: the service's own families, histograms included", () => {
    expect(families.get("goldwatch_scheduler_lag_seconds")?.type).toBe("histogram");
    expect(families.get("goldwatch_slots_total")?.labels).toEqual(["job", "outcome"]);
    expect(families.has("goldwatch_outbox_oldest_pending_seconds")).toBe(true);
  });

  it("every rule's expr", async () => {
    const all = await rules();
    expect(all.length).toBeGreaterThanOrEqual(8);
    const problems = all.flatMap((r) => seriesProblems(selectors(r.expr), families).map((p) => `${r.alert}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("every dashboard target and variable query", async () => {
    const d = await dashboard();
    const exprs = allPanels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? "" })));
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const queries = d.templating.list.flatMap((v) => {
      const q = typeof v.query === "object" && v.query ? (v.query as { query?: string }).query : undefined;
      const m = q && /^label_values\((\w+)/.exec(q);
      return m ? [{ panel: "variable", expr: m[1]! }] : [];
    });
    const problems = [...exprs, ...queries].flatMap((e) => seriesProblems(selectors(e.expr), families).map((p) => `${e.panel}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("uses only goldwatch_ and process_ metrics (Bun's /metrics has no nodejs_gc_*), and up", async () => {
    const d = await dashboard();
    const names = [
      ...(await rules()).flatMap((r) => selectors(r.expr)),
      ...allPanels(d.panels).flatMap((p) => (p.targets ?? []).flatMap((t) => selectors(t.expr ?? ""))),
    ].map((s) => s.name);
    expect(names.filter((n) => !/^(goldwatch_|process_)/.test(n) && n !== "up")).toEqual([]);
  });
});

describe("alert rules", () => {
  it("cover scheduler lag, missed slots, outbox backlog and readiness", async () => {
    const exprs = (await rules()).map((r) => r.expr).join("\n");
    for (const name of [
      "goldwatch_scheduler_lag_seconds_bucket",
      "goldwatch_slots_total",
      "goldwatch_outbox_oldest_pending_seconds",
      "goldwatch_ready",
    ])
      expect(exprs).toContain(name);
  });

  it("each has a severity, a summary, a description and a runbook_url to a section of docs/runbook.md", async () => {
    const runbook = await readFile(RUNBOOK, "utf8");
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    const names = new Set<string>();
    for (const r of await rules()) {
      expect(r.alert, r.expr).toMatch(/^Goldwatch[A-Za-z]+$/);
      expect(names.has(r.alert!), `${r.alert} twice`).toBe(false);
      names.add(r.alert!);
      expect(["critical", "warning"], r.alert).toContain(r.labels?.severity);
      for (const key of ["summary", "description", "runbook_url"]) expect(r.annotations?.[key], `${r.alert} ${key}`).toBeTruthy();
      const anchor = /docs\/runbook\.md#([a-z0-9-]+)$/.exec(r.annotations!.runbook_url!)?.[1];
      expect(anchor && anchors.has(anchor), `${r.alert}: ${r.annotations!.runbook_url} has no section in ${RUNBOOK}`).toBe(true);
      expect(r.for ?? "0m", r.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it("pass promtool check rules and the rule unit tests, where promtool is installed (PROMTOOL names it)", (ctx) => {
    const promtool = process.env.PROMTOOL ?? "promtool";
    try {
      execFileSync(promtool, ["--version"], { stdio: "ignore" });
    } catch {
      return ctx.skip("promtool is not installed");
    }
    const run = (args: string[]) => {
      try {
        return execFileSync(promtool, args, { encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        throw new Error(
          `promtool ${args.join(" ")}:\n${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`,
        );
      }
    };
    expect(run(["check", "rules", RULES])).toMatch(/SUCCESS: \d+ rules found/);
    expect(run(["test", "rules", "deploy/prometheus/goldwatch-rules.test.yaml"])).toMatch(/SUCCESS/);
  });
});

describe("dashboard", () => {
  it("is Grafana JSON with unique panel ids, every panel on the Prometheus datasource variable", async () => {
    const d = await dashboard();
    const panels = allPanels(d.panels);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels.filter((x) => x.type !== "row")) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect((p as { datasource?: { uid?: string } }).datasource?.uid, p.title).toBe("${datasource}");
    }
  });
});
