/**
 * The Mann-Whitney U judgement of `compare: {against: stable, test: mannWhitney}`, as Kayenta's
 * canary judge makes it (kayenta-judge `MannWhitneyClassifier`: the canary's values against the
 * control's over the same interval, classified High, Low or Pass, with a direction and an effect
 * size), on a p-value instead of Kayenta's Hodges-Lehmann confidence interval.
 *
 * The statistics are a kept library's, only wired here: no JavaScript library this project can get
 * (checked: @stdlib/stats, simple-statistics, jstat, mann-whitney-utest, statistics.js) offers a
 * maintained Mann-Whitney U test with a p-value, so the p-value comes from
 * `@stdlib/stats-kruskal-test`: for two samples the Kruskal-Wallis H equals z² of the Mann-Whitney
 * U normal approximation with tie correction, so its p-value is the two-sided Mann-Whitney p-value
 * without continuity correction (the same as R's `wilcox.test(x, y, exact = FALSE, correct = FALSE)`
 * and SciPy's `mannwhitneyu(x, y, method="asymptotic", use_continuity=False)`; checked against
 * SciPy's documented example in test/analysis-mann-whitney.test.ts). The ranks (ties averaged)
 * that give U and the direction are `@stdlib/stats-ranks`'.
 */
import kruskalTest from '@stdlib/stats-kruskal-test';
import ranks from '@stdlib/stats-ranks';
import { MannWhitneyModel } from './model';

/** What the test says about two samples. */
export interface MannWhitneyStats {
  /** U of the canary: how many (canary, stable) pairs the canary wins, ties counting one half. 0..n*m. */
  readonly u: number;
  /** Two-sided p-value (normal approximation, tie-corrected, no continuity correction). NaN when every value is equal. */
  readonly pValue: number;
  readonly n: { readonly canary: number; readonly stable: number };
  /** Arithmetic means, for the effect size (ratio canary / stable) and for people. */
  readonly mean: { readonly canary: number; readonly stable: number };
  /** Which track tends to the larger values: U against its mean n*m/2. */
  readonly higher: 'canary' | 'stable' | 'neither';
}

/** The Mann-Whitney U test of `canary` against `stable` (each at least one value). */
export function mannWhitneyU(canary: readonly number[], stable: readonly number[]): MannWhitneyStats {
  const n = canary.length;
  const m = stable.length;
  if (!n || !m) throw new Error('internal: the Mann-Whitney test needs values on both tracks');
  const r = ranks([...canary, ...stable]);
  const rankSum = r.slice(0, n).reduce((a, b) => a + b, 0);
  const u = rankSum - (n * (n + 1)) / 2;
  const allEqual = [...canary, ...stable].every((x) => x === canary[0]);
  const pValue = allEqual ? NaN : kruskalTest([...canary], [...stable]).pValue;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    u, pValue, n: { canary: n, stable: m },
    mean: { canary: mean(canary), stable: mean(stable) },
    higher: u > (n * m) / 2 ? 'canary' : u < (n * m) / 2 ? 'stable' : 'neither',
  };
}

/** A judged comparison. */
export interface MannWhitneyVerdict {
  readonly verdict: 'pass' | 'fail' | 'inconclusive';
  readonly reason: string;
  /** Absent when too few values to test. */
  readonly stats?: MannWhitneyStats;
}

/**
 * Judges one measurement: inconclusive below `minSamples` values on a track; pass when every
 * value is equal (as Kayenta: identical data pass); otherwise fail when the shift is significant
 * (p < 1 - confidenceLevel), in a direction `direction` fails, and beyond the effect size (ratio of
 * means outside [allowedDecrease, allowedIncrease]); else pass.
 */
export function judgeMannWhitney(t: MannWhitneyModel, canary: readonly number[], stable: readonly number[]): MannWhitneyVerdict {
  const low = [['canary', canary.length], ['stable', stable.length]].filter(([, k]) => (k as number) < t.minSamples);
  if (low.length) {
    return { verdict: 'inconclusive', reason: `too few values to compare: ${low.map(([w, k]) => `${w} ${k}`).join(', ')} < minSamples ${t.minSamples} (one value per step of the window)` };
  }
  const stats = mannWhitneyU(canary, stable);
  const alpha = 1 - t.confidenceLevel;
  const p = fmtP(stats.pValue);
  if (Number.isNaN(stats.pValue)) return { verdict: 'pass', reason: `no difference: every value of both tracks is ${canary[0]}`, stats };
  const ratio = stats.mean.stable === 0 ? (stats.mean.canary === 0 ? 1 : stats.mean.canary > 0 ? Infinity : -Infinity) : stats.mean.canary / stats.mean.stable;
  const shown = `U ${stats.u}, p ${p}, mean ${fmtN(stats.mean.canary)} vs stable ${fmtN(stats.mean.stable)} (ratio ${fmtN(ratio)})`;
  if (!(stats.pValue < alpha) || stats.higher === 'neither') {
    return { verdict: 'pass', reason: `no significant difference from stable (${shown}; significant below ${fmtN(alpha)})`, stats };
  }
  const up = stats.higher === 'canary';
  const failsThisWay = t.direction === 'either' || t.direction === (up ? 'increase' : 'decrease');
  if (!failsThisWay) {
    return { verdict: 'pass', reason: `the canary is significantly ${up ? 'higher' : 'lower'} than stable, which direction ${t.direction} allows (${shown})`, stats };
  }
  const within = up ? ratio <= t.allowedIncrease : ratio >= t.allowedDecrease;
  if (within) {
    return { verdict: 'pass', reason: `the canary is significantly ${up ? 'higher' : 'lower'} than stable but within ${up ? `allowedIncrease ${t.allowedIncrease}` : `allowedDecrease ${t.allowedDecrease}`} (${shown})`, stats };
  }
  return { verdict: 'fail', reason: `the canary is significantly ${up ? 'higher' : 'lower'} than stable (${shown}; significant below ${fmtN(alpha)}, direction ${t.direction})`, stats };
}

/** The condition column and trailer text of a Mann-Whitney metric. */
export function describeMannWhitney(t: MannWhitneyModel): string {
  const effect = t.allowedIncrease !== 1 || t.allowedDecrease !== 1 ? `, effect ${t.allowedDecrease}..${t.allowedIncrease}` : '';
  return `mannWhitney vs stable: direction ${t.direction}, p < ${fmtN(1 - t.confidenceLevel)}${effect}`;
}

/** A p-value for people: two significant digits, an exponent below 0.0001. */
export function fmtP(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

function fmtN(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  return String(Number(x.toPrecision(4)));
}
