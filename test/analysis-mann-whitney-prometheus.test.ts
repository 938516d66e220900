import * as fs from 'fs';
import * as path from 'path';
import { AUTH_ENV, requestSeries, workshopRepo, workshopWithCanary } from './support/analysis';
import { cli } from './support/cli';
import { cliAsync, git } from './support/cli-repo';
import { prometheusAvailable, PrometheusServer, startPrometheus } from './support/prometheus';

// compare: {against: stable, test: mannWhitney} against a real Prometheus (Debian's package): the
// error ratio of each track as a range query over the window (one value a minute), the two series
// judged by the Mann-Whitney U test. Scenarios are told apart by the canary version label.
const avail = prometheusAvailable(); // throws in CI when Prometheus is missing: never a silent skip
const maybe = avail.ok ? describe : describe.skip;
if (!avail.ok) {
  // eslint-disable-next-line no-console
  console.warn(`skipping the Mann-Whitney Prometheus tests: ${avail.reason}`);
}

const NOW = Math.floor(Date.now() / 1000);
/** The commit that set the canary's weight: 30 minutes ago (the window opens 2 minutes later: startDelay). */
const WEIGHT_SET = NOW - 30 * 60;
const FROM = NOW - 60 * 60;
const TO = NOW - 5;

/** A deterministic noise in [-1, 1] per 15-second tick and seed, the same in every run (relative to FROM, as the window is). */
function noise(t: number, seed: number): number {
  const x = Math.sin((t - FROM) * 12.9898 + seed * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}
/** Errors per second around `level` (±60%), one draw per tick. */
const noisy = (level: number, seed: number) => (t: number) => level * (1 + 0.6 * noise(t, seed));

let prom: PrometheusServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  if (!avail.ok) return;
  prom = await startPrometheus([
    ...requestSeries('workshop', '1.0.0', FROM, TO, 10, noisy(0.1, 1)), // stable: ~1% errors
    ...requestSeries('workshop-canary', '2.1.0', FROM, TO, 10, noisy(0.1, 2)), // the same ~1%
    ...requestSeries('workshop-canary', '2.2.0', FROM, TO, 10, noisy(0.2, 3)), // ~2%: twice as many errors
    ...requestSeries('workshop-canary', '2.3.0', FROM, TO, 10, noisy(0.05, 4)), // ~0.5%: half
    ...requestSeries('workshop-canary', '2.4.0', NOW - 10 * 60, TO, 10, noisy(0.1, 5)), // only the last 10 minutes
    // 2.5.0: many errors before the weight was set, stable's level after: the window must not see them
    ...requestSeries('workshop-canary', '2.5.0', FROM, TO, 10, (t) => (t <= WEIGHT_SET ? 5 : noisy(0.1, 6)(t))),
  ]);
}, 60000);

afterAll(async () => {
  for (const c of cleanups.reverse()) c();
  if (prom) await prom.stop();
});

/** The workshop's metric judged by the Mann-Whitney U test against stable, one measurement now. */
const MANN_WHITNEY = (compare: string) => (s: string) => s
  .replace(/      query: >-\n[\s\S]*$/, `      query: >-
        sum(rate(http_requests_total{namespace="{{namespace}}",version="{{version}}",code="500"}[{{step}}]))
        / sum(rate(http_requests_total{namespace="{{namespace}}",version="{{version}}"}[{{step}}]))
      compare: ${compare}
`);
const INCREASE = '{against: stable, test: mannWhitney, direction: increase, step: 1m, minSamples: 20}';

function repoFor(version: string, compare = INCREASE, synth = false): string {
  const repo = workshopRepo(workshopWithCanary(version, 25, prom.url, MANN_WHITNEY(compare)), WEIGHT_SET, { synth });
  cleanups.push(repo.cleanup);
  return repo.root;
}

async function run(root: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  process.env.PROMETHEUS_AUTHORIZATION = AUTH_ENV.PROMETHEUS_AUTHORIZATION;
  try { return await cli(root, ...args); } finally { delete process.env.PROMETHEUS_AUTHORIZATION; }
}

interface Measurement { taken: boolean; result?: number[]; baseline?: number[]; verdict?: string; reason?: string; test?: { u: number; pValue: number; n: { canary: number; stable: number }; mean: { canary: number; stable: number }; higher: string } }
interface Report { verdict: string; window: { startUnix: number }; metrics: { query: string; condition: string; value: string; verdict: string; reason: string; measurements: Measurement[] }[] }

async function analyzeJson(root: string): Promise<{ code: number; report: Report }> {
  const r = await run(root, 'analyze', 'workshop', '--json');
  if (r.err) throw new Error(r.err);
  return { code: r.code, report: JSON.parse(r.out) as Report };
}

maybe('compare: {against: stable, test: mannWhitney} on range queries of a real Prometheus', () => {
  test('GIVEN a canary with the same error ratio as stable WHEN analyze THEN both series (one value a minute since the window opened) show no significant difference: pass', async () => {
    const { code, report } = await analyzeJson(repoFor('2.1.0'));
    expect(report.verdict).toBe('pass');
    expect(code).toBe(0);
    const m = report.metrics[0];
    expect(m.condition).toBe('mannWhitney vs stable: direction increase, p < 0.02');
    const x = m.measurements[0];
    // the window: from the weight commit + 2m to now; the first point one step after it opens
    const points = Math.floor((NOW - (WEIGHT_SET + 120)) / 60);
    expect(x.result?.length).toBeGreaterThanOrEqual(points - 1);
    expect(x.result?.length).toBeLessThanOrEqual(points + 1);
    expect(x.baseline?.length).toBe(x.result?.length);
    for (const v of [...(x.result ?? []), ...(x.baseline ?? [])]) { expect(v).toBeGreaterThan(0.003); expect(v).toBeLessThan(0.02); }
    expect(x.test?.pValue).toBeGreaterThan(0.02);
    expect(x.test?.n).toEqual({ canary: x.result?.length, stable: x.baseline?.length });
    expect(m.value).toMatch(/^mean 0\.0\d+ vs stable 0\.0\d+, p 0\.\d+ \(n \d+\/\d+\)$/);
    expect(m.query).toContain('namespace="workshop-canary",version="2.1.0",code="500"}[60s]');
  });

  test('GIVEN a canary with twice the errors WHEN analyze THEN the test finds it significantly higher: fail (exit 1), U near its maximum', async () => {
    const c = await cliAsync(repoFor('2.2.0'), ['analyze', 'workshop'], AUTH_ENV); // the compiled CLI (build/cli.js), as users run it
    const r = { code: c.code, out: c.stdout, err: c.stderr };
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^error-rate\s+mean 0\.0[12]\d* vs stable 0\.0[01]\d+, p [\d.e-]+ \(n 2\d\/2\d\)\s+mannWhitney vs stable: direction increase, p < 0\.02\s+fail\s+sum\(rate\(/m);
    expect(r.out).toMatch(/error-rate: fail: 1 of 1 measurement\(s\) failed \(failureLimit 0\): the canary is significantly higher than stable \(U \d+(\.5)?, p [\d.e-]+, mean 0\.0[12]\d* vs stable 0\.0[01]\d+ \(ratio [12]\.\d+\); significant below 0\.02, direction increase\)/);
    const { report } = await analyzeJson(repoFor('2.2.0'));
    const t = report.metrics[0].measurements[0].test;
    expect(t?.pValue).toBeLessThan(1e-4);
    expect(t?.u).toBeGreaterThan(0.9 * (t?.n.canary ?? 0) * (t?.n.stable ?? 0));
  });

  test('GIVEN a canary with half the errors THEN direction increase passes it and direction either fails it', async () => {
    const inc = await analyzeJson(repoFor('2.3.0'));
    expect(inc.report.verdict).toBe('pass');
    expect(inc.report.metrics[0].reason).toMatch(/1 of 1 measurement\(s\) passed/);
    expect(inc.report.metrics[0].measurements[0].reason).toMatch(/^the canary is significantly lower than stable, which direction increase allows/);
    const either = await analyzeJson(repoFor('2.3.0', '{against: stable, test: mannWhitney, minSamples: 20}'));
    expect(either.report.verdict).toBe('fail');
    expect(either.code).toBe(1);
  });

  test('GIVEN a canary series of only 10 minutes WHEN analyze THEN too few values to compare: inconclusive (exit 3)', async () => {
    const { code, report } = await analyzeJson(repoFor('2.4.0'));
    expect(code).toBe(3);
    expect(report.metrics[0].measurements[0].reason).toMatch(/^too few values to compare: canary (9|10|11) < minSamples 20 \(one value per step of the window\)$/);
  });

  test('GIVEN errors only before the weight was set WHEN analyze THEN the range starts after the window opened and the canary passes; the same data over an earlier window fails', async () => {
    const { report } = await analyzeJson(repoFor('2.5.0', '{against: stable, test: mannWhitney, minSamples: 20}'));
    expect(report.verdict).toBe('pass');
    expect(Math.max(...(report.metrics[0].measurements[0].result ?? []))).toBeLessThan(0.05);
    const early = workshopRepo(workshopWithCanary('2.5.0', 25, prom.url, MANN_WHITNEY('{against: stable, test: mannWhitney, minSamples: 20}')), NOW - 55 * 60);
    cleanups.push(early.cleanup);
    expect((await analyzeJson(early.root)).report.verdict).toBe('fail');
  });

  test('GIVEN twice the errors WHEN advance THEN it aborts, the trailer carrying the means and the p-value', async () => {
    const root = repoFor('2.2.0', INCREASE, true);
    const r = await run(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workshop: abort: the analysis failed$/m);
    const body = git(root, 'log', '-1', '--format=%b');
    expect(body).toMatch(/^Analysis: error-rate mean 0\.0[12]\d* vs stable 0\.0[01]\d+, p [\d.e-]+ \(n 2\d\/2\d\) \(mannWhitney vs stable: direction increase, p < 0\.02\) fail$/m);
    expect(fs.readFileSync(path.join(root, 'releases/workshop.yaml'), 'utf8')).not.toMatch(/^canary:/m);
  });
});
