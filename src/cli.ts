import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import pino from "pino";
import { createApp, runJob } from "./app.ts";
import { ConfigError } from "./config/errors.ts";
import { loadConfig } from "./config/load.ts";
import { createLogger } from "./log.ts";
import { startService } from "./service.ts";
import { formatSummary } from "./report/format-summary.ts";
import { openStore } from "./store/open.ts";

const USAGE = `goldwatch — scheduled health checks for production AI agents

usage: goldwatch <command> [options]

commands:
  serve              run every job on its schedule and serve HTTP (default for npm start)
  run <job>          replay a job's golden set now and print the summary
  validate           check the config and every golden set without running anything
  migrate            apply database migrations and exit

options:
  --config <file>    config file (default goldwatch.config.yaml)
  --json             print machine-readable JSON instead of text
  -h, --help         show this help
`;

/** Exit codes: 0 ok, 1 the run failed or was aborted, 2 bad input (config, arguments). */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", default: "goldwatch.config.yaml" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`goldwatch: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }

  let loaded;
  try {
    loaded = await loadConfig(values.config!);
  } catch (e) {
    if (e instanceof ConfigError) {
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, issues: e.issues }, null, 2)}\n`);
      else process.stderr.write(`goldwatch: invalid configuration\n${e.message}\n`);
      return 2;
    }
    throw e;
  }

  switch (command) {
    case "validate": {
      const jobs = Object.entries(loaded.config.jobs).map(([name, job]) => {
        const g = loaded.goldens.get(name)!;
        return { job: name, agent: job.agent, golden: g.file, cases: g.cases.length, hash: g.hash, schedule: job.schedule };
      });
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: true, config: loaded.file, jobs }, null, 2)}\n`);
      else {
        process.stdout.write(`${loaded.file}: ok\n`);
        for (const j of jobs) process.stdout.write(`  job ${j.job}: agent ${j.agent}, ${j.cases} cases (${j.hash.slice(0, 12)}), schedule "${j.schedule}"\n`);
      }
      return 0;
    }
    case "migrate": {
      const log = createLogger({ secrets: loaded.secrets, destination: pino.destination(2) });
      const database = await openStore(loaded);
      await database.close();
      log.info("database migrated");
      return 0;
    }
    case "run":
      return runCommand(loaded, rest[0], values.json!);
    case "serve":
      return serveCommand(loaded);
    default:
      process.stderr.write(`goldwatch: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function runCommand(loaded: Awaited<ReturnType<typeof loadConfig>>, jobName: string | undefined, json: boolean): Promise<number> {
  if (!jobName || !loaded.config.jobs[jobName]) {
    const known = Object.keys(loaded.config.jobs).join(", ") || "none";
    process.stderr.write(`goldwatch: ${jobName ? `unknown job "${jobName}"` : "run needs a job name"} (jobs in ${loaded.file}: ${known})\n`);
    return 2;
  }
  const log = createLogger({ secrets: loaded.secrets, destination: pino.destination(2), level: process.env.LOG_LEVEL ?? (json ? "warn" : "warn") });
  const database = await openStore(loaded);
  const app = createApp(loaded, database, log);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const bar = !json && process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: "{bar} {value}/{total} trials  {percentage}%  eta {eta_formatted}", hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  app.events.on("run:started", ({ total }) => bar?.start(total, 0));
  app.events.on("trial:finished", () => bar?.increment());
  try {
    const { summary, findings } = await runJob(app, jobName, { trigger: "manual", signal: abort.signal });
    bar?.stop();
    if (json) process.stdout.write(`${JSON.stringify({ ...summary, findings }, null, 2)}\n`);
    else {
      process.stdout.write(`${formatSummary(summary)}\n`);
      for (const f of findings) process.stdout.write(`\nALERT [${f.detector}] ${f.summary}\n`);
    }
    return summary.status === "completed" ? 0 : 1;
  } finally {
    bar?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await database.close();
  }
}

async function serveCommand(loaded: Awaited<ReturnType<typeof loadConfig>>): Promise<number> {
  const log = createLogger({ secrets: loaded.secrets });
  const database = await openStore(loaded);
  const app = createApp(loaded, database, log);
  const service = await startService(app);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, "shutting down");
      resolve();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  await service.stop();
  await database.close();
  return 0;
}
