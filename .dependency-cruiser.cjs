// The layering of src/ (docs/architecture.md), checked by `npm run lint:deps` and by
// test/architecture.test.ts in `npm test`. A module may import its own layer and the layers
// below it, never one above, and no import circle is allowed anywhere.

/** Bottom to top. */
const LAYERS = [
  { name: "foundation", path: "^src/(clock|backoff|round|pricing|periodic)\\.ts$|^src/(stats|net|cron)/" },
  { name: "config", path: "^src/config/|^src/log\\.ts$" },
  { name: "io", path: "^src/(store|server|agents)/" },
  { name: "scoring", path: "^src/scoring/" },
  { name: "load", path: "^src/load/" },
  { name: "engine", path: "^src/engine/" },
  { name: "detect", path: "^src/detect/" },
  { name: "alerts", path: "^src/alerts/" },
  { name: "notify", path: "^src/notify/" },
  { name: "features", path: "^src/(gate|report|schedule|import|shadow|ingest|spend-watch)/|^src/metrics\\.ts$" },
  { name: "composition", path: "^src/(app|service)\\.ts$" },
  { name: "entry", path: "^src/commands/|^src/cli\\.ts$" },
];

/** Imports that run up a layer on purpose, each with its reason (at most 8). */
const EXCEPTIONS = [];

const above = (i) =>
  LAYERS.slice(i + 1)
    .map((l) => `(${l.path})`)
    .join("|");

const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const own = EXCEPTIONS.filter((e) => new RegExp(layer.path).test(e.from));
  return {
    name: `layer-${layer.name}`,
    comment: `${layer.name} may not import a layer above it (${LAYERS.slice(i + 1)
      .map((l) => l.name)
      .join(", ")})`,
    severity: "error",
    from: { path: layer.path },
    to: { path: above(i), ...(own.length ? { pathNot: own.map((e) => `^${e.to.replace(/\./g, "\\.")}$`).join("|") } : {}) },
  };
});

if (EXCEPTIONS.length > 8) throw new Error("at most 8 imports may run up a layer: see docs/architecture.md");

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "files that import each other in a loop", severity: "error", from: {}, to: { circular: true } },
    {
      name: "no-unlayered",
      comment: "every file of src/ belongs to a layer (add new folders to LAYERS)",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.map((l) => `(${l.path})`).join("|") },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports tie modules as much as value imports do.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^src/store/pglite-worker\\.js$" },
  },
};
