#!/usr/bin/env node
// `npm run mutate:score`: the mutation score of every file the parts of `npm run mutate` measured,
// by folder and overall, read from their incremental reports (reports/stryker-incremental-*.json,
// which StrykerJS writes in the mutation-testing-report schema). A file measured by two parts
// counts once, from the newer report. Score: killed and timed-out mutants over every mutant that
// ran or had no test (compile and runtime errors and ignored mutants do not count, as in StrykerJS).
// `--check` exits 1 when the overall score is under 85% or a file is under 75%.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const DIR = "reports";
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);
const OVERALL_TARGET = 85;
const FILE_TARGET = 75;

/** The newest report's mutants of each file. */
function latestFiles() {
  const reports = readdirSync(DIR)
    .filter((f) => /^stryker-incremental.*\.json$/.test(f))
    .map((f) => ({ path: join(DIR, f), mtime: statSync(join(DIR, f)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime);
  const files = new Map();
  for (const r of reports) {
    const report = JSON.parse(readFileSync(r.path, "utf8"));
    for (const [file, entry] of Object.entries(report.files ?? {})) files.set(file, { mutants: entry.mutants, from: r.path });
  }
  return files;
}

function count(mutants) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return { detected, valid };
}

const pct = (c) => (c.valid === 0 ? 100 : (100 * c.detected) / c.valid);
const show = (c) => `${pct(c).toFixed(1).padStart(5)}%  ${String(c.detected).padStart(5)} / ${String(c.valid).padEnd(5)}`;

const files = latestFiles();
if (files.size === 0) {
  console.error(`no incremental reports in ${DIR}/: run npm run mutate (or one of its parts) first`);
  process.exit(2);
}
const folders = new Map();
const below = [];
const total = { detected: 0, valid: 0 };
console.log("file".padEnd(44), "score   detected / mutants");
for (const file of [...files.keys()].sort()) {
  const c = count(files.get(file).mutants);
  if (c.valid === 0) continue;
  console.log(file.padEnd(44), show(c));
  const folder = file.split("/").slice(0, 2).join("/");
  const f = folders.get(folder) ?? { detected: 0, valid: 0 };
  folders.set(folder, { detected: f.detected + c.detected, valid: f.valid + c.valid });
  total.detected += c.detected;
  total.valid += c.valid;
  if (pct(c) < FILE_TARGET) below.push(file);
}
console.log();
for (const [folder, c] of [...folders].sort()) console.log(folder.padEnd(44), show(c));
console.log("overall".padEnd(44), show(total));
console.log(below.length ? `below ${FILE_TARGET}%: ${below.join(", ")}` : `every file at ${FILE_TARGET}% or above`);
if (process.argv.includes("--check") && (pct(total) < OVERALL_TARGET || below.length > 0)) process.exit(1);
