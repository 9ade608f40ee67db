// `npm run build` (and `prepare`, so `npm install` / `npm ci` build too): compiles src/ into
// dist/ with esbuild, for bin/goldwatch.js to run under Bun or Node without a TypeScript loader.
//
// One bundle, split at the commands: dist/cli.js loads only the named command's chunk, and the
// dependencies are bundled in (resolving and reading a few hundred small files of node_modules is
// most of Node's start-up), except
//   - @electric-sql/pglite: it finds its .wasm and data files next to its own modules;
//   - postgres: src/commands/interrupts.ts recognises its connection.js in stack traces.
// Files found at run time through import.meta.url keep their relative paths: each module's
// import.meta.url is rewritten to where the module would be in dist/ file by file
// (src/store/migrate.ts → dist/store/migrate.js, whose ../../migrations/ is the package's), and
// src/store/pglite-worker.js is copied to dist/store/. Type checking is `npm run typecheck`.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src");
const dist = path.join(root, "dist");
/** Built beside dist/ and swapped in at the end, so a goldwatch starting meanwhile never reads half a build. */
const next = path.join(root, `dist.${process.pid}.tmp`);

/** `import.meta.url` of src/<dir>/<file>.ts → the URL of dist/<dir>/<file>.js, seen from a chunk in dist/. */
const fileByFileUrls = {
  name: "file-by-file-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = `./${path.relative(src, args.path).split(path.sep).join("/").replace(/\.ts$/, ".js")}`;
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: "ts" };
    });
  },
};

await rm(next, { recursive: true, force: true });
try {
  await build({
    entryPoints: [path.join(src, "cli.ts")],
    outdir: next,
    bundle: true,
    splitting: true,
    // Every output directly in dist/: the import.meta.url rewrite above counts on it.
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    // Loaded from node_modules as published: PGlite and undici find files of their own (WASM) beside
    // their modules, and postgres.js is matched by its stack frames (src/commands/interrupts.ts).
    external: ["@electric-sql/pglite", "postgres", "undici"],
    // Bundled CommonJS dependencies call require() for Node's own modules.
    banner: {
      js: 'import { createRequire as __goldwatchRequire } from "node:module"; const require = __goldwatchRequire(import.meta.url);',
    },
    // Stack traces through chunk-*.js map back to src/ (Bun reads these; Node with --enable-source-maps).
    sourcemap: "linked",
    sourcesContent: false,
    plugins: [fileByFileUrls],
    logLevel: "warning",
  });
  await mkdir(path.join(next, "store"), { recursive: true });
  await copyFile(path.join(src, "store/pglite-worker.js"), path.join(next, "store/pglite-worker.js"));
  // Written last: bin/goldwatch.js compares the sources' times with this file's.
  await writeFile(path.join(next, "build.json"), `${JSON.stringify({ builtAt: new Date().toISOString() })}\n`);
  const old = path.join(root, `dist.${process.pid}.old`);
  await rename(dist, old).catch((e) => {
    if (e.code !== "ENOENT") throw e;
  });
  await rename(next, dist);
  await rm(old, { recursive: true, force: true });
} catch (e) {
  await rm(next, { recursive: true, force: true });
  throw e;
}
