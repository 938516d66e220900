import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as net from 'net';
import { AddressInfo } from 'net';
import { AUTH_ENV, requestSeries, workshopRepo, workshopWithCanary } from './support/analysis';
import { cli as cliInProcess } from './support/cli';
import { cliAsync, git, GIT_ENV, repoState, tempRepo } from './support/cli-repo';
import { REPO } from './support/project';
import { prometheusAvailable, PrometheusServer, Series, startPrometheus } from './support/prometheus';

// One real Prometheus (Debian's package) for the whole file, holding the series of every scenario.
// Scenarios are told apart by the canary version label: the reference spec's query selects
// {namespace="{{canary.namespace}}", version="{{canary.version}}"}.
const avail = prometheusAvailable(); // throws in CI when Prometheus is missing: never a silent skip
const maybe = avail.ok ? describe : describe.skip;
if (!avail.ok) {
  // eslint-disable-next-line no-console
  console.warn(`skipping the Prometheus analysis tests: ${avail.reason}`);
}

const NOW = Math.floor(Date.now() / 1000);
/** The commit that set the canary's weight: 30 minutes ago. */
const WEIGHT_SET = NOW - 30 * 60;
const FROM = NOW - 60 * 60;
const TO = NOW - 5;

function dataset(): Series[] {
  return [
    // 1.1.0: 5% of answers are errors since long before the step
    ...requestSeries('workshop-canary', '1.1.0', FROM, TO, 10, 0.5),
    // 1.2.0: 0.2% errors
    ...requestSeries('workshop-canary', '1.2.0', FROM, TO, 10, 0.02),
    // 1.4.0: many errors before the weight was set, none after: the window must not see them
    ...requestSeries('workshop-canary', '1.4.0', FROM, TO, 10, (t) => (t <= WEIGHT_SET ? 5 : 0)),
    // 1.5.0: too little traffic to decide (18 requests in 30 minutes < minSamples 100)
    ...requestSeries('workshop-canary', '1.5.0', FROM, TO, 0.01, 0),
    // 1.6.0: healthy until 7 minutes ago, then 50% errors
    ...requestSeries('workshop-canary', '1.6.0', FROM, TO, 10, (t) => (t > NOW - 7 * 60 ? 10 : 0)),
    // the entry app of the release group frontend-backend (S3): its canary 1.2 fails
    ...requestSeries('frontend-main', '1.2', FROM, TO, 10, 1),
    // the stable track
    ...requestSeries('workshop', '1.0.0', FROM, TO, 30, 0.03),
  ];
}

let prom: PrometheusServer;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  if (!avail.ok) return;
  prom = await startPrometheus(dataset());
}, 60000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  if (prom) await prom.stop();
});

/** GIVEN the workshop release running `version` at 25% since WEIGHT_SET, its analysis pointed at `address`. */
function repoFor(version: string, address = prom.url, edit?: (s: string) => string, committedAt = WEIGHT_SET): string {
  const repo = workshopRepo(workshopWithCanary(version, 25, address, edit), committedAt);
  cleanups.push(repo.cleanup);
  return repo.root;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** `analyze workshop` in-process (fast); `env` replaces the credential for the call. */
async function analyze(root: string, json = false, env: NodeJS.ProcessEnv = AUTH_ENV): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = process.env.PROMETHEUS_AUTHORIZATION;
  process.env.PROMETHEUS_AUTHORIZATION = env.PROMETHEUS_AUTHORIZATION;
  try {
    const r = await cliInProcess(root, 'analyze', 'workshop', ...(json ? ['--json'] : []));
    return { code: r.code, stdout: r.out, stderr: r.err };
  } finally {
    if (saved === undefined) delete process.env.PROMETHEUS_AUTHORIZATION;
    else process.env.PROMETHEUS_AUTHORIZATION = saved;
  }
}

interface JsonReport {
  verdict: string;
  window: { startUnix: number; seconds: number; startDelaySeconds: number };
  metrics: { name: string; query: string; value: string; verdict: string; reason: string; measurements: { timeUnix: number; taken: boolean; result?: number[]; samples?: { canary: number; stable?: number }; verdict?: string; baseline?: number[] }[] }[];
}

maybe('analyze against a real Prometheus', () => {
  test('GIVEN a canary answering 5% errors WHEN analyze THEN it fails (exit 1) and prints the value, the condition and the query as sent', async () => {
    const root = repoFor('1.1.0');
    const before = repoState(root);
    const r = await cliAsync(root, ['analyze', 'workshop'], AUTH_ENV); // the compiled CLI, as users run it
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^METRIC\s+VALUE\s+CONDITION\s+VERDICT\s+QUERY$/m);
    const row = r.stdout.split('\n').find((l) => l.startsWith('error-rate'));
    expect(row).toMatch(/^error-rate\s+0\.04\d*\s+success: result\[0\] <= 0\.01\s+fail\s+sum\(increase\(http_requests_total\{namespace="workshop-canary",version="1\.1\.0",code=~"5\.\."\}\[\d+s\]\)\)/);
    expect(r.stdout).toMatch(/error-rate: fail: 3 of 3 measurement\(s\) failed \(failureLimit 0\): successCondition result\[0\] <= 0\.01 does not hold/);
    expect(r.stdout).toMatch(/analyze workshop: fail \(1 metric\(s\): 0 pass, 1 fail/);
    expect(repoState(root)).toEqual(before); // read-only
  });

  test('GIVEN a canary answering 0.2% errors WHEN analyze --json THEN it passes (exit 0), three measurements 5 minutes apart, each over the window since the weight commit plus startDelay', async () => {
    const root = repoFor('1.2.0');
    const r = await analyze(root, true);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as JsonReport;
    expect(j.verdict).toBe('pass');
    expect(j.window.startUnix).toBe(WEIGHT_SET + 120);
    expect(j.window.startDelaySeconds).toBe(120);
    const m = j.metrics[0];
    expect(m.verdict).toBe('pass');
    expect(m.measurements).toHaveLength(3);
    const times = m.measurements.map((x) => x.timeUnix);
    expect(times[2] - times[1]).toBe(300);
    expect(times[1] - times[0]).toBe(300);
    for (const x of m.measurements) {
      expect(x.verdict).toBe('pass');
      expect(x.result?.[0]).toBeGreaterThan(0.001);
      expect(x.result?.[0]).toBeLessThan(0.003);
      expect(x.samples?.canary).toBeGreaterThan(100);
    }
    // the query of the last measurement covers exactly its window: now - (weight commit + 2m)
    const window = Number(/\[(\d+)s\]/.exec(m.query)?.[1]);
    expect(window).toBe(times[2] - (WEIGHT_SET + 120));
  });

  test('GIVEN errors only before the weight was set WHEN analyze THEN the window does not see them and the analysis passes', async () => {
    const root = repoFor('1.4.0');
    const r = await analyze(root, true);
    const j = JSON.parse(r.stdout) as JsonReport;
    expect(j.metrics[0].measurements.map((x) => x.result?.[0])).toEqual([0, 0, 0]);
    expect(r.code).toBe(0);
    // AND the same data over a window that starts before the step would fail: the data is really there
    const early = repoFor('1.4.0', prom.url, undefined, NOW - 50 * 60);
    const e = await analyze(early);
    expect(e.code).toBe(1);
  });

  test('GIVEN no series for the canary WHEN analyze THEN it is inconclusive (exit 3) and says no data', async () => {
    const root = repoFor('1.3.0');
    const r = await analyze(root);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^error-rate\s+no data\s+.*inconclusive/m);
    expect(r.stdout).toMatch(/too few samples: canary 0 < minSamples 100/);
    expect(r.stdout).toMatch(/analyze workshop: inconclusive/);
  });

  test('GIVEN too little traffic WHEN analyze THEN too few samples is inconclusive even though the ratio is fine', async () => {
    const root = repoFor('1.5.0');
    const r = await analyze(root, true);
    expect(r.code).toBe(3);
    const m = (JSON.parse(r.stdout) as JsonReport).metrics[0];
    expect(m.reason).toMatch(/too few samples: canary 1\d(\.\d+)? < minSamples 100/);
  });

  test('GIVEN errors that started 7 minutes ago WHEN analyze with count 3 THEN each measurement is evaluated at its own time: pass, fail, fail; failureLimit decides', async () => {
    const root = repoFor('1.6.0');
    const j = JSON.parse((await analyze(root, true)).stdout) as JsonReport;
    expect(j.metrics[0].measurements.map((x) => x.verdict)).toEqual(['pass', 'fail', 'fail']);
    expect(j.verdict).toBe('fail');
    const tolerant = repoFor('1.6.0', prom.url, (s) => s.replace('      count: 3', '      failureLimit: 2\n      count: 3'));
    const t = await analyze(tolerant, true);
    expect((JSON.parse(t.stdout) as JsonReport).verdict).toBe('pass');
    expect(t.code).toBe(0);
  });

  test('GIVEN the weight set 5 minutes ago WHEN analyze (count 3, interval 5m, startDelay 2m) THEN only one measurement fits: inconclusive, wait', async () => {
    const root = repoFor('1.2.0', prom.url, undefined, NOW - 5 * 60);
    const r = await analyze(root, true);
    expect(r.code).toBe(3);
    const m = (JSON.parse(r.stdout) as JsonReport).metrics[0];
    expect(m.measurements.map((x) => x.taken)).toEqual([false, false, true]);
    expect(m.reason).toMatch(/1 of 3 measurement\(s\) fit in the window so far \(every 5m\); wait/);
  });

  test('GIVEN the weight set 1 minute ago WHEN analyze THEN the window is not open yet (startDelay 2m): inconclusive, nothing queried', async () => {
    const root = repoFor('1.1.0', `http://127.0.0.1:${await closedPort()}`, undefined, NOW - 60);
    const r = await analyze(root);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/not open yet/);
    expect(r.stdout).toMatch(/0 of 3 measurement\(s\) fit in the window so far/);
  });

  test('GIVEN compare: stable WHEN analyze THEN the baseline query runs for the stable track and the condition compares the two', async () => {
    const compare = (s: string) => s.replace('      successCondition: result[0] <= 0.01', '      successCondition: result[0] <= baseline[0] * 2.0 + 0.001\n      compare: stable')
      .replace('version="{{canary.version}}",code', 'version="{{version}}",code').replace('namespace="{{canary.namespace}}",version="{{canary.version}}"}', 'namespace="{{namespace}}",version="{{version}}"}')
      .replace('namespace="{{canary.namespace}}",version="{{version}}",code', 'namespace="{{namespace}}",version="{{version}}",code');
    const good = repoFor('1.2.0', prom.url, compare);
    const g = JSON.parse((await analyze(good, true)).stdout) as JsonReport;
    const last = g.metrics[0].measurements[2];
    expect(last.baseline?.[0]).toBeCloseTo(0.001, 4); // stable: 0.03 / 30.03
    expect(last.samples?.stable).toBeGreaterThan(10000);
    expect(g.metrics[0].query).toContain('namespace="workshop-canary",version="1.2.0"');
    expect(g.verdict).toBe('pass'); // 0.2% <= 2 x 0.1% + 0.1%
    const bad = repoFor('1.1.0', prom.url, compare);
    const b = await analyze(bad);
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/^error-rate\s+0\.04\d* vs stable 0\.000999\d*\s+/m);
  });

  test('GIVEN a Mimir-style gateway in front of Prometheus that wants X-Scope-OrgID and a bearer token WHEN analyze THEN both are sent, the token read from the environment', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const gateway = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.headers['x-scope-orgid'] !== 'tenant-a' || req.headers.authorization !== 'Bearer test-token') {
        res.writeHead(401, { 'Content-Type': 'text/plain' });
        res.end('no org id or token\n');
        return;
      }
      const up = http.request(`${prom.url}${(req.url ?? '').replace(/^\/prometheus/, '')}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? '' } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { gateway.closeAllConnections(); gateway.close(() => resolve()); }));
    const address = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/prometheus`;
    const tenant = (s: string) => s.replace('          headers:\n', '          headers:\n            - key: X-Scope-OrgID\n              value: tenant-a\n');
    const root = repoFor('1.2.0', address, tenant);
    const r = await analyze(root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(6); // 3 measurements x (query + sampleQuery)
    // AND with a wrong token the gateway refuses: exit 1, the status shown, the token not
    const denied = await analyze(root, false, { PROMETHEUS_AUTHORIZATION: 'Bearer wrong' });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/answered HTTP 401 \(no org id or token\)/);
    expect(denied.stdout + denied.stderr).not.toContain('Bearer wrong');
  });

  test('GIVEN the release group frontend-backend at stage 3 with an analysis WHEN analyze THEN the template variables name its entry app and the window starts at the stage/weight commit', async () => {
    const group = fs.readFileSync(path.join(REPO, 'releases/frontend-backend.yaml'), 'utf8').replace('stage: 1\n', 'stage: 3\nweight: 30\n') + `analysis:
  metrics:
    - name: errors
      provider: { prometheus: { address: ${prom.url} } }
      query: sum(rate(http_requests_total{namespace="{{canary.namespace}}",version="{{canary.version}}",code="500"}[{{window}}])) / sum(rate(http_requests_total{namespace="{{namespace}}",version="{{version}}"}[{{window}}]))
      successCondition: result[0] < 0.05
`;
    const repo = tempRepo();
    cleanups.push(repo.cleanup);
    repo.write('releases/frontend-backend.yaml', group);
    git(repo.root, 'add', '-A');
    execFileSync('git', ['commit', '-q', '-m', 'frontend-backend: stage 3/6'], { cwd: repo.root, env: { ...GIT_ENV, GIT_COMMITTER_DATE: `@${WEIGHT_SET} +0000` } });
    const r = await cliInProcess(repo.root, 'analyze', 'frontend-backend', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as JsonReport & { kind: string };
    expect(j.kind).toBe('group');
    expect(j.window.startUnix).toBe(WEIGHT_SET);
    expect(j.metrics[0].query).toContain('namespace="frontend-main",version="1.2",code="500"');
    expect(j.metrics[0].value).toMatch(/^0\.09\d*$/);
  });

  test('fails with exit 2 when the credential is not in the environment, naming the variable at its place in the spec', async () => {
    const root = repoFor('1.2.0');
    const r = await analyze(root, false, { PROMETHEUS_AUTHORIZATION: '' });
    expect(r.code).toBe(2);
    // file:line:col, the field, the release, the variable seen and the fix
    const line = fs.readFileSync(path.join(root, 'releases/workshop.yaml'), 'utf8').split('\n').findIndex((l) => /^ +env: PROMETHEUS_AUTHORIZATION\b/.test(l)) + 1;
    expect(line).toBeGreaterThan(0);
    expect(r.stderr).toBe(`releases/workshop.yaml:${line}:22: analysis.metrics[0].provider.prometheus.headers[0].valueFrom.env: the analysis of release workshop reads header Authorization (metric error-rate) from an environment variable that is not set (got "PROMETHEUS_AUTHORIZATION"); export PROMETHEUS_AUTHORIZATION (a CI secret) before running the analysis\n1 problem(s) found; nothing was written`);
  });

  test('fails with exit 1 when Prometheus is unreachable, naming the address', async () => {
    const port = await closedPort();
    const root = repoFor('1.2.0', `http://127.0.0.1:${port}`);
    const r = await analyze(root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error-rate\s+error\s+.*error/m);
    expect(r.stdout).toContain(`error-rate: error: cannot reach Prometheus (metric error-rate) at http://127.0.0.1:${port}/api/v1/query (ECONNREFUSED)`);
  });

  test('fails with exit 1 on an HTTP 400 (a query Prometheus cannot parse), with its error', async () => {
    const root = repoFor('1.2.0', prom.url, (s) => s.replace('      successCondition:', '      # broken\n      successCondition:').replace('/ sum(increase(', '/ sum(increase(('));
    const r = await analyze(root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/answered HTTP 400 \(bad_data: invalid parameter "query": .*parse error/);
  });

  test('fails with exit 1 when the query gives a range vector instead of numbers', async () => {
    const root = repoFor('1.2.0', prom.url, (s) => s.replace(/      query: >-\n[\s\S]*?\n      successCondition/, '      query: http_requests_total{namespace="{{canary.namespace}}"}[5m]\n      successCondition'));
    const r = await analyze(root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gives a range vector, not a value per series/);
  });
});

/** The last commit's subject and trailers. */
function lastCommit(root: string): { subject: string; body: string; count: number } {
  return { subject: git(root, 'log', '-1', '--format=%s').trim(), body: git(root, 'log', '-1', '--format=%b'), count: Number(git(root, 'rev-list', '--count', 'HEAD').trim()) };
}

/** GIVEN the workshop release (with its dist/) running `version` at `weight` since `committedAt`. */
function movableRepo(version: string, weight = 25, committedAt = WEIGHT_SET, edit?: (s: string) => string): string {
  const repo = workshopRepo(workshopWithCanary(version, weight, prom.url, edit), committedAt, { synth: true });
  cleanups.push(repo.cleanup);
  return repo.root;
}

async function run(root: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  process.env.PROMETHEUS_AUTHORIZATION = AUTH_ENV.PROMETHEUS_AUTHORIZATION;
  try { return await cliInProcess(root, ...args); } finally { delete process.env.PROMETHEUS_AUTHORIZATION; }
}

maybe('advance, and the analysis gate of step and promote (the reference workshop release, a real Prometheus)', () => {
  test('fails with exit 2 when advance (every release) meets a credential missing from the environment, naming the release and the field, and commits nothing', async () => {
    // GIVEN the workshop canary with analysis, and its credential not exported
    const root = movableRepo('1.1.0');
    const before = repoState(root);
    // WHEN advance runs over every release
    const r = await cliInProcess(root, 'advance');
    // THEN the message says whose analysis, where in which file, and what to export; nothing changed
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^releases\/workshop\.yaml:\d+:22: analysis\.metrics\[0\]\.provider\.prometheus\.headers\[0\]\.valueFrom\.env: the analysis of release workshop reads header Authorization \(metric error-rate\) from an environment variable that is not set \(got "PROMETHEUS_AUTHORIZATION"\); export PROMETHEUS_AUTHORIZATION \(a CI secret\) before running the analysis\n1 problem\(s\) found; nothing was written$/);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN a canary error ratio above the threshold WHEN advance THEN it commits an abort whose trailers carry the failing value', async () => {
    const root = movableRepo('1.1.0');
    const r = await run(root, 'advance');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workshop: error-rate 0\.047\d* \(success: result\[0\] <= 0\.01\) fail: 3 of 3 measurement\(s\) failed/m);
    expect(r.out).toMatch(/^workshop: abort: the analysis failed$/m);
    expect(r.out).toMatch(/advance: 1 running canary with analysis: 1 abort, 0 step, 0 promote, 0 waiting/);
    const c = lastCommit(root);
    expect(c.subject).toBe('workshop: abort canary 1.1.0 at 25%, traffic back to 1.0.0');
    expect(c.body).toMatch(/^Move: abort$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.047\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Advance: the analysis failed$/m);
    expect(fs.readFileSync(path.join(root, 'releases/workshop.yaml'), 'utf8')).not.toMatch(/^canary:/m);
    expect(git(root, 'status', '--porcelain')).toBe('');
    expect(git(root, 'show', '--stat', '--format=', 'HEAD')).toMatch(/dist\/workshop\//);
  });

  test('GIVEN the ratio below the threshold and the soak elapsed WHEN advance THEN it commits the next step; run again at once THEN it does nothing (idempotent)', async () => {
    const root = movableRepo('1.2.0');
    const r = await run(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workshop: step: the analysis passes; next rung 100%$/m);
    const c = lastCommit(root);
    expect(c.subject).toBe('workshop: canary 1.2.0 25% -> 100%');
    expect(c.body).toMatch(/^Canary-Weight: 100$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.00199\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(c.body).not.toMatch(/Override/);
    const again = await run(root, 'advance');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^workshop: nothing to do: the analysis is inconclusive; nothing moved$/m);
    expect(lastCommit(root).count).toBe(c.count);
  });

  test('GIVEN no data WHEN advance THEN it does nothing and says inconclusive', async () => {
    const root = movableRepo('1.3.0');
    const before = repoState(root);
    const r = await run(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workshop: error-rate no data .* inconclusive: /m);
    expect(r.out).toMatch(/^workshop: nothing to do: the analysis is inconclusive; nothing moved$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN a passing analysis but soak time left WHEN advance THEN it waits and says how long', async () => {
    const root = movableRepo('1.2.0', 25, NOW - 10 * 60, (s) => s.replace('      count: 3 ', '      count: 1 '));
    const r = await run(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^workshop: nothing to do: the analysis passes, but [45]m( \d+s)? of soak time is left at 25%$/m);
  });

  test('GIVEN the last rung WHEN advance THEN it promotes only when the spec allows autoPromote', async () => {
    const held = movableRepo('1.2.0', 100);
    const h = await run(held, 'advance');
    expect(h.out).toMatch(/^workshop: nothing to do: the analysis passes at the last rung; promoting is a person's call \(analysis\.autoPromote is false\)/m);
    const auto = movableRepo('1.2.0', 100, WEIGHT_SET, (s) => s.replace('  startDelay: 2m', '  startDelay: 2m\n  autoPromote: true'));
    const a = await run(auto, 'advance');
    expect(a.code).toBe(0);
    const c = lastCommit(auto);
    expect(c.subject).toBe('workshop: promote 1.2.0 to stable (was 1.0.0)');
    expect(c.body).toMatch(/^Analysis: error-rate .* pass$/m);
  });

  test('GIVEN a failing analysis WHEN step THEN it is refused (exit 1, nothing changed); with --force it moves and records the override', async () => {
    const root = movableRepo('1.1.0');
    const before = repoState(root);
    const r = await run(root, 'step', 'workshop');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: step refused: the analysis of workshop failed; nothing was changed or committed\nerror-rate: fail: 3 of 3 measurement\(s\) failed/m);
    expect(repoState(root)).toEqual(before);
    const forced = await run(root, 'step', 'workshop', '--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/warning: the analysis of workshop is fail, moving on anyway \(--force\)/);
    const c = lastCommit(root);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.047\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Analysis-Override: fail \(--force\)$/m);
  });

  test('GIVEN no data WHEN promote THEN it is refused with exit 3 (inconclusive); a passing analysis lets step through with its trailers', async () => {
    const none = movableRepo('1.3.0');
    const p = await run(none, 'promote', 'workshop');
    expect(p.code).toBe(3);
    expect(p.err).toMatch(/promote refused: the analysis of workshop is inconclusive/);
    const good = movableRepo('1.2.0');
    const s = await run(good, 'step', 'workshop');
    expect(s.code).toBe(0);
    expect(lastCommit(good).body).toMatch(/^Analysis: error-rate 0\.00\d+ \(result\[0\] <= 0\.01\) pass$/m);
  });

  test('GIVEN two advance --push from two clones at once THEN the remote takes exactly one move', async () => {
    const root = movableRepo('1.1.0');
    const top = path.dirname(root);
    const remote = path.join(top, `origin-${path.basename(root)}.git`);
    git(top, 'init', '-q', '--bare', '-b', 'main', remote);
    cleanups.push(() => fs.rmSync(remote, { recursive: true, force: true }));
    git(root, 'remote', 'add', 'origin', remote);
    git(root, 'push', '-q', '-u', 'origin', 'main');
    const base = git(root, 'rev-parse', 'HEAD').trim();
    const clone = (n: string) => { const d = path.join(top, `${path.basename(root)}-${n}`); git(top, 'clone', '-q', remote, d); cleanups.push(() => fs.rmSync(d, { recursive: true, force: true })); return d; };
    const [a, b] = [clone('a'), clone('b')];
    const [ra, rb] = await Promise.all([cliAsync(a, ['advance', '--push'], AUTH_ENV), cliAsync(b, ['advance', '--push'], AUTH_ENV)]);
    expect(ra.code === 0 || rb.code === 0).toBe(true);
    for (const r of [ra, rb]) if (r.code !== 0) expect(r.stderr).toMatch(/release workshop changed on origin\/main/);
    const view = clone('view');
    expect(git(view, 'log', '--format=%s', `${base}..HEAD`).trim()).toBe('workshop: abort canary 1.1.0 at 25%, traffic back to 1.0.0');
  });

  test('GIVEN two advance runs at once in the same repository THEN one holds the lock and moves, the other fails at once (exit 1) and moves nothing', async () => {
    const root = movableRepo('1.1.0');
    const before = lastCommit(root).count;
    const [a, b] = await Promise.all([cliAsync(root, ['advance'], AUTH_ENV), cliAsync(root, ['advance'], AUTH_ENV)]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect((a.code === 1 ? a : b).stderr).toMatch(/another cdk8s-canary move is running/);
    expect(lastCommit(root).count).toBe(before + 1);
    expect(lastCommit(root).subject).toMatch(/abort canary 1\.1\.0/);
  });

  test('fails with exit 1 when the analysis cannot run (Prometheus unreachable) and moves nothing', async () => {
    const port = await closedPort();
    const repo = workshopRepo(workshopWithCanary('1.1.0', 25, `http://127.0.0.1:${port}`), WEIGHT_SET, { synth: true });
    cleanups.push(repo.cleanup);
    const before = repoState(repo.root);
    const r = await run(repo.root, 'advance');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^workshop: error-rate error .* error: cannot reach Prometheus/m);
    expect(r.out).toMatch(/^workshop: nothing to do: the analysis could not be measured/m);
    expect(repoState(repo.root)).toEqual(before);
  });
});
