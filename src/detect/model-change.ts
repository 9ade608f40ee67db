import type { Finding, RunPoint } from "./types.ts";

/**
 * Model change: the model (or provider fingerprint) the agent reports differs from the previous
 * completed run's. Not an accuracy verdict, a fact worth knowing next to one ("what changed?").
 * Nothing is reported when either side did not report a model.
 */
export function modelChangeFinding(run: RunPoint, previous: RunPoint | undefined): Finding | undefined {
  if (!previous) return undefined;
  const modelChanged = run.model !== null && previous.model !== null && run.model !== previous.model;
  const fpChanged = run.fingerprint !== null && previous.fingerprint !== null && run.fingerprint !== previous.fingerprint;
  if (!modelChanged && !fpChanged) return undefined;
  const what = modelChanged
    ? `model changed from ${previous.model} to ${run.model}`
    : `${run.model ? `model ${run.model}: ` : ""}fingerprint changed from ${previous.fingerprint} to ${run.fingerprint}`;
  return {
    detector: "model",
    job: run.job,
    agent: run.agent,
    severity: "warning",
    summary: what,
    evidence: {
      from: { model: previous.model, fingerprint: previous.fingerprint, runId: previous.id },
      to: { model: run.model, fingerprint: run.fingerprint },
      runId: run.id,
    },
  };
}
