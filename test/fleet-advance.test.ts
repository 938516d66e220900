/**
 * Metric analysis over fleet waves (README "Fleet", "advance walks the waves") against a real
 * Prometheus (Debian's package on 127.0.0.1, test/support/prometheus.js) holding request counters
 * per cluster: the analysis gate and `analyze` judge the current wave in its own clusters
 * (`{{clusters}}`, or each cluster on its own with `{{cluster}}`); between waves they judge the
 * promoted wave, with the next wave as the baseline; `advance` steps and promotes inside a wave,
 * aborts a wave whose analysis fails, and opens the next wave only into a wave with `autoOpen`,
 * after the promoted wave's minSoak. Real git, the CLI in-process, commits dated in the past where
 * a window or a soak must have started earlier.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { GIT_ENV, git, repoState } from './support/cli-repo';
import { fleetConfig, fleetSpec } from './support/fleet';
import { cleanupTempDirs, initRepo, tempDir } from './support/git-repo';
import { counterPoints, prometheusAvailable, PrometheusServer, Series, startPrometheus } from './support/prometheus';

const avail = prometheusAvailable(); // throws in CI when Prometheus is missing: never a silent skip
const maybe = avail.ok ? describe : describe.skip;
if (!avail.ok) {
  // eslint-disable-next-line no-console
  console.warn(`skipping the fleet analysis tests: ${avail.reason}`);
}

const NOW = Math.floor(Date.now() / 1000);
const FROM = NOW - 2 * 60 * 60;
const TO = NOW - 5;
/** When the weight (or the wave's promote) was committed in most scenarios: 40 minutes ago. */
const SET = NOW - 40 * 60;

/** Request counters of shop, one pair (200, 500) per cluster and version, `ok` and `errors` per second. */
function requests(cluster: string, version: string, ok: number, errors: number): Series[] {
  return [
    { name: 'http_requests_total', labels: { cluster, namespace: 'shop', version, code: '200' }, points: counterPoints(FROM, TO, 15, ok) },
    { name: 'http_requests_total', labels: { cluster, namespace: 'shop', version, code: '500' }, points: counterPoints(FROM, TO, 15, errors) },
  ];
}

const ALL = ['canary-eu', 'prod-eu-1', 'prod-eu-2', 'prod-us-1', 'prod-ap-1'];

function dataset(): Series[] {
  return [
    // 1.0.0, the old stable: 0.3% errors everywhere but canary-eu (3.8%), so a baseline read in the wrong clusters shows
    ...ALL.flatMap((c) => requests(c, '1.0.0', 10, c === 'canary-eu' ? 0.4 : 0.03)),
    // 1.1.0: healthy everywhere (0.2%)
    ...ALL.flatMap((c) => requests(c, '1.1.0', 10, 0.02)),
    // 1.2.0: healthy (0.1%) except in prod-us-1 (2%): the three clusters of wave 3 together stay under 1%
    ...ALL.flatMap((c) => requests(c, '1.2.0', 10, c === 'prod-us-1' ? 0.2 : 0.01)),
    // 1.3.0: 4.8% errors in canary-eu, healthy elsewhere
    ...ALL.flatMap((c) => requests(c, '1.3.0', 10, c === 'canary-eu' ? 0.5 : 0.01)),
  ];
}

let prom: PrometheusServer;
beforeAll(async () => {
  if (!avail.ok) return;
  prom = await startPrometheus(dataset());
}, 60000);
afterAll(async () => {
  cleanupTempDirs();
  if (prom) await prom.stop();
});

/** The analysis of shop: the error ratio of the canary version in the wave's clusters (`{{clusters}}`). */
function analysis(address: string): string {
  return `analysis:
  startDelay: 1m
  metrics:
    - name: error-rate
      provider:
        prometheus:
          address: ${address}
      query: >-
        sum(increase(http_requests_total{cluster=~"{{clusters}}",namespace="{{canary.namespace}}",version="{{canary.version}}",code=~"5.."}[{{window}}]))
        / sum(increase(http_requests_total{cluster=~"{{clusters}}",namespace="{{canary.namespace}}",version="{{canary.version}}"}[{{window}}]))
      successCondition: result[0] <= 0.01
`;
}

/** The same metric measured cluster by cluster (`{{cluster}}`). */
const perCluster = (s: string) => s.split('cluster=~"{{clusters}}"').join('cluster="{{cluster}}"');

/** The same metric against the stable track as baseline (`compare: stable`): each track's own clusters, namespace and version. */
const compared = (s: string) => s.split('namespace="{{canary.namespace}}",version="{{canary.version}}"').join('namespace="{{namespace}}",version="{{version}}"')
  .replace('      successCondition: result[0] <= 0.01\n', `      successCondition: result[0] <= baseline[0] * 2.0 + 0.001
      compare: stable
      sampleQuery: sum(increase(http_requests_total{cluster=~"{{clusters}}",namespace="{{namespace}}",version="{{version}}"}[{{window}}]))
      minSamples: 100
`);

interface Shape {
  /** The current wave's canary. */
  readonly canary?: { readonly version: string; readonly weight: number };
  /** fleet.promoted. */
  readonly promoted?: { readonly version: string; readonly wave: number };
  /** Extra lines of waves 1, 2 and 3 (six-space indent). */
  readonly waves?: readonly [string?, string?, string?];
  readonly edit?: (s: string) => string;
  readonly extra?: string;
}

/** shop over the five clusters of the fixture in waves canary (canary-eu), eu (prod-eu-1) and rest (the other three). */
function shopSpec(o: Shape): string {
  const w = o.waves ?? [];
  const fleet = `fleet:
  waves:
    - name: canary
      clusters: [canary-eu]
${w[0] ?? ''}    - name: eu
      clusters: [prod-eu-1]
${w[1] ?? ''}    - name: rest
      clusters: [prod-eu-2, prod-us-1, prod-ap-1]
${w[2] ?? ''}${o.promoted ? `  promoted:\n    version: ${o.promoted.version}\n    wave: ${o.promoted.wave}\n` : ''}`;
  let s = fleetSpec('shop', fleet, { extra: (o.extra ?? '') + analysis(prom.url) });
  if (o.canary) s = s.replace('stable:\n  version: 1.0.0\n', `stable:\n  version: 1.0.0\ncanary:\n  version: ${o.canary.version}\n  weight: ${o.canary.weight}\n`);
  return o.edit ? o.edit(s) : s;
}

/** GIVEN a repository with shop at `o`, synthesized and committed at `at` (unix seconds). */
async function repoAt(o: Shape, at = SET): Promise<string> {
  const root = initRepo(tempDir('fleet-advance-'));
  fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml'), fleetConfig());
  fs.mkdirSync(path.join(root, 'releases'));
  fs.writeFileSync(path.join(root, 'releases/shop.yaml'), shopSpec(o));
  const r = await cli(root, 'synth');
  if (r.code !== 0) throw new Error(`synth failed: ${r.err}`);
  git(root, 'add', '-A');
  execFileSync('git', ['commit', '-q', '-m', 'shop: the state under test'], { cwd: root, env: { ...GIT_ENV, GIT_AUTHOR_DATE: `@${at} +0000`, GIT_COMMITTER_DATE: `@${at} +0000` } });
  return root;
}

function lastCommit(root: string): { subject: string; body: string; count: number; changed: string[] } {
  return {
    subject: git(root, 'log', '-1', '--format=%s').trim(),
    body: git(root, 'log', '-1', '--format=%b'),
    count: Number(git(root, 'rev-list', '--count', 'HEAD').trim()),
    changed: git(root, 'diff', '--name-only', 'HEAD~1', 'HEAD').trim().split('\n'),
  };
}

/** The clusters whose folders a commit changed (dist/shop/<cluster>/...). */
const clustersOf = (changed: readonly string[]) => [...new Set(changed.filter((p) => p.startsWith('dist/')).map((p) => p.split('/')[2]))].sort();

interface JsonReport {
  verdict: string;
  metrics: { name: string; query: string; verdict: string; measurements: { taken: boolean; result?: number[]; baseline?: number[] }[] }[];
}

async function analyzeJson(root: string): Promise<{ code: number; report: JsonReport }> {
  const r = await cli(root, "analyze", "shop", "--json");
  if (!r.out) throw new Error(`analyze printed nothing (exit ${r.code}): ${r.err}`);
  return { code: r.code, report: JSON.parse(r.out) as JsonReport };
}

const WAVE1_SOAKS = '      minSoak: 30m\n';
const AUTO_OPEN = '      autoOpen: true\n';

maybe('analyze and the analysis gate in a wave\'s clusters (a real Prometheus)', () => {
  test('GIVEN wave 2 (prod-eu-1) at 10% of 1.2.0, which fails only in wave 3\'s prod-us-1 WHEN analyze THEN only prod-eu-1 is queried and it passes', async () => {
    const root = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 1 } });
    const { code, report } = await analyzeJson(root);
    expect(code).toBe(0);
    expect(report.verdict).toBe('pass');
    expect(report.metrics.map((m) => m.name)).toEqual(['error-rate']);
    expect(report.metrics[0].query).toContain('cluster=~"prod-eu-1",namespace="shop",version="1.2.0"');
    expect(report.metrics[0].measurements[0].result?.[0]).toBeCloseTo(0.001, 4);
  });

  test('GIVEN wave 3 at 10% of 1.2.0 WHEN analyze THEN the wave\'s three clusters together pass (0.7%), but measured cluster by cluster ({{cluster}}) prod-us-1 fails (2%) and so does the analysis', async () => {
    const together = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 2 } });
    const t = await analyzeJson(together);
    expect(t.report.metrics[0].query).toContain('cluster=~"prod-eu-2|prod-us-1|prod-ap-1"');
    expect(t.report.metrics[0].measurements[0].result?.[0]).toBeCloseTo(0.22 / 30.22, 4);
    expect({ code: t.code, verdict: t.report.verdict }).toEqual({ code: 0, verdict: 'pass' });

    const each = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 2 }, edit: perCluster });
    const e = await analyzeJson(each);
    expect(e.report.metrics.map((m) => [m.name, m.verdict])).toEqual([['error-rate@prod-eu-2', 'pass'], ['error-rate@prod-us-1', 'fail'], ['error-rate@prod-ap-1', 'pass']]);
    expect(e.report.metrics[1].query).toContain('cluster="prod-us-1",namespace="shop",version="1.2.0"');
    expect(e.report.metrics[1].measurements[0].result?.[0]).toBeCloseTo(0.2 / 10.2, 4);
    expect({ code: e.code, verdict: e.report.verdict }).toEqual({ code: 1, verdict: 'fail' });
  });

  test('GIVEN wave 2 at 10% of 1.2.0 WHEN step THEN the gate passes on prod-eu-1 and the commit carries the analysis and the wave', async () => {
    const root = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 1 } });
    const r = await cli(root, 'step', 'shop');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: wave 2/3 (eu): canary 1.2.0 10% -> 50% on prod-eu-1');
    expect(c.body).toMatch(/^Fleet-Wave: 2\/3 eu$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.00099\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(clustersOf(c.changed)).toEqual(['prod-eu-1']);
  });

  test('fails a step of wave 3 whose analysis fails in one of its clusters ({{cluster}}): exit 1, the wave named, nothing changed', async () => {
    const root = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 2 }, edit: perCluster });
    const before = repoState(root);
    const r = await cli(root, 'step', 'shop');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: step refused: the analysis of shop \(canary 1\.2\.0 at 10% in wave 3\/3 \(rest: prod-eu-2, prod-us-1, prod-ap-1\)\) failed; nothing was changed or committed$/m);
    expect(r.err).toMatch(/^error-rate@prod-us-1: fail: /m);
    expect(r.err).not.toMatch(/error-rate@prod-eu-2/);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN wave 1 promoted to 1.3.0 (failing in canary-eu since) WHEN next-wave THEN it is refused (exit 1, nothing changed); with --force it opens wave 2 and records the override', async () => {
    const root = await repoAt({ promoted: { version: '1.3.0', wave: 1 } });
    const before = repoState(root);
    const r = await cli(root, 'next-wave', 'shop');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: next-wave refused: the analysis of shop \(1\.3\.0 promoted in wave 1\/3 \(canary: canary-eu\), before wave 2\/3 \(eu: prod-eu-1\) opens\) failed; nothing was changed or committed$/m);
    expect(r.err).toMatch(/abort it \(`npx cdk8s-canary abort shop`\), or pass --force to next-wave anyway/);
    expect(repoState(root)).toEqual(before);
    const f = await cli(root, 'next-wave', 'shop', '--force');
    expect(f.code).toBe(0);
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: open wave 2/3 (eu): canary 1.3.0 at 0% on prod-eu-1');
    expect(c.body).toMatch(/^Analysis: error-rate 0\.04\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Analysis-Override: fail \(--force\)$/m);
  });

  test('GIVEN wave 1 promoted to 1.1.0 and compare: stable WHEN analyze THEN the baseline is the old version in the next wave\'s clusters (0.3%), not in canary-eu where the new one runs', async () => {
    const root = await repoAt({ promoted: { version: '1.1.0', wave: 1 }, edit: compared });
    const { code, report } = await analyzeJson(root);
    const last = report.metrics[0].measurements[0];
    expect(last.result?.[0]).toBeCloseTo(0.02 / 10.02, 4); // 1.1.0 in canary-eu
    expect(last.baseline?.[0]).toBeCloseTo(0.03 / 10.03, 4); // 1.0.0 in prod-eu-1 (canary-eu's 1.0.0 had 3.8%)
    expect(report.metrics[0].query).toContain('cluster=~"canary-eu",namespace="shop",version="1.1.0"');
    expect({ code, verdict: report.verdict }).toEqual({ code: 0, verdict: 'pass' });
  });

  test('GIVEN a wave with analysis: false WHEN step THEN no analysis runs there, and the commit says so', async () => {
    const root = await repoAt({ canary: { version: '1.3.0', weight: 10 }, promoted: { version: '1.3.0', wave: 1 }, waves: [undefined, '      analysis: false\n'] });
    const r = await cli(root, 'step', 'shop');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(lastCommit(root).body).toMatch(/^Analysis: skipped in wave 2\/3 \(eu\): analysis: false$/m);
  });
});

maybe('advance walks the waves (a real Prometheus)', () => {
  test('GIVEN wave 2 at 10% of a healthy version WHEN advance THEN it steps on the wave\'s ladder, touching only prod-eu-1; run again at once THEN it waits', async () => {
    const root = await repoAt({ canary: { version: '1.1.0', weight: 10 }, promoted: { version: '1.1.0', wave: 1 } });
    const r = await cli(root, 'advance');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toMatch(/^shop: step: wave 2\/3 \(eu: prod-eu-1\): the analysis passes; next rung 50%$/m);
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: wave 2/3 (eu): canary 1.1.0 10% -> 50% on prod-eu-1');
    expect(c.body).toMatch(/^Fleet-Clusters: prod-eu-1$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.0019\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(c.body).toMatch(/^Advance: wave 2\/3 \(eu: prod-eu-1\): the analysis passes; next rung 50%$/m);
    expect(clustersOf(c.changed)).toEqual(['prod-eu-1']);
    const again = await cli(root, 'advance');
    expect(again.out).toMatch(/^shop: nothing to do: wave 2\/3 \(eu: prod-eu-1\): the analysis is inconclusive; nothing moved$/m);
    expect(lastCommit(root).count).toBe(c.count);
  });

  test('GIVEN wave 2 at its last rung WHEN advance THEN it promotes the wave only when the spec allows autoPromote', async () => {
    const held = await repoAt({ canary: { version: '1.1.0', weight: 100 }, promoted: { version: '1.1.0', wave: 1 } });
    const h = await cli(held, 'advance');
    expect(h.out).toMatch(/^shop: nothing to do: wave 2\/3 \(eu: prod-eu-1\): the analysis passes at the last rung; promoting is a person's call/m);
    const auto = await repoAt({ canary: { version: '1.1.0', weight: 100 }, promoted: { version: '1.1.0', wave: 1 }, edit: (s) => s.replace('  startDelay: 1m\n', '  startDelay: 1m\n  autoPromote: true\n') });
    const a = await cli(auto, 'advance');
    expect({ code: a.code, err: a.err }).toEqual({ code: 0, err: '' });
    const c = lastCommit(auto);
    expect(c.subject).toBe('shop: wave 2/3 (eu): promote 1.1.0 on prod-eu-1 (later waves keep 1.0.0)');
    expect(c.body).toMatch(/^Fleet-Promoted: 1\.1\.0 in waves 1-2$/m);
    expect(clustersOf(c.changed)).toEqual(['prod-eu-1']);
  });

  test('GIVEN wave 3 at 10% of 1.2.0 measured cluster by cluster WHEN advance THEN it aborts wave 3 only, the failing cluster in the trailers', async () => {
    const root = await repoAt({ canary: { version: '1.2.0', weight: 10 }, promoted: { version: '1.2.0', wave: 2 }, edit: perCluster });
    const r = await cli(root, 'advance');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toMatch(/^shop: error-rate@prod-us-1 0\.0196\d* \(success: result\[0\] <= 0\.01\) fail: /m);
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: wave 3/3 (rest): abort canary 1.2.0 at 10% on prod-eu-2, prod-us-1, prod-ap-1, traffic back to 1.0.0');
    expect(c.body).toMatch(/^Analysis: error-rate@prod-us-1 0\.0196\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Analysis: error-rate@prod-eu-2 0\.00099\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(c.body).toMatch(/^Advance: wave 3\/3 \(rest: prod-eu-2, prod-us-1, prod-ap-1\): the analysis failed$/m);
    expect(clustersOf(c.changed)).toEqual(['prod-ap-1', 'prod-eu-2', 'prod-us-1']);
    // the waves that got 1.2.0 before keep it: fleet.promoted stays
    expect(fs.readFileSync(path.join(root, 'releases/shop.yaml'), 'utf8')).toMatch(/ {2}promoted:\n {4}version: 1\.2\.0\n {4}wave: 2\n/);
  });

  test('GIVEN wave 1 promoted 40 minutes ago (minSoak 30m) and wave 2 with autoOpen WHEN advance THEN it opens wave 2 at 0%, touching only prod-eu-1; run again THEN it leaves the first step to a person', async () => {
    const root = await repoAt({ promoted: { version: '1.1.0', wave: 1 }, waves: [WAVE1_SOAKS, AUTO_OPEN] });
    const r = await cli(root, 'advance');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toMatch(/^shop: next-wave: the analysis of wave 1\/3 \(canary: canary-eu\) passes after its minSoak, and wave 2\/3 \(eu: prod-eu-1\) has autoOpen$/m);
    expect(r.out).toMatch(/advance: 1 running canary with analysis: 0 abort, 0 step, 0 promote, 1 next-wave, 0 waiting/);
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: open wave 2/3 (eu): canary 1.1.0 at 0% on prod-eu-1');
    expect(c.body).toMatch(/^Analysis: error-rate 0\.0019\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(c.body).toMatch(/^Advance: the analysis of wave 1\/3 \(canary: canary-eu\) passes after its minSoak/m);
    expect(c.body).not.toMatch(/Override/);
    expect(clustersOf(c.changed)).toEqual(['prod-eu-1']);
    const again = await cli(root, 'advance');
    expect(again.out).toMatch(/^shop: nothing to do: wave 2\/3 \(eu: prod-eu-1\): at 0% the canary serves no user traffic/m);
    expect(lastCommit(root).count).toBe(c.count);
  });

  test('GIVEN wave 2 opened and rolled back since wave 1\'s promote WHEN advance THEN it does not open wave 2 again: that is a person\'s call', async () => {
    const root = await repoAt({ promoted: { version: '1.1.0', wave: 1 }, waves: [WAVE1_SOAKS, AUTO_OPEN] });
    for (const args of [['next-wave', 'shop'], ['abort', 'shop']]) expect((await cli(root, ...args)).code).toBe(0);
    expect(lastCommit(root).subject).toBe('shop: wave 2/3 (eu): abort canary 1.1.0 at 0% on prod-eu-1, traffic back to 1.0.0');
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^shop: nothing to do: the analysis of wave 1\/3 \(canary: canary-eu\) passes after its minSoak, but releases\/shop\.yaml changed since its promote \(wave 2\/3 \(eu: prod-eu-1\) was opened and rolled back, or the spec edited\), so opening it again is a person's call: `npx cdk8s-canary next-wave shop`$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN the same without autoOpen WHEN advance THEN it waits: opening a wave is a person\'s call', async () => {
    const root = await repoAt({ promoted: { version: '1.1.0', wave: 1 }, waves: [WAVE1_SOAKS] });
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^shop: nothing to do: the analysis of wave 1\/3 \(canary: canary-eu\) passes after its minSoak; opening wave 2\/3 \(eu: prod-eu-1\) is a person's call \(its autoOpen is false\): `npx cdk8s-canary next-wave shop`$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN wave 1 promoted 40 minutes ago with a minSoak of 1h WHEN advance THEN it waits and says how long', async () => {
    const root = await repoAt({ promoted: { version: '1.1.0', wave: 1 }, waves: ['      minSoak: 1h\n', AUTO_OPEN] });
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^shop: nothing to do: the analysis of wave 1\/3 \(canary: canary-eu\) passes, but (19|20)m( \d+s)? of its minSoak is left before wave 2\/3 \(eu: prod-eu-1\) may open$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN wave 1 promoted to 1.3.0, failing in canary-eu since WHEN advance THEN it rolls wave 1 back (with or without autoOpen), touching only canary-eu', async () => {
    const root = await repoAt({ promoted: { version: '1.3.0', wave: 1 } });
    const r = await cli(root, 'advance');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toMatch(/^shop: abort: the analysis of wave 1\/3 \(canary: canary-eu\) failed after its promote: it is rolled back, wave 2\/3 \(eu: prod-eu-1\) stays closed$/m);
    const c = lastCommit(root);
    expect(c.subject).toBe('shop: wave 1/3 (canary): roll back 1.3.0 to 1.0.0 on canary-eu');
    expect(c.body).toMatch(/^Analysis: error-rate 0\.04\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(clustersOf(c.changed)).toEqual(['canary-eu']);
    expect(fs.readFileSync(path.join(root, 'releases/shop.yaml'), 'utf8')).not.toMatch(/promoted:/);
  });

  test('GIVEN a wave with analysis: false WHEN advance THEN it leaves that wave to a person', async () => {
    const root = await repoAt({ canary: { version: '1.1.0', weight: 10 }, promoted: { version: '1.1.0', wave: 1 }, waves: [undefined, '      analysis: false\n'] });
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^shop: nothing to do: wave 2\/3 \(eu: prod-eu-1\) turns the analysis off \(analysis: false\): its moves are a person's$/m);
    expect(repoState(root)).toEqual(before);
  });
});
