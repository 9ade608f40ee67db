import type { Command } from "./types.ts";

export const validateCommand: Command = {
  summary: "check the config and every golden set without running anything",
  async run({ loaded, json }) {
    const jobs = Object.entries(loaded.config.jobs).map(([name, job]) => {
      const g = loaded.goldens.get(name)!;
      return { job: name, agent: job.agent, golden: g.file, cases: g.cases.length, hash: g.hash, schedule: job.schedule };
    });
    if (json) process.stdout.write(`${JSON.stringify({ ok: true, config: loaded.file, jobs }, null, 2)}\n`);
    else {
      process.stdout.write(`${loaded.file}: ok\n`);
      for (const j of jobs)
        process.stdout.write(`  job ${j.job}: agent ${j.agent}, ${j.cases} cases (${j.hash.slice(0, 12)}), schedule "${j.schedule}"\n`);
    }
    return 0;
  },
};
