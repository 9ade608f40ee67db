import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Db } from "../store/db.ts";
import { sendJson } from "../server/respond.ts";
import type { Routes } from "../server/router.ts";
import { loadCasePage, renderCasePage } from "./case-page.ts";
import { escapeHtml } from "./format.ts";
import { href, layout, runPath, sendPage } from "./layout.ts";
import { decodeTrialCursor, encodeTrialCursor, loadRunPage, rankCases, renderRunPage } from "./run-page.ts";
import { loadRun, loadTrialPage, runCases, type RunRow } from "./run-store.ts";
import { decodeRunCursor, encodeRunCursor, loadRunsPage, renderRunsPage } from "./runs-page.ts";
import type { CaseText } from "./trial-html.ts";

/** A loaded golden set, as far as the pages read it (a GoldenSet fits). */
export interface GoldenCases {
  /** Content hash: the version a run replayed is known by it. */
  hash: string;
  cases: readonly { id: string; input: string; expected?: string | undefined }[];
}

/** What the run, case and runs pages and the runs API need. */
export interface RunPageDeps {
  database: { db: Db };
  /** The loaded golden sets by job (read per request, so a reload is seen): trials do not store the input. */
  goldens?: () => ReadonlyMap<string, GoldenCases>;
  /** Inputs are shown redacted like stored outputs. */
  secrets?: { redact(s: string): string };
}

/** Page sizes: defaults and the most one request may ask for. */
export const API_LIMITS = { runs: { default: 50, max: 500 }, trials: { default: 100, max: 1000 } } as const;

const limit = (d: { default: number; max: number }) =>
  z.coerce.number().int().min(1).max(d.max).default(d.default).describe(`a whole number from 1 to ${d.max}`);
const cursor = <T>(decode: (s: string) => T | undefined, what: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === "") return undefined;
      const c = decode(s);
      if (!c) ctx.addIssue({ code: "custom", message: `expected ${what} (the value of "next" in a previous reply)` });
      return c;
    });

const runsQuery = z.strictObject({
  job: z.string().min(1).optional(),
  limit: limit(API_LIMITS.runs),
  before: cursor(decodeRunCursor, "a runs cursor"),
});
const trialsQuery = z.strictObject({
  limit: limit(API_LIMITS.trials),
  after: cursor(decodeTrialCursor, "a trials cursor"),
  case: z.string().min(1).optional(),
  failing: z.enum(["1", "true"]).optional(),
});
const runPageQuery = z.strictObject({ case: z.string().min(1).optional(), after: cursor(decodeTrialCursor, "a trials cursor") });

/** Parses a request's query with `schema`; a message naming the parameter when it is wrong. */
function parseQuery<S extends z.ZodType>(req: IncomingMessage, schema: S): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  const params = Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
  const parsed = schema.safeParse(params);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const name = issue.path.join(".") || "query";
  const got = issue.path.length > 0 ? ` (got ${JSON.stringify(params[String(issue.path[0])])})` : "";
  return { ok: false, error: `query parameter ${name}: ${issue.message}${got}` };
}

const notFound = (res: ServerResponse, what: string) =>
  sendPage(res, 404, layout({ title: "not found", nav: [`<a href="/">dashboard</a>`], body: `<p>${escapeHtml(what)}</p>` }));
const badRequest = (res: ServerResponse, error: string) =>
  sendPage(res, 400, layout({ title: "bad request", nav: [`<a href="/">dashboard</a>`], body: `<p>${escapeHtml(error)}</p>` }));

/** A run as the API gives it: the stored row, with its page's address. */
const runJson = (r: RunRow) => ({ ...r, url: runPath(r.id) });

/** A run in a list: without its per-case counts (40 cases made a page of 50 runs 264 KiB); `/api/runs/:id` has them as `cases`. */
function listedRunJson(r: RunRow) {
  const { caseStats, ...rest } = runJson(r);
  void caseStats;
  return rest;
}

/**
 * The on-call pages and the runs API:
 * - `GET /runs/:id` (HTML; `?case=` lists one case's failing trials, `&after=` pages them)
 * - `GET /jobs/:job/runs` (HTML; `?before=&limit=`)
 * - `GET /jobs/:job/cases/:case` (HTML)
 * - `GET /api/runs?job=&limit=&before=` and `GET /api/runs/:id?limit=&after=&case=&failing=1` (JSON, trials included)
 * They are reads: behind the server's read token when one is set, like the dashboard.
 */
export function runPageRoutes(deps: RunPageDeps): Routes {
  const db = () => deps.database.db;
  const caseText = caseTextFrom(deps);
  const text = (run: Pick<RunRow, "job" | "goldenHash">) => (caseId: string) => caseText(run.job, run.goldenHash, caseId);
  return {
    "GET /runs/:id": async (req, res, params) => {
      const q = parseQuery(req, runPageQuery);
      if (!q.ok) return badRequest(res, q.error);
      const data = await loadRunPage(db(), params.id!, {
        ...(q.value.case !== undefined ? { caseId: q.value.case } : {}),
        ...(q.value.after ? { after: q.value.after } : {}),
      });
      if (!data) return notFound(res, `no run with id ${params.id}`);
      sendPage(res, 200, renderRunPage(data, text(data.run)));
    },
    "GET /jobs/:job/runs": async (req, res, params) => {
      const q = parseQuery(req, runsQuery.omit({ job: true }));
      if (!q.ok) return badRequest(res, q.error);
      const page = await loadRunsPage(db(), {
        job: params.job!,
        limit: q.value.limit,
        ...(q.value.before ? { before: q.value.before } : {}),
      });
      sendPage(res, 200, renderRunsPage(params.job!, page, q.value.limit));
    },
    "GET /jobs/:job/cases/:case": async (_req, res, params) => {
      const { job, case: caseId } = params as { job: string; case: string };
      const data = await loadCasePage(db(), job, caseId);
      sendPage(
        res,
        200,
        renderCasePage(data, (hash) => caseText(job, hash, caseId)),
      );
    },
    "GET /api/runs": async (req, res) => {
      const q = parseQuery(req, runsQuery);
      if (!q.ok) return sendJson(res, 400, { error: q.error });
      const { job, limit: n, before } = q.value;
      const page = await loadRunsPage(db(), { limit: n, ...(job !== undefined ? { job } : {}), ...(before ? { before } : {}) });
      const next = page.next ? encodeRunCursor(page.next) : null;
      sendJson(res, 200, {
        runs: page.runs.map((r) => ({ ...listedRunJson(r), alerts: page.events.filter((e) => e.runId === r.id) })),
        next,
        next_url: next ? href("/api/runs", { job, limit: n, before: next }) : null,
      });
    },
    "GET /api/runs/:id": async (req, res, params) => {
      const q = parseQuery(req, trialsQuery);
      if (!q.ok) return sendJson(res, 400, { error: q.error });
      const run = await loadRun(db(), params.id!);
      if (!run) return sendJson(res, 404, { error: `no run with id ${params.id}` });
      const { limit: n, after, case: caseId, failing } = q.value;
      const [cases, page] = await Promise.all([
        runCases(db(), run),
        loadTrialPage(db(), run, {
          limit: n + 1,
          ...(after ? { after } : {}),
          ...(caseId !== undefined ? { caseId } : {}),
          ...(failing ? { failingOnly: true } : {}),
        }),
      ]);
      const trials = page.slice(0, n);
      const last = trials.at(-1);
      const next = page.length > n && last ? encodeTrialCursor(last) : null;
      sendJson(res, 200, {
        run: runJson(run),
        cases: rankCases(cases),
        trials,
        next,
        next_url: next ? href(`/api/runs/${encodeURIComponent(run.id)}`, { limit: n, after: next, case: caseId, failing }) : null,
      });
    },
  };
}

/**
 * A case's input and expected answer from the loaded golden sets: the case as the job's set has it
 * when that set is the version the run replayed (same content hash); null when the loaded set is
 * another version (or lacks the case); undefined when the job has no golden set here.
 */
function caseTextFrom(deps: RunPageDeps): (job: string, goldenHash: string, caseId: string) => CaseText | null | undefined {
  const redact = (s: string) => (deps.secrets ? deps.secrets.redact(s) : s);
  return (job, goldenHash, caseId) => {
    const golden = deps.goldens?.().get(job);
    if (!golden) return undefined;
    const c = golden.hash === goldenHash ? golden.cases.find((x) => x.id === caseId) : undefined;
    if (!c) return null;
    return { input: redact(c.input), ...(c.expected !== undefined ? { expected: redact(c.expected) } : {}) };
  };
}
