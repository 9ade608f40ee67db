import type { DriftRow, DriftWindows } from "./drift.ts";
import { ms, pct, points, ratioChange, usd, utcMinute } from "./format.ts";

type Style = "red" | "green" | "yellow" | "dim" | "bold";
const ANSI: Record<Style, [number, number]> = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] };

/** One table cell: its plain text (what the width is measured on) and an optional colour. */
interface Cell {
  text: string;
  style?: Style;
}

const VERDICT_STYLE: Record<DriftRow["verdict"], Style | undefined> = {
  worse: "red",
  better: "green",
  steady: undefined,
  "no baseline": "dim",
  "no data": "yellow",
};

/** The day before `day` (YYYY-MM-DD) minus `n - 1`: the first day of an n-day window ending on `day`. */
function firstDay(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - (n - 1) * 86_400_000).toISOString().slice(0, 10);
}

/** The two windows, as a person reads them. */
export function describeWindows(w: DriftWindows): string {
  const baselineEnd = firstDay(w.reportDay, w.currentDays + 1);
  return `${firstDay(w.reportDay, w.currentDays)} … ${w.reportDay} (${w.currentDays} day${w.currentDays === 1 ? "" : "s"}, UTC) against ${firstDay(baselineEnd, w.baselineDays)} … ${baselineEnd}`;
}

function modelCell(r: DriftRow): Cell {
  const now = r.agentModelNow ?? "—";
  if (r.agentModelBaseline && r.agentModelNow && r.agentModelBaseline !== r.agentModelNow) {
    return { text: `${r.agentModelBaseline} → ${now}${r.modelChangedAt ? ` (${utcMinute(r.modelChangedAt)})` : ""}`, style: "yellow" };
  }
  if (r.modelChangedAt) return { text: `${now} (changed ${utcMinute(r.modelChangedAt)})`, style: "yellow" };
  return { text: now };
}

function rowCells(r: DriftRow): Cell[] {
  const interval = r.changeLow !== null && r.changeHigh !== null ? ` [${points(r.changeLow)}, ${points(r.changeHigh)}]` : "";
  const costBad = r.costRatio !== null && r.costRatio >= 1.25;
  const p95Bad = r.p95ChangeMs !== null && r.p95MsBaseline !== null && r.p95MsBaseline > 0 && r.p95ChangeMs / r.p95MsBaseline >= 0.25;
  return [
    { text: r.job, style: "bold" },
    { text: r.agent },
    { text: `${r.runsNow}/${r.runsBaseline}` },
    { text: pct(r.accuracyNow) },
    { text: r.accuracyChange === null ? "—" : `${points(r.accuracyChange)}${interval}`, style: VERDICT_STYLE[r.verdict] },
    { text: r.verdict, style: VERDICT_STYLE[r.verdict] },
    {
      text: `${usd(r.costPerCaseNow)} ${r.costRatio === null ? "" : `(${ratioChange(r.costRatio)})`}`.trim(),
      style: costBad ? "yellow" : undefined,
    },
    {
      text: `${ms(r.p95MsNow)}${r.p95ChangeMs === null ? "" : ` (${r.p95ChangeMs >= 0 ? "+" : "−"}${ms(Math.abs(r.p95ChangeMs))})`}`,
      style: p95Bad ? "yellow" : undefined,
    },
    modelCell(r),
    { text: String(r.openAlerts), style: r.openAlerts > 0 ? "red" : undefined },
  ];
}

const HEADER = [
  "job",
  "agent",
  "runs",
  "accuracy",
  "change (pts) [95% CI]",
  "verdict",
  "cost/case",
  "p95 latency",
  "agent model",
  "alerts",
];

/**
 * `goldwatch report` as a terminal table: one line per job, worst first, with ANSI colour when
 * `color` is set (a TTY) and plain text otherwise. Pure.
 */
export function formatDriftReport(rows: readonly DriftRow[], windows: DriftWindows, opts: { color: boolean }): string {
  const paint = (c: Cell, padded: string) => {
    if (!opts.color || !c.style) return padded;
    const [on, off] = ANSI[c.style];
    return `\x1b[${on}m${padded}\x1b[${off}m`;
  };
  const lines = [`drift report  ${describeWindows(windows)}`, ""];
  if (rows.length === 0) {
    lines.push("no runs in these windows");
    return lines.join("\n");
  }
  const table: Cell[][] = [HEADER.map((text) => ({ text, style: "dim" as const })), ...rows.map(rowCells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i]!.text.length)));
  for (const r of table) {
    lines.push(
      r
        .map((c, i) => paint(c, i === r.length - 1 ? c.text : c.text.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    );
  }
  const alerting = rows.filter((r) => r.openAlertSummaries.length > 0);
  if (alerting.length > 0) {
    lines.push("", "open alerts");
    for (const r of alerting) for (const s of r.openAlertSummaries) lines.push(`  ${r.job}: ${s}`);
  }
  lines.push(
    "",
    "change: accuracy now minus baseline in percentage points, paired by case, with a 95% t-interval over cases",
    "(for cases like these: cases and runs random);",
    "worse/better: the whole interval is below/above zero. cost/case and p95 (median of the runs' p95) against the baseline.",
  );
  return lines.join("\n");
}
