import { ConditionError } from './condition';
import { judgeMannWhitney, MannWhitneyStats } from './mann-whitney';
import { MetricModel } from './model';

/**
 * Judgement, pure. A measurement is judged as Argo Rollouts' `EvaluateResult`
 * (metricproviders/evaluate.go): with only successCondition, false means failed; with only
 * failureCondition, false means successful; with both, a failureCondition that holds fails, a
 * successCondition that holds passes, and neither is inconclusive. A metric is judged as Argo's
 * analysis controller: failed when more than `failureLimit` measurements failed, inconclusive when
 * more than `inconclusiveLimit` were; this project adds that a metric whose `count` measurements
 * do not all fit in the window yet is inconclusive (unless it already failed).
 */

/** Verdict of one measurement, one metric, or a whole analysis. `error`: could not measure (no verdict on the canary). */
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** What one measurement saw. */
export interface MeasurementInput {
  /** Canary values (NaN already dropped); empty: no data. */
  readonly result: readonly number[];
  /** Stable values, with compare. */
  readonly baseline?: readonly number[];
  /** Samples (sampleQuery) per track, with a minimum. */
  readonly samples?: { readonly canary: number; readonly stable?: number };
}

/** A judged measurement. */
export interface MeasurementVerdict {
  readonly verdict: Verdict;
  /** Why, in words: which condition decided, no data, too few samples. */
  readonly reason: string;
  /** The Mann-Whitney statistics, with compare test: mannWhitney. */
  readonly test?: MannWhitneyStats;
}

/** Judges one measurement of a metric (with compare test: mannWhitney, by the test: mann-whitney.ts). */
export function judgeMeasurement(m: MetricModel, input: MeasurementInput): MeasurementVerdict {
  if (m.minSamples !== undefined && input.samples) {
    const low = [['canary', input.samples.canary], ...(input.samples.stable !== undefined ? [['stable', input.samples.stable]] : [])]
      .filter(([, n]) => (n as number) < (m.minSamples as number));
    if (low.length) {
      return { verdict: 'inconclusive', reason: `too few samples: ${low.map(([t, n]) => `${t} ${fmt(n as number)}`).join(', ')} < minSamples ${m.minSamples}` };
    }
  }
  if (input.result.length === 0 || (m.compare && (input.baseline ?? []).length === 0)) {
    const which = input.result.length === 0 ? 'no data' : 'no data for the stable baseline';
    return { verdict: m.noData, reason: `${which} (noData: ${m.noData})` };
  }
  if (m.test) {
    const mw = judgeMannWhitney(m.test, input.result, input.baseline ?? []);
    return { verdict: mw.verdict, reason: mw.reason, ...(mw.stats ? { test: mw.stats } : {}) };
  }
  const sc = m.successCondition;
  const fc = m.failureCondition;
  let success: boolean | undefined;
  let failure: boolean | undefined;
  try {
    if (fc) failure = fc.evaluate(input.result, input.baseline);
    if (sc) success = sc.evaluate(input.result, input.baseline);
  } catch (e) {
    if (e instanceof ConditionError) return { verdict: 'error', reason: e.message };
    throw e;
  }
  if (fc && failure) return { verdict: 'fail', reason: `failureCondition ${fc.text} holds` };
  if (sc && success) return { verdict: 'pass', reason: `successCondition ${sc.text} holds` };
  if (sc && !fc) return { verdict: 'fail', reason: `successCondition ${sc.text} does not hold` };
  if (fc && !sc) return { verdict: 'pass', reason: `failureCondition ${fc.text} does not hold` };
  return { verdict: 'inconclusive', reason: 'neither successCondition nor failureCondition holds' };
}

/** A metric's verdict from its measurements (`pending`: measurement times before the window opened). */
export function judgeMetric(m: MetricModel, measured: readonly MeasurementVerdict[], pending: number): MeasurementVerdict {
  const n = (v: Verdict) => measured.filter((x) => x.verdict === v).length;
  const failed = n('fail');
  const inconclusive = n('inconclusive');
  const errors = measured.filter((x) => x.verdict === 'error');
  const total = measured.length + pending;
  if (failed > m.failureLimit) {
    return { verdict: 'fail', reason: `${failed} of ${total} measurement(s) failed (failureLimit ${m.failureLimit}): ${lastReason(measured, 'fail')}` };
  }
  if (errors.length) return { verdict: 'error', reason: errors[errors.length - 1].reason };
  if (inconclusive > m.inconclusiveLimit) {
    return { verdict: 'inconclusive', reason: `${inconclusive} of ${total} measurement(s) inconclusive (inconclusiveLimit ${m.inconclusiveLimit}): ${lastReason(measured, 'inconclusive')}` };
  }
  if (pending) {
    return { verdict: 'inconclusive', reason: `${measured.length} of ${m.count} measurement(s) fit in the window so far (every ${fmtSeconds(m.intervalSeconds)}); wait` };
  }
  const passed = n('pass');
  return { verdict: 'pass', reason: `${passed} of ${total} measurement(s) passed${failed ? `, ${failed} failed (failureLimit ${m.failureLimit})` : ''}${inconclusive ? `, ${inconclusive} inconclusive (inconclusiveLimit ${m.inconclusiveLimit})` : ''}` };
}

/** The verdict of an analysis: fail if a metric failed, else error if one could not be measured, else inconclusive if one was, else pass. */
export function judgeAnalysis(verdicts: readonly Verdict[]): Verdict {
  for (const v of ['fail', 'error', 'inconclusive'] as const) if (verdicts.includes(v)) return v;
  return 'pass';
}

function lastReason(measured: readonly MeasurementVerdict[], v: Verdict): string {
  const hits = measured.filter((x) => x.verdict === v);
  return hits.length ? hits[hits.length - 1].reason : '';
}

/** A number for people: up to 4 significant digits, no exponent for usual magnitudes. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e-4 && a < 1e9) return String(Number(n.toPrecision(4)));
  // trailing zeros of the mantissa go (1.230e+5 -> 1.23e+5), by a loop: /\.?0+e/ backtracks (test/regex-safety.test.ts)
  const [mant, exp] = n.toExponential(3).split('e');
  let m = mant;
  if (m.includes('.')) { while (m.endsWith('0')) m = m.slice(0, -1); if (m.endsWith('.')) m = m.slice(0, -1); }
  return `${m}e${exp}`;
}

/** Seconds as a PromQL-style duration: `90s` -> `1m30s`. */
export function fmtSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${r || (!h && !m) ? `${r}s` : ''}`;
}
