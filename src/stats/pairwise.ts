// Pairwise comparison of two agents by a judge that sees both replies: every pair is judged in
// both orders, and a verdict that changes with the order is a tie (position bias cancels).
// Pure: the shadow runner, its tests and the simulation bench all call these.
import { boundedMean, clusteredMean, type ClusteredMean } from "./clustered.ts";
import { tCdf, tQuantile } from "./distributions.ts";
import { fitLogistic, logistic } from "./logistic.ts";

/** Which reply the judge preferred, named by agent. */
export type Preference = "candidate" | "incumbent" | "tie";
/** Which reply the judge preferred, named by position in its prompt. */
export type PositionVerdict = "first" | "second" | "tie";

/** The judge's position verdict as a preference, given which agent was shown first. */
export function preferenceOf(verdict: PositionVerdict, shownFirst: "candidate" | "incumbent"): Preference {
  if (verdict === "tie") return "tie";
  const other = shownFirst === "candidate" ? "incumbent" : "candidate";
  return verdict === "first" ? shownFirst : other;
}

/** Both orders' preferences as one verdict: the same in both orders, or else a tie. */
export function combineOrders(candidateFirst: Preference, incumbentFirst: Preference): { final: Preference; consistent: boolean } {
  const consistent = candidateFirst === incumbentFirst;
  return { final: consistent ? candidateFirst : "tie", consistent };
}

/** The candidate's score for a verdict: a win 1, a tie ½, a loss 0. */
export const scoreOf = (p: Preference): number => (p === "candidate" ? 1 : p === "tie" ? 0.5 : 0);

/** One pair: one input's replies from both agents (one repeat), and the judge's verdict in each order. */
export interface PairObservation {
  /** The input it answers: repeats of one input share it (the cluster). */
  cluster: string;
  /** The candidate's preference as judged with the candidate shown first; null: the judge gave no verdict. */
  candidateFirst: Preference | null;
  /** The same with the incumbent shown first. */
  incumbentFirst: Preference | null;
  /** Reply lengths in characters. */
  candidateLength: number;
  incumbentLength: number;
  /**
   * An agent gave no reply: the other wins without a judge ("candidate": the candidate gave none,
   * a loss; "incumbent": a win); "both": the pair is left out.
   */
  forfeit?: "candidate" | "incumbent" | "both";
}

/** What a non-inferiority decision needs. */
export interface PairwiseOptions {
  /** Largest shortfall below a win rate of ½ that still counts as "no worse" (e.g. 0.05). */
  margin: number;
  /** One-sided error rate of each decision (default 0.05). */
  alpha?: number;
  /** Below this swap-consistency rate a pass is withheld (inconclusive): the judge mostly followed position. Default 0.5. */
  minConsistency?: number;
}

export type ShadowDecision = "pass" | "fail" | "inconclusive";

/** Everything the shadow report states, from the pairs alone. */
export interface PairwiseSummary {
  pairs: number;
  /** Pairs with a verdict (judged in both orders, or forfeited by one agent). */
  decided: number;
  judgeErrors: number;
  /** Pairs decided without the judge because one agent gave no reply, and pairs where neither did. */
  forfeits: number;
  bothFailed: number;
  wins: number;
  losses: number;
  ties: number;
  /** Ties because the verdict changed with the order. */
  flips: number;
  /** Ties over judged pairs. */
  tieRate: number;
  /** Judged pairs whose verdict was the same in both orders. */
  swapConsistency: number;
  /** Win rate (ties ½), mean over inputs, with its 95% interval clustered by input (boundedMean). */
  winRate: ClusteredMean;
  /** Candidate − incumbent reply length (characters), mean over inputs, 95% interval clustered by input. */
  lengthDifference: ClusteredMean;
  lengthControlled: LengthControlled;
  decision: DecisionDetail;
}

/** The win rate at equal length: logistic fit of the score on the length difference, read at 0. */
export interface LengthControlled {
  winRate: number;
  low: number;
  high: number;
  /** Change in log-odds of a win per 100 characters of extra length. */
  slopePer100: number;
  converged: boolean;
}

/** The non-inferiority decision and its numbers. */
export interface DecisionDetail {
  decision: ShadowDecision;
  reason: string;
  margin: number;
  alpha: number;
  /** ½ − margin: the win rate below which the candidate is worse. */
  threshold: number;
  /** One-sided (1 − α) bounds: the two-sided (1 − 2α) interval. */
  lower: number;
  upper: number;
  /** One-sided p for H0: win rate ≤ threshold. */
  pValue: number;
}

/**
 * Summarises judged pairs: verdicts, tie and swap-consistency rates, the win rate with its
 * clustered interval, length bias, and the non-inferiority decision (see decide()).
 */
export function summarizePairs(pairs: readonly PairObservation[], opts: PairwiseOptions): PairwiseSummary {
  const alpha = opts.alpha ?? 0.05;
  if (!(opts.margin >= 0 && opts.margin < 0.5)) throw new RangeError(`margin must be in [0, 0.5), got ${opts.margin}`);
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be in (0, 0.5), got ${alpha}`);
  const counts = {
    decided: 0,
    judgeErrors: 0,
    forfeits: 0,
    bothFailed: 0,
    wins: 0,
    losses: 0,
    ties: 0,
    flips: 0,
    judged: 0,
    consistent: 0,
  };
  const scores: { cluster: string; value: number }[] = [];
  const lengths: { cluster: string; value: number }[] = [];
  const fit: { y: number; x: number; cluster: string }[] = [];
  for (const p of pairs) {
    let final: Preference;
    if (p.forfeit === "both") {
      counts.bothFailed++;
      continue;
    } else if (p.forfeit) {
      counts.forfeits++;
      final = p.forfeit === "candidate" ? "incumbent" : "candidate";
    } else if (p.candidateFirst === null || p.incumbentFirst === null) {
      counts.judgeErrors++;
      continue;
    } else {
      const c = combineOrders(p.candidateFirst, p.incumbentFirst);
      counts.judged++;
      if (c.consistent) counts.consistent++;
      else counts.flips++;
      final = c.final;
      const x = p.candidateLength - p.incumbentLength;
      lengths.push({ cluster: p.cluster, value: x });
      fit.push({ y: scoreOf(final), x, cluster: p.cluster });
    }
    counts.decided++;
    if (final === "candidate") counts.wins++;
    else if (final === "incumbent") counts.losses++;
    else counts.ties++;
    scores.push({ cluster: p.cluster, value: scoreOf(final) });
  }
  const winRate = boundedMean(scores, 0.95);
  const swapConsistency = counts.judged > 0 ? counts.consistent / counts.judged : Number.NaN;
  // Ties among judged pairs: flips and ties the judge gave in both orders (forfeits are never ties).
  const judgedTies = fit.filter((f) => f.y === 0.5).length;
  return {
    pairs: pairs.length,
    decided: counts.decided,
    judgeErrors: counts.judgeErrors,
    forfeits: counts.forfeits,
    bothFailed: counts.bothFailed,
    wins: counts.wins,
    losses: counts.losses,
    ties: counts.ties,
    flips: counts.flips,
    tieRate: counts.judged > 0 ? judgedTies / counts.judged : Number.NaN,
    swapConsistency,
    winRate,
    lengthDifference: clusteredMean(lengths, 0.95),
    lengthControlled: lengthControlled(fit),
    decision: decide(scores, { margin: opts.margin, alpha, minConsistency: opts.minConsistency ?? 0.5, swapConsistency }),
  };
}

/** Logistic fit of the score (ties ½, as a fractional response) on the length difference, read at 0 with its clustered 95% interval. */
export function lengthControlled(points: readonly { y: number; x: number; cluster: string }[]): LengthControlled {
  const f = fitLogistic(points);
  const clusters = new Set(points.map((p) => p.cluster)).size;
  const half = clusters >= 2 && Number.isFinite(f.seB0) ? tQuantile(0.975, clusters - 1) * f.seB0 : Number.NaN;
  return {
    winRate: logistic(f.b0),
    low: logistic(f.b0 - half),
    high: logistic(f.b0 + half),
    slopePer100: f.b1 * 100,
    converged: f.converged,
  };
}

/**
 * Non-inferiority of the candidate at one-sided level α against threshold ½ − margin, on the
 * per-input mean scores (t on K − 1 df on the arcsine-square-root scale, standard error floored:
 * see boundedMean):
 * pass when the lower (1 − α) bound is above the threshold, fail when the upper (1 − α) bound is
 * below it, inconclusive otherwise; both bounds are the ends of one (1 − 2α) interval, so pass
 * and fail never both hold, and each errs at most α of the time at the margin. A pass is withheld
 * when the judge's swap consistency is below `minConsistency`: flipped verdicts become ties,
 * which pull the win rate toward ½, so a judge that mostly follows position would pass anything.
 */
export function decide(
  scores: readonly { cluster: string; value: number }[],
  o: { margin: number; alpha: number; minConsistency: number; swapConsistency: number },
): DecisionDetail {
  const threshold = 0.5 - o.margin;
  const ci = boundedMean(scores, 1 - 2 * o.alpha);
  const base = { margin: o.margin, alpha: o.alpha, threshold, lower: ci.low, upper: ci.high };
  if (ci.clusters < 2) {
    return {
      ...base,
      decision: "inconclusive",
      pValue: Number.NaN,
      reason: `only ${ci.clusters} input${ci.clusters === 1 ? "" : "s"} decided; at least 2 are needed`,
    };
  }
  // On the same scale as the bounds, so pass is exactly p < α and fail exactly p > 1 − α.
  const k = ci.clusters;
  const shrunk = (ci.estimate * k + 1) / (k + 2);
  const sePhi = ci.se / (2 * Math.sqrt(shrunk * (1 - shrunk)));
  const asinSqrt = (x: number) => Math.asin(Math.sqrt(Math.min(1, Math.max(0, x))));
  const pValue = tCdf(-(asinSqrt(ci.estimate) - asinSqrt(threshold)) / sePhi, ci.df);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const span = `win rate ${pct(ci.estimate)}, ${Math.round(ci.level * 100)}% interval [${pct(ci.low)}, ${pct(ci.high)}]`;
  if (ci.high < threshold)
    return { ...base, decision: "fail", pValue, reason: `${span}: below ${pct(threshold)}, worse by more than the margin` };
  if (ci.low > threshold) {
    // NaN (no judged pairs, every pair forfeited) is no evidence of position bias.
    if (o.swapConsistency < o.minConsistency) {
      return {
        ...base,
        decision: "inconclusive",
        pValue,
        reason: `${span} is above ${pct(threshold)}, but the judge gave the same verdict in both orders on only ${pct(o.swapConsistency)} of pairs (below ${pct(o.minConsistency)}): its ties are position bias, not evidence`,
      };
    }
    return { ...base, decision: "pass", pValue, reason: `${span}: above ${pct(threshold)}, no worse than the margin` };
  }
  return { ...base, decision: "inconclusive", pValue, reason: `${span} contains ${pct(threshold)}` };
}
