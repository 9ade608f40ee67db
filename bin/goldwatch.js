#!/usr/bin/env node
// goldwatch's launcher. Started by Node (npx goldwatch, a global install, `node bin/goldwatch.js`,
// the Dockerfile), it runs goldwatch under the Bun that package.json pins, as a child that shares
// its standard streams, and mirrors how that child ends; under Bun it runs goldwatch itself.
// Node runs goldwatch itself only where that Bun cannot: the binary missing, not a program, not
// executable, or ending before it ran a line of JavaScript (SIGILL on a CPU it was not built for),
// or when asked to: GOLDWATCH_RUNTIME=node. GOLDWATCH_RUNTIME=bun refuses the fallback;
// GOLDWATCH_BUN names another Bun binary (a baseline build for an old CPU, say).
// Kept small and free of dependencies: its own start is part of every command's.
// Only node:fs and node:path load before the runtime is known (each module Bun loads costs it
// milliseconds); what only the Node side needs is imported there.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import path from "node:path";

/** This file (import.meta.filename: Bun, Node 20.11 and later). */
const self = import.meta.filename ?? (await import("node:url")).fileURLToPath(import.meta.url);
const root = path.dirname(path.dirname(self));
const args = process.argv.slice(2);
const wanted = process.env.GOLDWATCH_RUNTIME ?? "";
/** The signals passed on to the Bun child: stop (INT, TERM) and reload (HUP). */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

if (typeof globalThis.Bun !== "undefined") {
  // Started by the launcher: tell it Bun runs JavaScript (from here on, no fallback to Node).
  const fd = Number(process.env.GOLDWATCH_STARTED_FD);
  delete process.env.GOLDWATCH_STARTED_FD;
  if (fd > 2) {
    writeSync(fd, "1");
    closeSync(fd);
    // A launcher killed outright (SIGKILL) cannot pass a signal on: stop as on SIGTERM once orphaned.
    const launcher = process.ppid;
    const orphaned = setInterval(() => {
      if (process.ppid === launcher) return;
      clearInterval(orphaned);
      process.kill(process.pid, "SIGTERM");
    }, 1000).unref();
  }
  await runHere();
} else if (wanted === "node") await runHere();
else await launchBun();

/**
 * Runs goldwatch in this process: the build in dist/, or the TypeScript sources when there is no
 * build or, in a git checkout, one older than a source file (natively under Bun; through tsx's
 * loader under Node, with a warning, since that starts several times slower).
 */
async function runHere() {
  let entry = "../dist/cli.js";
  if (!built()) {
    entry = "../src/cli.ts";
    if (typeof globalThis.Bun === "undefined") {
      writeSync(2, "goldwatch: dist/ is missing or older than src/; running the sources through tsx (slow start): npm run build\n");
      (await import("tsx/esm/api")).register();
    }
  }
  const { main } = await import(new URL(entry, import.meta.url).href);
  process.exit(await main(args));
}

/** Whether dist/ holds a build, and in a git checkout (where sources get edited) a fresh one. */
function built() {
  let stamp;
  try {
    stamp = statSync(path.join(root, "dist", "build.json")).mtimeMs;
  } catch {
    return false;
  }
  if (!existsSync(path.join(root, ".git"))) return true;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newer(p) : statSync(p).mtimeMs > stamp;
    });
  return !newer(path.join(root, "src")) && statSync(path.join(root, "package.json")).mtimeMs <= stamp;
}

/** The pinned Bun: the `bun` package's binary (its bin), or GOLDWATCH_BUN. */
function bunBinary(createRequire) {
  if (process.env.GOLDWATCH_BUN) return process.env.GOLDWATCH_BUN;
  const manifest = createRequire(import.meta.url).resolve("bun/package.json");
  const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
  return path.join(path.dirname(manifest), typeof bin === "string" ? bin : bin.bun);
}

/** Why `file` cannot be run as a program (its first bytes are no executable format), or undefined. */
function notAProgram(file) {
  const head = Buffer.alloc(4);
  let fd;
  try {
    fd = openSync(file, "r");
    readSync(fd, head, 0, 4, 0);
  } catch (e) {
    return e.code === "ENOENT" ? `${file} does not exist` : `${file}: ${e.code ?? e.message}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  const program =
    magic === 0x7f454c46 || // ELF
    [0xcafebabe, 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic) || // Mach-O
    head.toString("latin1", 0, 2) === "MZ" || // PE
    head.toString("latin1", 0, 2) === "#!"; // a script (a wrapper around Bun)
  return program ? undefined : `${file} is not a program: did the bun package's install script run? npm rebuild bun`;
}

/**
 * A SIGINT that the terminal sent (Ctrl-C) reached the child as well, since it is in this process's
 * group: passing it on would make it a second one (serve's "abort runs now"). On Linux that is
 * when this group is the terminal's foreground group; elsewhere, when a standard stream is a terminal.
 */
function fromTerminal(isatty) {
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    const [, , pgrp, , tty, tpgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return tty !== "0" && pgrp === tpgid;
  } catch {
    return isatty(0) || isatty(1) || isatty(2);
  }
}

async function launchBun() {
  const [{ spawn }, { createRequire }, { constants }, { isatty }] = await Promise.all(
    ["node:child_process", "node:module", "node:os", "node:tty"].map((m) => import(m)),
  );
  let bun;
  let problem;
  try {
    bun = bunBinary(createRequire);
    problem = notAProgram(bun);
  } catch (e) {
    problem = `the bun package is not installed (${e.code ?? e.message})`;
  }
  if (problem) return fallBack(problem);
  let child;
  let started = false;
  let signalled = false;
  let settled = false;
  // Listening before the child starts: a signal meant for it may come as soon as it runs.
  const forward = (signal) => {
    signalled = true;
    if (signal !== "SIGINT" || !fromTerminal(isatty)) child.kill(signal);
  };
  for (const s of SIGNALS) process.on(s, forward);
  const now = performance.timeOrigin + performance.now();
  const timing = process.env.GOLDWATCH_TIMING === "1" ? { GOLDWATCH_LAUNCHED_AT: `${performance.timeOrigin},${now}` } : {};
  child = spawn(bun, [self, ...args], {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
    env: { ...process.env, ...timing, GOLDWATCH_STARTED_FD: "3" },
  });
  const settle = () => {
    if (settled) return false;
    settled = true;
    for (const s of SIGNALS) process.off(s, forward);
    return true;
  };
  child.stdio[3]?.on("data", () => (started = true));
  child.on("error", (e) => settle() && fallBack(`${bun}: ${e.code ?? e.message}`));
  child.on("close", (code, signal) => {
    if (!settle()) return;
    if (!started && !signalled)
      return fallBack(`${bun} ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before running goldwatch`);
    if (code !== null) process.exit(code);
    // Ended by a signal: end the same way, so whoever started this process sees what happened.
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
  });
}

/** Runs goldwatch under this Node, after one line on stderr saying why (or fails when Bun was required). */
function fallBack(problem) {
  if (wanted === "bun") {
    writeSync(2, `goldwatch: GOLDWATCH_RUNTIME=bun, but Bun cannot run: ${problem}\n`);
    process.exit(1);
  }
  writeSync(2, `goldwatch: Bun cannot run: ${problem}. Running under Node ${process.version} (GOLDWATCH_RUNTIME=node skips trying Bun)\n`);
  return runHere();
}
