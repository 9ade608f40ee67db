import { historySlots } from "../src/detect/spend-baseline.ts";
import { assessSpend, DEFAULT_WINDOWS, pageThreshold } from "../src/detect/production-spend.ts";
import { DAY_MS, MINUTE_MS } from "../src/detect/spend-baseline.ts";
import { createRng } from "../src/stats/rng.ts";
import { addCalls, baseRate, minutePoints, poisson, randomShape, seriesAt, simulateTraffic, SUB_MS, SUBS, type Traffic } from "./spend-traffic.ts";
const START = Date.UTC(2026, 0, 5);
const POLICY = { windows: DEFAULT_WINDOWS, threshold: pageThreshold(1, 30000, DEFAULT_WINDOWS.length), minRatio: 2, severity: "critical" as const };
const rng = createRng(99);
const shape = { callsPerMinute: 60, amplitude: 1, peakHour: 13, weekend: 0.5 };
const tr = simulateTraffic(rng, shape, START, 40);
const mins = minutePoints(tr);
const rate = baseRate(shape, START);
const lat: number[] = [];
for (let k = 0; k < 40; k++) {
  const at = START + 30 * DAY_MS + rng.int(9 * 8640) * SUB_MS;
  const n = 20 * SUBS;
  const extra: Traffic = { startMs: at, cost: new Float64Array(n), tokens: new Float64Array(n), calls: new Float64Array(n) };
  for (let i = 0; i < n; i++) addCalls(rng, poisson(rng, 4 * rate((at - START) / SUB_MS + i)), extra, i);
  let t = Math.ceil(at / 30000) * 30000;
  for (; t < at + 20 * MINUTE_MS; t += 30000) {
    const out = assessSpend({ job: "j", agent: "a", nowMs: t, series: seriesAt(tr, mins, t - 10000, extra), firstSeenMs: START, policy: POLICY });
    if (out.findings.length) break;
    if (t - at > 90000 && out.baseline!.sigmaLevel > 0.3) { const hs = historySlots(seriesAt(tr, mins, t - 10000, extra), "cost", t, START); console.log(new Date(t).toISOString(), new Date(t).getUTCDay(), hs.daily.map((x) => x.total.toFixed(2)).join(" "), "|", hs.weekly.map((x) => x.total.toFixed(2)).join(" ")); break; }
    if (t - at > 90000) console.log("  slow", ((t - at) / 1000).toFixed(0), (rate((at - START) / SUB_MS) * 6).toFixed(1), JSON.stringify(out.windows.map((w) => [w.minutes, +w.ratio.toFixed(2), +w.z.toFixed(2), +w.expectedCalls.toFixed(0)])), JSON.stringify({ ...out.baseline, rate: undefined }));
  }
  lat.push((t - at) / 1000);
}
console.log(lat.sort((a, b) => a - b).join(" "));
