/**
 * The fault matrix (issue 12): every fault goldwatch promises to survive, what it does then, and
 * the tests that prove it with real processes, loopback stand-ins, a Postgres server behind a TCP
 * proxy that can be cut, and signals. Each test asserts zero lost trials and zero lost or doubled
 * pages. docs/reliability.md carries this table as rendered by `renderMatrix` (matrix.test.ts
 * keeps the two equal and checks that every named test exists).
 */
export interface FaultRow {
  fault: string;
  does: string;
  /** `file > test name`, exact. */
  tests: string[];
}

const AGENT =
  "test/faults/agent.test.ts > hang, 500, HTML, a 50 MB body, a gzip bomb, a reset mid-body and invalid UTF-8: every trial stored as the agent's error, one page";

export const MATRIX: FaultRow[] = [
  {
    fault: "Agent hangs",
    does: "The call ends at the agent's `timeout` (or `budget.trial.ttl`); the trial is stored as an agent error `timeout`, never as a wrong answer, and the run goes on.",
    tests: [AGENT],
  },
  {
    fault: "Agent answers HTTP 500",
    does: "Stored as agent error `http` with the status and a redacted excerpt of the body.",
    tests: [AGENT],
  },
  {
    fault: "Agent answers HTML (a proxy's error page)",
    does: "Stored as agent error `parse` (not JSON); an error of the agent, not a wrong answer.",
    tests: [AGENT],
  },
  {
    fault: "Agent sends a 50 MB body",
    does: "Reading stops at `max_response_bytes` (default 10 MB) and the connection is closed: agent error `too_large`. Stored outputs are capped at 32 KB.",
    tests: [AGENT],
  },
  {
    fault: "Agent sends a gzip bomb (50 KB that inflates to 50 MB)",
    does: "Decoded bytes are counted while reading: agent error `too_large` at `max_response_bytes`.",
    tests: [AGENT],
  },
  {
    fault: "Agent resets the connection mid-body",
    does: "Agent error `network`; the trial is stored and the run goes on.",
    tests: [AGENT],
  },
  {
    fault: "Agent reply is not valid UTF-8",
    does: "Invalid bytes become U+FFFD; the reply is scored on what it says and stored.",
    tests: [AGENT],
  },
  {
    fault: "Database down for 30 s mid-run",
    does: "The process stays up: `/healthz` 200, `/readyz` 503 naming the database. Trial batches and the run row are retried with capped, jittered backoff and stored when it is back. Retry warnings give the error, its code and the row count, never the SQL or its parameters; every log field is capped at 2 KB.",
    tests: [
      "test/service/outage.test.ts > stays up, says not ready, recovers by itself, and loses no completed trial",
      "test/service/db-error-logs.test.ts > retry warnings while trials cannot be stored name the error and the row count, never the trials (redact_pii or not)",
    ],
  },
  {
    fault: "Database down at SIGTERM (`serve`)",
    does: "Runs get `server.shutdown_grace`, then are aborted. Unstored trials wait up to 5 s more for the database (less the time writes were already stalled, so a database down since before the shutdown gets no second wait), then go to `<data_dir>/spill/<run>.jsonl` (synced); the run row gets 5 s more, then is left to the reaper. The process exits 0. A second SIGTERM skips the grace and cuts both waits to half a second; it still spills before the exit. The next start stores the spilled trials, and the reaper marks the run aborted with every trial counted.",
    tests: [
      "test/faults/database.test.ts > down at SIGTERM: every finished trial is spilled to disk, stored at the next start, and the run row is finalized",
      "test/service/spill.test.ts > a database already down for spillAfterMs when the run is stopped gets no second wait: the trials go to disk at once",
      "test/faults/database.test.ts > down at two SIGTERMs: the second skips shutdown_grace, and every finished trial is on disk or stored before the exit",
    ],
  },
  {
    fault: "Database down at Ctrl-C (`goldwatch run`), once or twice",
    does: "The first SIGINT stops the run: trials in flight are cancelled, unstored ones are spilled after 5 s, and the process exits 1. A second SIGINT spills after half a second instead; a trial is never dropped by a signal. `serve` or the next `run` stores the spill, and the run is marked aborted with every trial counted.",
    tests: [
      "test/faults/database.test.ts > one SIGINT: the run stops, every finished trial is kept on disk, and stored from there",
      "test/faults/database.test.ts > two SIGINTs: the process still keeps every finished trial on disk before it exits",
    ],
  },
  {
    fault: "Ctrl-C during `goldwatch gate`, once or twice",
    does: "The same handling as `run`: the first SIGINT stops both replays, a second one spills unstored trials at once; the gate exits 3 (no verdict on a partial run) by itself, never killed by the signal.",
    tests: [
      "test/faults/gate-signals.test.ts > two SIGINTs: both replays stop, the second signal is handled, and the gate exits 3 by itself",
    ],
  },
  {
    fault: "Slack answers 429",
    does: "That message is rescheduled after `Retry-After` and the channel pauses; nothing is lost or doubled.",
    tests: ["test/notify/slack.test.ts > a 429 with Retry-After reschedules that message only; nothing is lost or doubled"],
  },
  {
    fault: "Slack down across a restart of goldwatch",
    does: "Pages wait in the durable outbox (Postgres) and are delivered after the restart, once. A post whose `ts` was not stored is found in the channel history and adopted, not posted again.",
    tests: [
      "test/notify/serve.test.ts > Slack down across a restart: the page queued before the restart arrives after it, once",
      "test/notify/slack-retry.test.ts > is found in the channel history by the next try and adopted: one root message, not two",
    ],
  },
  {
    fault: "SIGKILL mid-run",
    does: "The run's trials so far are stored. Any replica's reaper marks the run aborted once its heartbeat is older than `server.heartbeat_timeout`, and settles its slot; the slot is not run twice.",
    tests: [
      "test/service/crash.test.ts > SIGKILL mid-run: the next start marks the run aborted, keeps its trials, and does not run the slot again",
    ],
  },
  {
    fault: "Three replicas on one database",
    does: "Each slot is claimed by an insert-if-absent row: every slot runs once, none twice, none lost. Each notification is leased by one replica: every page is sent once.",
    tests: [
      "test/service/replicas.test.ts > run every slot exactly once: none twice, none lost",
      "test/notify/outbox.test.ts > each page is sent once, and both replicas take part",
    ],
  },
  {
    fault: "Invalid config edit at runtime",
    does: "The reload (file watch or SIGHUP) is refused with the file and field; the last good config stays, a run going finishes every trial, and the process stays up.",
    tests: [
      "test/faults/config.test.ts > is rejected with the file and field, the run finishes every trial on the last good config, and the process stays up",
      "test/service/sighup.test.ts > reloads the config in a running process: a valid change applies, an invalid one keeps the last good config, and the process stays up",
    ],
  },
];

const cell = (s: string) => s.replaceAll("|", "\\|");

/** The matrix as the Markdown table in docs/reliability.md. */
export function renderMatrix(rows: readonly FaultRow[] = MATRIX): string {
  const lines = ["| Fault | What goldwatch does | Test (file: name) |", "| --- | --- | --- |"];
  for (const r of rows) {
    const tests = r.tests.map((t) => {
      const [file, name] = t.split(" > ", 2) as [string, string];
      return `\`${file}\`: ${name}`;
    });
    lines.push(`| ${cell(r.fault)} | ${cell(r.does)} | ${cell(tests.join("<br>"))} |`);
  }
  return `${lines.join("\n")}\n`;
}
