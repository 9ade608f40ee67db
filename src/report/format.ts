/** Formatting shared by the terminal report and the dashboard. Pure. */

export const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(digits)}%`;

/** A change in percentage points, signed. */
export const points = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;

export const ms = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`;

export const usd = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x !== 0 && Math.abs(x) < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(4)}`;

/** A ratio as a signed percentage change: 1.25 → "+25%". */
export const ratioChange = (r: number | null | undefined) =>
  r === null || r === undefined || !Number.isFinite(r) ? "—" : `${r >= 1 ? "+" : "−"}${Math.abs((r - 1) * 100).toFixed(0)}%`;

/** YYYY-MM-DD HH:MM in UTC. */
export const utcMinute = (d: Date | null | undefined) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")}Z` : "—");

/** HTML text and attribute escaping. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
