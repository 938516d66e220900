#!/usr/bin/env node
// Benchmark: `npm run bench` (builds first), or `node scripts/bench.js [N ...]` (default 10 100 1000).
//
// For each N it writes N releases of the guestbook shape (scenario S1: guestbook frontend with its
// Redis, NGINX canary across two namespaces, canary running: 11 objects in 2 folders per release)
// into a temporary git repository, commits them with their dist/, and measures through the compiled
// CLI, each in its own process:
//   synth      a full `synth` replacing the whole dist/
//   floor      the same objects turned into YAML with the `yaml` package and written to a fresh folder,
//              with no cdk8s, no spec parsing, no validation (the issue's "writing the YAML alone")
//   step       one `step` of one release, including its git commit (first run: cold caches)
//   kustomize  `kubectl kustomize` on one release folder
// and prints per N the median wall time, CPU time (user+sys, children included) and peak RSS, then
// the ratios against the targets: synth(1000) <= 2x floor, synth peak < 150 MB, growth linear,
// step(1000) < 0.5 s. Not a test: numbers depend on the machine; the CPU column is the least noisy.
// The repository lives in /dev/shm when it exists (no disk noise), else in the OS temp folder;
// BENCH_DIR overrides. BENCH_RUNS overrides the number of runs per measurement. Then the metric
// analysis part (benchAnalysis, benchAdvance below); `--analysis-only` runs only that part.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cdk8s-canary.js');
const SIZES = process.argv.slice(2).map(Number).filter((n) => n > 0);
const NS = SIZES.length ? SIZES : [10, 100, 1000];
const TIME = ['/usr/bin/time', '/bin/time'].find((t) => fs.existsSync(t));
const BASE = process.env.BENCH_DIR || (isWritableDir('/dev/shm') ? '/dev/shm' : os.tmpdir());
const MB = 1024 * 1024;

function isWritableDir(d) {
  try { fs.accessSync(d, fs.constants.W_OK); return fs.statSync(d).isDirectory(); } catch { return false; }
}

/** One release of the guestbook shape, its canary running at 0% (so `step` moves it to 25%). */
function guestbookSpec(name) {
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: ${name}-prod
  canary: ${name}-canary
workload:
  type: guestbook
  image: ghcr.io/example/guestbook
  port: 8080
  servicePort: 80
  replicas: 2
  canaryReplicas: 1
  probes:
    readiness:
      path: /
    liveness:
      path: /
  podSecurity:
    runAsUser: 10001
stable:
  version: v0
canary:
  version: v1
  weight: 0
steps: [0, 25, 100]
router:
  type: nginx
  host: ${name}.example.com
  header:
    name: X-Canary
`;
}

/**
 * Runs a command and measures it: wall time here, CPU (user+sys of the process and the children it
 * waited for) and peak RSS from GNU time when the machine has it, else from a --require hook (node
 * commands only).
 */
function measure(cmd, args, opts = {}) {
  const usageFile = path.join(os.tmpdir(), `cdk8s-canary-bench-usage-${process.pid}.txt`);
  fs.rmSync(usageFile, { force: true });
  let file = cmd;
  let argv = args;
  const env = { ...process.env, ...(opts.env || {}) };
  if (TIME) {
    file = TIME;
    argv = ['-f', '%e %U %S %M', '-o', usageFile, cmd, ...args];
  } else if (cmd === process.execPath) {
    argv = ['--require', HOOK, ...args];
    env.BENCH_USAGE_FILE = usageFile;
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd: opts.cwd, env, encoding: 'utf8', maxBuffer: 64 * MB });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  let cpu = NaN;
  let rss = NaN;
  if (fs.existsSync(usageFile)) {
    const last = fs.readFileSync(usageFile, 'utf8').trim().split('\n').pop().trim().split(/\s+/).map(Number);
    if (TIME) { cpu = last[1] + last[2]; rss = last[3] * 1024; } else { cpu = last[0]; rss = last[1]; }
    fs.rmSync(usageFile, { force: true });
  }
  return { wall, cpu, rss, stdout: r.stdout };
}

const HOOK = path.join(os.tmpdir(), `cdk8s-canary-bench-hook-${process.pid}.js`);
fs.writeFileSync(HOOK, `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.BENCH_USAGE_FILE, (u.userCPUTime + u.systemCPUTime) / 1e6 + ' ' + u.maxRSS * 1024 + '\\n'); });\n`);

/** The floor: stringify the objects with the yaml package and write them, nothing else. */
const FLOOR = path.join(os.tmpdir(), `cdk8s-canary-bench-floor-${process.pid}.js`);
fs.writeFileSync(FLOOR, `'use strict';
const fs = require('fs');
const path = require('path');
const { stringify } = require(${JSON.stringify(require.resolve('yaml', { paths: [ROOT] }))});
const [input, out] = process.argv.slice(2);
const options = { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true };
const made = new Set();
for (const [rel, header, obj] of JSON.parse(fs.readFileSync(input, 'utf8'))) {
  const file = path.join(out, rel);
  const dir = path.dirname(file);
  if (!made.has(dir)) { fs.mkdirSync(dir, { recursive: true }); made.add(dir); }
  fs.writeFileSync(file, header + stringify(obj, options));
}
`);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const summarize = (runs) => ({ wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)), rss: Math.max(...runs.map((r) => r.rss)) });

function benchOne(n, hasStep) {
  const dir = fs.mkdtempSync(path.join(BASE, 'cdk8s-canary-bench-'));
  const git = (...a) => execFileSync('git', a, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
  const runs = Number(process.env.BENCH_RUNS) || (n >= 1000 ? 3 : 5);
  try {
    fs.mkdirSync(path.join(dir, 'releases'));
    const names = Array.from({ length: n }, (_, i) => `gb${String(i).padStart(4, '0')}`);
    for (const name of names) fs.writeFileSync(path.join(dir, 'releases', `${name}.yaml`), guestbookSpec(name));
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'bench');
    git('config', 'user.email', 'bench@example.com');
    git('config', 'commit.gpgsign', 'false');
    git('config', 'gc.auto', '0');
    const cli = (...a) => measure(process.execPath, [BIN, '-C', dir, ...a]);
    cli('synth');
    git('add', '-A');
    git('commit', '-q', '-m', 'bench releases');
    const base = git('rev-parse', 'HEAD').trim();
    const files = execFileSync('git', ['ls-files', 'dist'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
    const objects = files.filter((f) => !f.endsWith('kustomization.yaml')).length;

    // full synth, replacing the committed dist/ each time
    const synth = summarize(Array.from({ length: runs }, () => cli('synth')));
    if (git('status', '--porcelain')) throw new Error('synth is not deterministic: dist/ changed');

    // the floor: the same objects (parsed back from dist/, not timed) stringified and written
    const { parse } = require(require.resolve('yaml', { paths: [ROOT] }));
    const input = path.join(dir, '.git', 'bench-objects.json');
    fs.writeFileSync(input, JSON.stringify(files.map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const nl = text.indexOf('\n') + 1;
      return [f, text.slice(0, nl), parse(text.slice(nl), { version: '1.1' })];
    })));
    const floorOut = path.join(dir, '.git', 'bench-floor');
    const floor = summarize(Array.from({ length: runs }, () => {
      fs.rmSync(floorOut, { recursive: true, force: true });
      return measure(process.execPath, [FLOOR, input, floorOut]);
    }));
    for (const f of files.slice(0, 50)) {
      if (fs.readFileSync(path.join(floorOut, f), 'utf8') !== fs.readFileSync(path.join(dir, f), 'utf8')) throw new Error(`floor output differs from synth for ${f}`);
    }
    fs.rmSync(floorOut, { recursive: true, force: true });

    // one step of one release, with its commit; the repository is reset between runs (not timed)
    let step;
    if (hasStep) {
      const target = names[Math.floor(n / 2)];
      const all = Array.from({ length: runs + 1 }, () => {
        git('reset', '-q', '--hard', base);
        const r = cli('step', target);
        if (git('rev-list', '--count', `${base}..HEAD`).trim() !== '1') throw new Error('step did not make exactly one commit');
        return r;
      });
      step = { ...summarize(all.slice(1)), cold: all[0] };
    }

    // kubectl kustomize on one release folder
    let kustomize;
    try {
      kustomize = summarize(Array.from({ length: runs }, () => measure('kubectl', ['kustomize', path.join(dir, 'dist', names[0], `${names[0]}-prod`)])));
    } catch (e) {
      kustomize = undefined;
      console.error(`kubectl kustomize not measured: ${e.message.split('\n')[0]}`);
    }
    return { n, objects, runs, synth, floor, step, kustomize };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const help = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  const hasStep = /^\s+step\b/m.test(help);
  console.log(`cdk8s-canary benchmark: node ${process.version}, ${os.cpus().length} cpu(s), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, repository in ${BASE}${TIME ? '' : ' (no GNU time: CPU and RSS from a node hook, kustomize wall only)'}`);
  const results = [];
  for (const n of NS) {
    const r = benchOne(n, hasStep);
    results.push(r);
    const s = (x) => (x ? `${x.wall.toFixed(3)} s (cpu ${Number.isNaN(x.cpu) ? '?' : x.cpu.toFixed(2)} s, ${Number.isNaN(x.rss) ? '?' : (x.rss / MB).toFixed(0)} MB)` : 'n/a');
    console.log(`\nN=${n} releases, ${r.objects} objects, median of ${r.runs} run(s):`);
    console.log(`  synth (full)        ${s(r.synth)}`);
    console.log(`  floor (yaml+write)  ${s(r.floor)}`);
    console.log(`  step + commit       ${r.step ? `${s(r.step)}; first run (cold caches): ${s(r.step.cold)}` : 'n/a: this build has no step command (the rollout CLI has not landed)'}`);
    console.log(`  kubectl kustomize   ${s(r.kustomize)} (one release folder)`);
  }
  const big = results.find((r) => r.n === Math.max(...NS));
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  console.log(`\nratios at N=${big.n}:`);
  const ratio = big.synth.wall / big.floor.wall;
  const cpuRatio = big.synth.cpu / big.floor.cpu;
  console.log(`  synth / floor        ${ratio.toFixed(2)}x wall, ${Number.isNaN(cpuRatio) ? '?' : cpuRatio.toFixed(2)}x cpu (target <= 2x): ${verdict(ratio <= 2)}`);
  console.log(`  synth peak memory    ${(big.synth.rss / MB).toFixed(0)} MB (target < 150 MB): ${verdict(big.synth.rss < 150 * MB)}`);
  if (big.step) console.log(`  step + commit        ${big.step.wall.toFixed(3)} s (target < 0.5 s): ${verdict(big.step.wall < 0.5)}`);
  // Linear growth: the cost of each extra release (marginal) does not rise with N; a fixed start-up
  // cost (node, modules, validators) makes small N look dear per release.
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const marginal = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    const ms = ((b.synth.wall - a.synth.wall) / (b.n - a.n)) * 1000;
    const rss = (b.synth.rss - a.synth.rss) / (b.n - a.n) / 1024;
    marginal.push(ms);
    console.log(`  synth N=${a.n}->${b.n}: ${ms.toFixed(2)} ms and ${rss.toFixed(0)} KB of peak RSS per extra release`);
  }
  if (marginal.length > 1) console.log(`  growth: ${marginal[marginal.length - 1] <= marginal[0] * 1.5 ? 'linear (marginal cost does not rise)' : 'SUPERLINEAR: the marginal cost rises with N'}`);
}

/**
 * Issue 14 (hangs): the secret scan runs on every string of every spec, under the repository lock.
 * Its time on a 1 MB value built to make a backtracking pattern quadratic (the old URL-credential
 * pattern took 10 s at 80 kB and over 120 s at 1 MB) and on 1 MB of plain text: both linear.
 */
function secretScanFigures() {
  const { secretKind } = require(path.join(__dirname, '..', 'build', 'lib', 'spec', 'secrets.js'));
  const inputs = { 'plain text': 'lorem ipsum dolor sit amet '.repeat(40000).slice(0, 1e6), 'letters only (old URL pattern: quadratic)': 'a'.repeat(1e6), 'eyJ- repeated (old JWT pattern: quadratic)': 'eyJ-'.repeat(250000) };
  console.log('\nsecret scan of one 1 MB value (lib/spec/secrets.ts; median of 5):');
  for (const [what, v] of Object.entries(inputs)) {
    const times = [];
    for (let i = 0; i < 5; i++) { const t = process.hrtime.bigint(); secretKind(v); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
    console.log(`  ${what.padEnd(44)} ${times.sort((a, b) => a - b)[2].toFixed(1)} ms`);
  }
}

// ---- metric analysis (issue 15): `analyze` with 10 metrics against a real local Prometheus -------
// Compared with the same 10 queries sent from a warm process (the floor: what the queries cost) and
// with the CLI's start-up (`--help`). `advance` over 100 releases (10 canaries) is benchAdvance().
const ANALYSIS_METRICS = 10;

function analysisSpec(name, address, metrics) {
  const ms = Array.from({ length: metrics }, (_, i) => `    - name: m${i}
      provider: { prometheus: { address: ${address} } }
      query: sum(increase(http_requests_total{namespace="{{canary.namespace}}",code=~"5.."}[{{window}}])) / sum(increase(http_requests_total{namespace="{{canary.namespace}}"}[{{window}}]))
      successCondition: result[0] <= 0.0${i + 1}
`).join('');
  return guestbookSpec(name) + `analysis:\n  metrics:\n${ms}`;
}

async function benchAnalysis() {
  const prom = require(path.join(ROOT, 'test/support/prometheus.js'));
  const avail = prom.prometheusAvailable();
  if (!avail.ok) { console.log(`\nanalyze: skipped (${avail.reason})`); return; }
  const now = Math.floor(Date.now() / 1000);
  const series = ['200', '500'].map((code) => ({ name: 'http_requests_total', labels: { namespace: 'app-0-canary', code }, points: prom.counterPoints(now - 3600, now - 5, 15, code === '200' ? 10 : 0.01) }));
  const server = await prom.startPrometheus(series);
  const dir = fs.mkdtempSync(path.join(BASE, 'cdk8s-canary-bench-analysis-'));
  try {
    const git = (...a) => execFileSync('git', a, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com', GIT_COMMITTER_DATE: `@${now - 1800} +0000` }, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    fs.mkdirSync(path.join(dir, 'releases'));
    fs.writeFileSync(path.join(dir, 'releases', 'app-0.yaml'), analysisSpec('app-0', server.url, ANALYSIS_METRICS));
    fs.writeFileSync(path.join(dir, 'releases', 'app-1.yaml'), analysisSpec('app-1', server.url, 1).replace(/app-1-canary/g, 'app-0-canary').replace('namespace="{{canary.namespace}}"', 'namespace="app-0-canary"').replace('namespace="{{canary.namespace}}"', 'namespace="app-0-canary"'));
    git('add', '-A');
    git('commit', '-q', '-m', 'app-0');
    const runs = Number(process.env.BENCH_RUNS || 5);
    const analyzeOf = (name, metrics) => summarize(Array.from({ length: runs }, () => {
      const r = measure(process.execPath, [BIN, '-C', dir, 'analyze', name, '--json']);
      const j = JSON.parse(r.stdout);
      if (j.metrics.length !== metrics || j.verdict !== 'pass') throw new Error(`analyze ${name} gave ${j.verdict} for ${j.metrics.length} metric(s)`);
      return r;
    }));
    const analyze = analyzeOf('app-0', ANALYSIS_METRICS);
    const one = analyzeOf('app-1', 1);
    const startup = summarize(Array.from({ length: runs }, () => measure(process.execPath, [BIN, '--help'])));
    // the floor: the same 10 instant queries, concurrently, from this (warm) process
    const q = (i) => `sum(increase(http_requests_total{namespace="app-0-canary",code=~"5.."}[1800s])) / sum(increase(http_requests_total{namespace="app-0-canary"}[1800s])) <= 0.0${i + 1}`;
    const floors = [];
    for (let k = 0; k < runs; k++) {
      const t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: ANALYSIS_METRICS }, (_, i) => fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: q(i), time: String(now) }) }).then((r) => r.text())));
      floors.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const floor = floors.sort((a, b) => a - b)[Math.floor(floors.length / 2)];
    const overhead = analyze.wall - startup.wall - floor;
    console.log(`\nanalyze, ${ANALYSIS_METRICS} metrics against a local Prometheus ${avail.prometheus}, median of ${runs} run(s):`);
    console.log(`  analyze (CLI)       ${analyze.wall.toFixed(3)} s (cpu ${analyze.cpu.toFixed(2)} s, ${(analyze.rss / MB).toFixed(0)} MB)`);
    console.log(`  CLI start-up        ${startup.wall.toFixed(3)} s (cdk8s-canary --help)`);
    console.log(`  the queries alone   ${floor.toFixed(3)} s (${ANALYSIS_METRICS} instant queries, concurrently, warm process)`);
    console.log(`  analyze, 1 metric   ${one.wall.toFixed(3)} s (cpu ${one.cpu.toFixed(2)} s)`);
    console.log(`  9 more metrics      ${(analyze.wall - one.wall).toFixed(3)} s wall, ${(analyze.cpu - one.cpu).toFixed(2)} s cpu (their queries alone: ~${(floor * 0.9).toFixed(3)} s)`);
    console.log(`  fixed overhead      ${overhead.toFixed(3)} s beyond start-up and queries (loading @bufbuild/cel and fetch, the spec, git blame, report)`);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// `advance` over 100 releases of which 10 run canaries (at 25%, with an analysis that passes): one
// run steps all 10 (10 commits, under one lock); the run after it finds nothing to do (their windows
// just re-opened). Each measured run starts from the same commit.
async function benchAdvance() {
  const prom = require(path.join(ROOT, 'test/support/prometheus.js'));
  const avail = prom.prometheusAvailable();
  if (!avail.ok) { console.log(`\nadvance: skipped (${avail.reason})`); return; }
  const N = 100;
  const CANARIES = 10;
  const now = Math.floor(Date.now() / 1000);
  const names = Array.from({ length: N }, (_, i) => `adv${String(i).padStart(3, '0')}`);
  const series = names.slice(0, CANARIES).flatMap((n) => ['200', '500'].map((code) => ({ name: 'http_requests_total', labels: { namespace: `${n}-canary`, code }, points: prom.counterPoints(now - 3600, now - 5, 15, code === '200' ? 10 : 0.01) })));
  const server = await prom.startPrometheus(series);
  const dir = fs.mkdtempSync(path.join(BASE, 'cdk8s-canary-bench-advance-'));
  try {
    const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' };
    const git = (...a) => execFileSync('git', a, { cwd: dir, env: { ...env, GIT_COMMITTER_DATE: `@${now - 1800} +0000` }, stdio: 'pipe', encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('config', 'gc.auto', '0');
    fs.mkdirSync(path.join(dir, 'releases'));
    names.forEach((n, i) => {
      const spec = i < CANARIES ? analysisSpec(n, server.url, 1).replace('  weight: 0\n', '  weight: 25\n') : guestbookSpec(n).replace(/canary:\n  version: v1\n  weight: 0\n/, '');
      fs.writeFileSync(path.join(dir, 'releases', `${n}.yaml`), spec);
    });
    measure(process.execPath, [BIN, '-C', dir, 'synth']);
    git('add', '-A');
    git('commit', '-q', '-m', 'bench releases');
    const base = git('rev-parse', 'HEAD').trim();
    const runs = Number(process.env.BENCH_RUNS || 3);
    const moving = [];
    const idle = [];
    for (let k = 0; k < runs; k++) {
      git('reset', '-q', '--hard', base);
      const r = measure(process.execPath, [BIN, '-C', dir, 'advance'], { env });
      if (!/advance: 10 running canaries with analysis: 0 abort, 10 step/.test(r.stdout)) throw new Error(`advance did not step the 10 canaries: ${r.stdout.slice(-300)}`);
      moving.push(r);
      const again = measure(process.execPath, [BIN, '-C', dir, 'advance'], { env });
      if (!/0 step, 0 promote, 10 waiting/.test(again.stdout)) throw new Error(`the second advance moved something: ${again.stdout.slice(-300)}`);
      idle.push(again);
    }
    git('reset', '-q', '--hard', base);
    const a = summarize(moving);
    const b = summarize(idle);
    console.log(`\nadvance over ${N} releases, ${CANARIES} running canaries with an analysis (1 metric each), median of ${runs} run(s):`);
    console.log(`  10 steps, 10 commits ${a.wall.toFixed(3)} s (cpu ${a.cpu.toFixed(2)} s, ${(a.rss / MB).toFixed(0)} MB): ${(a.wall / CANARIES).toFixed(3)} s per move`);
    console.log(`  nothing to do        ${b.wall.toFixed(3)} s (cpu ${b.cpu.toFixed(2)} s, ${(b.rss / MB).toFixed(0)} MB): load and validate ${N} specs, 10 analyses, no commit`);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchAll() {
  if (!process.argv.includes('--analysis-only')) { main(); secretScanFigures(); }
  await benchAnalysis();
  await benchAdvance();
}

(async () => {
  try {
    await benchAll();
  } finally {
    fs.rmSync(HOOK, { force: true });
    fs.rmSync(FLOOR, { force: true });
  }
})().catch((e) => { console.error(e); process.exitCode = 1; });
