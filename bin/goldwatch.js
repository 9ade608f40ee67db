#!/usr/bin/env node
// Runs the TypeScript sources directly: natively under Bun, through tsx's loader under Node.
if (typeof globalThis.Bun === "undefined") {
  const { register } = await import("tsx/esm/api");
  register();
}
const { main } = await import("../src/cli.ts");
const code = await main(process.argv.slice(2));
process.exit(code);
