// `npm run bench [-- name...]`: runs the named benchmarks (all by default) and prints their figures.
// Each benchmark is a module in bench/ exporting `run(): Promise<void>` that prints its own lines.
const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  engine: () => import("./engine-throughput.ts"),
  ingest: () => import("./ingest.ts"),
  detection: () => import("./detection.ts"),
  report: () => import("./report-scale.ts"),
  runaway: () => import("./runaway.ts"),
  "spend-sim": () => import("./spend-sim.ts"),
  startup: () => import("./startup.ts"),
  shadow: () => import("./shadow.ts"),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const selected = names.length > 0 ? names : Object.keys(BENCHES);
for (const name of selected) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(", ")})`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  await (await load()).run(process.argv.slice(2));
}
