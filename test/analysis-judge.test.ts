import { compileCondition } from '../lib/analysis/condition';
import { judgeAnalysis, judgeMeasurement, judgeMetric } from '../lib/analysis/judge';
import { analysisModelOf, MetricModel } from '../lib/analysis/model';
import { analysisTrailers, templateValues } from '../lib/analysis/run';
import { parseTemplate, renderTemplate, TEMPLATE_VARIABLES } from '../lib/analysis/template';
import { Metric } from '../lib/spec/generated/release';

function metric(m: Partial<Metric>): MetricModel {
  const r = analysisModelOf({ metrics: [{ name: 'm', provider: { prometheus: { address: 'http://127.0.0.1:9090' } }, query: 'up', ...m } as Metric] });
  if ('problems' in r) throw new Error(JSON.stringify(r.problems));
  return r.metrics[0];
}

describe('judging a measurement (Argo Rollouts EvaluateResult)', () => {
  const both = metric({ successCondition: 'result[0] <= 0.01', failureCondition: 'result[0] > 0.05' });
  test.each([
    [both, 0.004, 'pass'], [both, 0.08, 'fail'], [both, 0.03, 'inconclusive'],
    [metric({ successCondition: 'result[0] <= 0.01' }), 0.03, 'fail'],
    [metric({ successCondition: 'result[0] <= 0.01' }), 0.01, 'pass'],
    [metric({ failureCondition: 'result[0] > 0.05' }), 0.03, 'pass'],
    [metric({ failureCondition: 'result[0] > 0.05' }), 0.06, 'fail'],
  ])('GIVEN %# WHEN result is %p THEN %s', (m, v, verdict) => {
    expect(judgeMeasurement(m, { result: [v] }).verdict).toBe(verdict);
  });

  test('GIVEN no data THEN the noData verdict, inconclusive by default', () => {
    expect(judgeMeasurement(metric({ successCondition: 'result[0] < 1.0' }), { result: [] })).toEqual({ verdict: 'inconclusive', reason: 'no data (noData: inconclusive)' });
    expect(judgeMeasurement(metric({ successCondition: 'result[0] < 1.0', noData: 'pass' }), { result: [] }).verdict).toBe('pass');
  });

  test('GIVEN fewer samples than minSamples THEN inconclusive, whatever the value', () => {
    const m = metric({ successCondition: 'result[0] < 1.0', sampleQuery: 'x', minSamples: 100, compare: 'stable' });
    expect(judgeMeasurement(m, { result: [0.5], baseline: [0.5], samples: { canary: 99, stable: 5000 } })).toEqual({ verdict: 'inconclusive', reason: 'too few samples: canary 99 < minSamples 100' });
    expect(judgeMeasurement(m, { result: [0.5], baseline: [0.5], samples: { canary: 100, stable: 5000 } }).verdict).toBe('pass');
  });

  test('GIVEN a condition that fails at run time (an index past the values) THEN error, not a verdict', () => {
    const r = judgeMeasurement(metric({ successCondition: 'result[1] < 1.0' }), { result: [0.5] });
    expect(r.verdict).toBe('error');
    expect(r.reason).toMatch(/condition 'result\[1\] < 1\.0' failed on result \[0\.5\]/);
  });
});

describe('judging a metric and an analysis', () => {
  const m = metric({ successCondition: 'result[0] < 1.0', count: 3, failureLimit: 1, inconclusiveLimit: 1 });
  const v = (verdict: 'pass' | 'fail' | 'inconclusive' | 'error') => ({ verdict, reason: verdict });
  test.each([
    [[v('pass'), v('pass'), v('pass')], 0, 'pass'],
    [[v('fail'), v('pass'), v('pass')], 0, 'pass'],
    [[v('fail'), v('fail'), v('pass')], 0, 'fail'],
    [[v('inconclusive'), v('inconclusive'), v('pass')], 0, 'inconclusive'],
    [[v('inconclusive'), v('fail'), v('pass')], 0, 'pass'],
    [[v('pass')], 2, 'inconclusive'],
    [[v('fail'), v('fail')], 1, 'fail'],
    [[v('error'), v('pass'), v('pass')], 0, 'error'],
  ])('GIVEN measurements %j and %p pending THEN %s', (ms, pending, verdict) => {
    expect(judgeMetric(m, ms, pending).verdict).toBe(verdict);
  });
  test('an analysis fails if one metric fails, then error, then inconclusive', () => {
    expect(judgeAnalysis(['pass', 'inconclusive', 'error', 'fail'])).toBe('fail');
    expect(judgeAnalysis(['pass', 'inconclusive', 'error'])).toBe('error');
    expect(judgeAnalysis(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(judgeAnalysis(['pass', 'pass'])).toBe('pass');
  });
});

describe('templates and conditions', () => {
  test('every documented variable renders, PromQL braces stay as they are, nothing is HTML-escaped', () => {
    const t = parseTemplate(Object.keys(TEMPLATE_VARIABLES).map((k) => `${k}={{${k}}}`).join(' ') + ' x{a="<&>"}', Object.keys(TEMPLATE_VARIABLES));
    if ('problems' in t) throw new Error(JSON.stringify(t.problems));
    const values = templateValues({ release: 'r', weight: '0.5', stable: { namespace: 'p', service: 's', workload: 'w', version: '1<0' }, canary: { namespace: 'c', service: 'cs', workload: 'cw', version: '2' } }, 'stable', 1_800_000_000, 1_800_000_900, 60, 30);
    expect(renderTemplate(t, values)).toBe('release=r namespace=p service=s workload=w version=1<0 track=stable stable.namespace=p stable.service=s stable.workload=w stable.version=1<0 canary.namespace=c canary.service=cs canary.workload=cw canary.version=2 canary.weight=0.5 weight=0.5 window=900s since=2027-01-15T08:00:00Z until=2027-01-15T08:15:00Z sinceUnix=1800000000 untilUnix=1800000900 interval=60s step=30s x{a="<&>"}');
  });
  test('fails on sections and unknown variables, with the offset', () => {
    expect(parseTemplate('a {{#x}}b{{/x}}', ['x'])).toEqual({ problems: [expect.objectContaining({ message: "only plain {{variable}} placeholders are allowed, not '{{#x}}'", offset: 2 })] });
    expect(parseTemplate('rate(x[{{windw}}])', ['window'])).toEqual({ problems: [expect.objectContaining({ message: "unknown template variable 'windw'", offset: 7, hint: expect.stringMatching(/did you mean '\{\{window\}\}'/) })] });
    expect('problems' in parseTemplate('a {{b', ['b'])).toBe(true);
  });
  test('conditions: CEL over result and baseline', () => {
    const c = compileCondition('result[0] <= baseline[0] * 1.2', true);
    if ('problem' in c) throw new Error(c.problem.message);
    expect(c.evaluate([1.1], [1])).toBe(true);
    expect(c.evaluate([1.3], [1])).toBe(false);
    expect(compileCondition('size(result) > 0 && result.all(x, x < 0.5)', false)).not.toHaveProperty('problem');
  });
  test('trailers carry the value, the condition and the verdict', () => {
    expect(analysisTrailers({ verdict: 'fail', windowStart: 0, now: 1, metrics: [{ name: 'error-rate', provider: 'prometheus', query: 'q', condition: 'success: result[0] <= 0.01', verdict: 'fail', reason: '', measurements: [{ time: 1, taken: true, result: [0.0423456] }] }] }))
      .toEqual([['Analysis', 'error-rate 0.04235 (result[0] <= 0.01) fail']]);
  });
});

describe('advance: what to do with one canary', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { decideAdvance } = require('../lib/rollout/advance') as typeof import('../lib/rollout/advance');
  const base = { weight: 25, weightTotal: 100, next: { kind: 'step', weight: 100, index: 3 } as const, soakRemainingSeconds: 0, autoPromote: false };
  test.each([
    [{ verdict: 'fail' }, 'abort'],
    [{ verdict: 'fail', soakRemainingSeconds: 600 }, 'abort'],
    [{ verdict: 'pass' }, 'step'],
    [{ verdict: 'pass', soakRemainingSeconds: 60 }, 'wait'],
    [{ verdict: 'inconclusive' }, 'wait'],
    [{ verdict: 'error' }, 'wait'],
    [{ verdict: 'pass', next: { kind: 'promote' } }, 'wait'],
    [{ verdict: 'pass', next: { kind: 'promote' }, autoPromote: true }, 'promote'],
    [{ weight: 0, verdict: 'fail' }, 'wait'],
  ])('GIVEN %j THEN %s', (over, action) => {
    expect(decideAdvance({ ...base, ...over } as Parameters<typeof decideAdvance>[0]).action).toBe(action);
  });
  test('says why it waits', () => {
    expect(decideAdvance({ ...base, verdict: 'pass', soakRemainingSeconds: 90 }).reason).toBe('the analysis passes, but 1m 30s of soak time is left at 25%');
    expect(decideAdvance({ ...base, verdict: 'inconclusive' }).reason).toMatch(/inconclusive/);
  });
});
