import { judgeMannWhitney, mannWhitneyU } from '../lib/analysis/mann-whitney';
import { analysisModelOf, MannWhitneyModel } from '../lib/analysis/model';
import { AnalysisSpec } from '../lib/spec/generated/release';

// The Mann-Whitney U judgement of `compare: {against: stable, test: mannWhitney}` on known samples.

describe('mannWhitneyU: U and the two-sided p-value against published reference values', () => {
  test('GIVEN SciPy\'s documented example (ages of diagnosis, males vs females) THEN U = 17 and p = 0.0864107329737 (asymptotic, no continuity correction)', () => {
    // scipy.stats.mannwhitneyu documentation, Examples: mannwhitneyu(males, females,
    // use_continuity=False, method="asymptotic") prints 0.0864107329737, U1 = 17.
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    const r = mannWhitneyU(males, females);
    expect(r.u).toBe(17);
    expect(r.pValue).toBeCloseTo(0.0864107329737, 12);
    expect(r.higher).toBe('canary');
    expect(r.n).toEqual({ canary: 5, stable: 4 });
    // AND the other way round: U' = n*m - U, the same two-sided p, the other direction
    const back = mannWhitneyU(females, males);
    expect(back.u).toBe(3);
    expect(back.pValue).toBeCloseTo(0.0864107329737, 12);
    expect(back.higher).toBe('stable');
  });

  test('GIVEN samples with ties (ClickHouse\'s mannWhitneyUTest test data) THEN U = 223 as ClickHouse documents, and the tie-corrected p-value', () => {
    // ClickHouse tests/queries/0_stateless/01560_mann_whitney.sql: U = 223 (its p-value, 0.5426959774289482,
    // is continuity-corrected). Without continuity correction SciPy 1.17.1 gives
    // mannwhitneyu(left, right, method="asymptotic", use_continuity=False).pvalue = 0.5337651283876226.
    const left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295];
    const right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261];
    const r = mannWhitneyU(left, right);
    expect(r.u).toBe(223);
    expect(r.pValue).toBeCloseTo(0.5337651283876226, 12);
  });

  test('GIVEN two identical constant samples THEN there is no p-value (every value ties) and no direction', () => {
    const r = mannWhitneyU([1, 1, 1], [1, 1]);
    expect(r.pValue).toBeNaN();
    expect(r.higher).toBe('neither');
    expect(r.u).toBe(3);
  });
});

const MW: MannWhitneyModel = { kind: 'mannWhitney', stepSeconds: 60, direction: 'increase', confidenceLevel: 0.98, allowedIncrease: 1, allowedDecrease: 1, minSamples: 10 };
/** `n` values around `level`, spread deterministically (0, 1, ..., n-1 scaled by `spread`). */
const around = (level: number, n: number, spread = 0.01): number[] => Array.from({ length: n }, (_, i) => level + ((i * 7) % n) * spread);

describe('judgeMannWhitney', () => {
  test('GIVEN the canary clearly higher than stable and direction increase THEN fail, with U, p and the means in the reason', () => {
    const v = judgeMannWhitney(MW, around(1, 12), around(0.5, 12));
    expect(v.verdict).toBe('fail');
    expect(v.stats?.u).toBe(144); // every canary value above every stable one
    expect(v.stats?.pValue).toBeLessThan(0.001);
    expect(v.reason).toMatch(/^the canary is significantly higher than stable \(U 144, p [\d.e-]+, mean 1\.055 vs stable 0\.555 \(ratio 1\.901\); significant below 0\.02, direction increase\)$/);
  });

  test('GIVEN the canary clearly lower THEN direction increase passes it, decrease and either fail it', () => {
    const canary = around(0.5, 12);
    const stable = around(1, 12);
    expect(judgeMannWhitney(MW, canary, stable)).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/^the canary is significantly lower than stable, which direction increase allows/) });
    expect(judgeMannWhitney({ ...MW, direction: 'decrease' }, canary, stable).verdict).toBe('fail');
    expect(judgeMannWhitney({ ...MW, direction: 'either' }, canary, stable).verdict).toBe('fail');
  });

  test('GIVEN overlapping samples THEN no significant difference passes; a stricter confidence level needs a smaller p', () => {
    const canary = around(1, 12, 0.1);
    const stable = around(1.05, 12, 0.1);
    const v = judgeMannWhitney(MW, canary, stable);
    expect(v.verdict).toBe('pass');
    expect(v.reason).toMatch(/^no significant difference from stable \(U \d+(\.5)?, p 0\.\d+/);
    expect(v.stats?.pValue).toBeGreaterThan(0.02);
    // the SciPy example is significant at 0.90 but not at 0.95 (p = 0.0864)
    const males = [19, 22, 16, 29, 24, 19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12, 20, 11, 17, 12, 20, 11];
    const p = mannWhitneyU(males, females).pValue;
    expect(p).toBeGreaterThan(0.001);
    expect(judgeMannWhitney({ ...MW, confidenceLevel: 1 - p * 1.01 }, males, females).verdict).toBe('fail');
    expect(judgeMannWhitney({ ...MW, confidenceLevel: 1 - p * 0.99 }, males, females).verdict).toBe('pass');
  });

  test('GIVEN a significant increase within effectSize.allowedIncrease THEN pass; beyond it fail (ratio of means)', () => {
    const canary = around(1.05, 12, 0.001); // ~5% above
    const stable = around(1, 12, 0.001);
    expect(judgeMannWhitney(MW, canary, stable).verdict).toBe('fail');
    expect(judgeMannWhitney({ ...MW, allowedIncrease: 1.1 }, canary, stable)).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/but within allowedIncrease 1\.1/) });
    expect(judgeMannWhitney({ ...MW, allowedIncrease: 1.01 }, canary, stable).verdict).toBe('fail');
    expect(judgeMannWhitney({ ...MW, direction: 'decrease', allowedDecrease: 0.9 }, stable, canary)).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/within allowedDecrease 0\.9/) });
  });

  test('GIVEN fewer values than minSamples on a track THEN inconclusive, naming the counts; identical data pass', () => {
    expect(judgeMannWhitney(MW, around(1, 9), around(0.5, 30))).toEqual({ verdict: 'inconclusive', reason: 'too few values to compare: canary 9 < minSamples 10 (one value per step of the window)' });
    expect(judgeMannWhitney(MW, around(1, 30), around(0.5, 3)).reason).toMatch(/stable 3 < minSamples 10/);
    expect(judgeMannWhitney(MW, Array(12).fill(0), Array(15).fill(0))).toMatchObject({ verdict: 'pass', reason: 'no difference: every value of both tracks is 0' });
  });
});

describe('compare: {against: stable, test: mannWhitney} in the spec', () => {
  const metric = (extra: Record<string, unknown>): AnalysisSpec => ({ metrics: [{ name: 'latency', provider: { prometheus: { address: 'http://127.0.0.1:9090' } }, query: 'x{namespace="{{namespace}}"}', ...extra }] } as unknown as AnalysisSpec);

  test('GIVEN the object form THEN Kayenta\'s defaults resolve (direction either, confidence 0.98, no effect tolerance, step 1m, 20 values)', () => {
    const m = analysisModelOf(metric({ compare: { against: 'stable', test: 'mannWhitney' } }));
    if ('problems' in m) throw new Error(JSON.stringify(m.problems));
    expect(m.metrics[0].compare).toBe('stable');
    expect(m.metrics[0].test).toEqual({ kind: 'mannWhitney', stepSeconds: 60, direction: 'either', confidenceLevel: 0.98, allowedIncrease: 1, allowedDecrease: 1, minSamples: 20 });
    const full = analysisModelOf(metric({ compare: { against: 'stable', test: 'mannWhitney', step: '30s', direction: 'increase', confidenceLevel: 0.95, effectSize: { allowedIncrease: 1.2, allowedDecrease: 0.8 }, minSamples: 40 } }));
    if ('problems' in full) throw new Error(JSON.stringify(full.problems));
    expect(full.metrics[0].test).toEqual({ kind: 'mannWhitney', stepSeconds: 30, direction: 'increase', confidenceLevel: 0.95, allowedIncrease: 1.2, allowedDecrease: 0.8, minSamples: 40 });
  });

  test('fails a condition next to the test, naming the field and the fix', () => {
    const m = analysisModelOf(metric({ compare: { against: 'stable', test: 'mannWhitney' }, successCondition: 'result[0] < 1.0' }));
    expect('problems' in m && m.problems).toEqual([{ path: ['metrics', 0, 'successCondition'], message: "metric 'latency' is judged by compare test: mannWhitney, so a condition would be a second, conflicting verdict", hint: 'remove the condition, and put an absolute threshold (e.g. result[0] <= 0.01) in a metric of its own' }]);
  });

  test('GIVEN compare: stable (the string form) THEN it is unchanged: conditions over baseline, sampleQuery and minSamples required', () => {
    const m = analysisModelOf(metric({ compare: 'stable', successCondition: 'result[0] <= baseline[0] * 1.2', sampleQuery: 's', minSamples: 100 }));
    if ('problems' in m) throw new Error(JSON.stringify(m.problems));
    expect(m.metrics[0].compare).toBe('stable');
    expect(m.metrics[0].test).toBeUndefined();
  });
});
