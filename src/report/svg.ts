import type { Marker } from "./dashboard-data.ts";
import { escapeHtml } from "./format.ts";

/** Inline SVG charts for the dashboard: pure functions from data to markup, no script. */

export interface ChartPoint {
  at: Date;
  value: number | null;
  /** Interval band around the value (drawn when both are set). */
  low?: number | null;
  high?: number | null;
  /** Tooltip text for the point. */
  title: string;
  /** A page the point links to (its run), followed without script. */
  href?: string;
}

export interface LineChartOptions {
  title: string;
  from: Date;
  to: Date;
  points: readonly ChartPoint[];
  markers?: readonly Marker[];
  /** Fixed y range (accuracy is 0..1); otherwise from the data, starting at zero. */
  yDomain?: [number, number];
  formatY: (v: number) => string;
  /** A dot with a tooltip per point (default true); off keeps pages with many charts small. */
  dots?: boolean;
  width?: number;
  height?: number;
}

const M = { top: 18, right: 10, bottom: 22, left: 52 };
const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
const MARKER_COLOR: Record<Marker["kind"], string> = {
  agent_model: "#7b3fbf",
  judge_model: "#b36b00",
  golden_set: "#2b6cb0",
  alert: "#c53030",
  annotation: "#2c7a7b",
};

function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

const shortDate = (d: Date, withTime: boolean) => {
  const iso = d.toISOString();
  return withTime ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(5, 10);
};

/** A line chart with an optional interval band and vertical event markers. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 360;
  const height = o.height ?? 150;
  const w = width - M.left - M.right;
  const h = height - M.top - M.bottom;
  const t0 = o.from.getTime();
  const span = Math.max(1, o.to.getTime() - t0);
  const values = o.points.flatMap((p) => [p.value, p.high ?? null]).filter((v): v is number => v !== null && Number.isFinite(v));
  const [y0, y1] = o.yDomain ?? [0, niceMax(Math.max(0, ...values))];
  const x = (d: Date) => M.left + ((d.getTime() - t0) / span) * w;
  const y = (v: number) => M.top + h - ((Math.min(Math.max(v, y0), y1) - y0) / (y1 - y0 || 1)) * h;
  const parts: string[] = [];
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${w}" height="${h}" class="plot"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${f1(y(v))}" y2="${f1(y(v))}" class="grid"/>`);
    parts.push(`<text x="${M.left - 4}" y="${f1(y(v) + 3)}" class="tick" text-anchor="end">${escapeHtml(o.formatY(v))}</text>`);
  }
  const withTime = span <= 3 * 86_400_000;
  for (let i = 0; i <= 3; i++) {
    const d = new Date(t0 + (span * i) / 3);
    parts.push(
      `<text x="${f1(x(d))}" y="${height - 6}" class="tick" text-anchor="${i === 0 ? "start" : i === 3 ? "end" : "middle"}">${shortDate(d, withTime)}</text>`,
    );
  }
  // The band: one polygon per run of consecutive points that have both bounds.
  let run: ChartPoint[] = [];
  const flushBand = () => {
    if (run.length === 1) {
      // A lone point's band has no width: drawn as a whisker from low to high instead.
      const p = run[0]!;
      const px = f1(x(p.at));
      parts.push(`<line x1="${px}" x2="${px}" y1="${f1(y(p.high!))}" y2="${f1(y(p.low!))}" class="whisker"/>`);
    } else if (run.length > 1) {
      const upper = run.map((p) => `${f1(x(p.at))},${f1(y(p.high!))}`);
      const lower = [...run].reverse().map((p) => `${f1(x(p.at))},${f1(y(p.low!))}`);
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" class="band"/>`);
    }
    run = [];
  };
  for (const p of o.points) {
    if (p.low !== undefined && p.low !== null && p.high !== undefined && p.high !== null) run.push(p);
    else flushBand();
  }
  flushBand();
  // The line breaks where a bucket has no value.
  let segment: string[] = [];
  // A point alone between gaps has no line to be part of: it gets a dot even without `dots`.
  const lone = new Set<ChartPoint>();
  let segmentPoints: ChartPoint[] = [];
  const flushLine = () => {
    if (segment.length > 1) parts.push(`<polyline points="${segment.join(" ")}" class="line"/>`);
    else if (segmentPoints.length === 1) lone.add(segmentPoints[0]!);
    segment = [];
    segmentPoints = [];
  };
  for (const p of o.points) {
    if (p.value === null || !Number.isFinite(p.value)) flushLine();
    else {
      segment.push(`${f1(x(p.at))},${f1(y(p.value))}`);
      segmentPoints.push(p);
    }
  }
  flushLine();
  // Few points get bigger dots: each is a run someone may want to click.
  const radius = o.points.length <= 60 ? 2.2 : 1.6;
  for (const p of o.points) {
    if (p.value === null || !Number.isFinite(p.value) || (o.dots === false && !lone.has(p))) continue;
    const dot = `<circle cx="${f1(x(p.at))}" cy="${f1(y(p.value))}" r="${lone.has(p) ? 3 : radius}" class="dot"><title>${escapeHtml(p.title)}</title></circle>`;
    parts.push(p.href ? `<a href="${escapeHtml(p.href)}">${dot}</a>` : dot);
  }
  for (const m of o.markers ?? []) {
    if (m.at < o.from || m.at > o.to) continue;
    const mx = f1(x(m.at));
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${M.top}" y2="${M.top + h}" stroke="${MARKER_COLOR[m.kind]}" class="marker marker-${m.kind}"><title>${escapeHtml(`${m.at.toISOString().slice(0, 16)}Z ${m.label}`)}</title></line>`,
    );
  }
  const plotted = o.points.filter((p) => p.value !== null && Number.isFinite(p.value)).length;
  return `<svg class="chart" role="img" aria-label="${escapeHtml(o.title)}" data-points="${plotted}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(o.title)}</title><text x="${M.left}" y="12" class="chart-title">${escapeHtml(o.title)}</text>${parts.join("")}</svg>`;
}

/** Red (0%) through amber to green (100%); grey when the case did not run. */
export function rateColor(rate: number | null): string {
  if (rate === null) return "#e2e8f0";
  return `hsl(${Math.round(rate * 120)}, 65%, ${rate === 1 ? 42 : 50}%)`;
}

export interface StripOptions {
  caseId: string;
  rates: readonly (number | null)[];
  days: readonly Date[];
  cell?: number;
}

/** One case's pass rate per day as a row of coloured cells, each with its figure as a tooltip. */
export function passRateStrip(o: StripOptions): string {
  const cell = o.cell ?? 10;
  const width = Math.max(1, o.rates.length) * (cell + 1);
  const cells = o.rates.map((r, i) => {
    const day = o.days[i]?.toISOString().slice(0, 10) ?? "";
    const text = r === null ? `${day}: no runs` : `${day}: ${(r * 100).toFixed(0)}%`;
    return `<rect x="${i * (cell + 1)}" y="0" width="${cell}" height="${cell}" fill="${rateColor(r)}"><title>${escapeHtml(text)}</title></rect>`;
  });
  return `<svg class="strip" role="img" aria-label="${escapeHtml(`pass rate per day of ${o.caseId}`)}" viewBox="0 0 ${width} ${cell}" width="${width}" height="${cell}" xmlns="http://www.w3.org/2000/svg">${cells.join("")}</svg>`;
}
