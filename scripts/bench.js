#!/usr/bin/env node
// Benchmark: `npm run bench` (builds first), or `node scripts/bench.js [options]`.
//
// Prints the targets of issue 19 as one table: each a ratio measured in this run, CPU (user+sys of
// the process and the children it waited for, such as git) and wall, with the load average beside
// it, and met or missed. On a shared machine wall times swing with the load; the CPU ratio is the
// figure the targets are judged on, the wall ratio is shown for completeness. Ratios are taken pair
// by pair (A B A B ...), so a drift of the machine's speed hits both sides of each pair.
//
// Each section is one function below (SECTIONS); each builds what it needs in a temporary folder
// (in /dev/shm when it exists; BENCH_DIR overrides) and returns rows for the table:
//   startup   `--help`, `status NAME`, `validate NAME` at N=1000 against `node -e 0`
//   moves     `step` + its commit at N=1000 against N=10: cold (a fresh clone, no cache of ours in
//             .git/, the build as `npm ci` leaves it) and warm (the same move again)
//   synth     full synth at N=1000 (into an empty dist/) against the YAML-only floor (the same
//             files written with the `yaml` package alone) and against `npx cdk8s synth` of the
//             same releases as a conventional cdk8s app (this project's constructs, all in one App,
//             cdk8s's own synth); peak memory of synth and validate
//   diff      `diff HEAD~1 HEAD` of a one-step commit at N=1000 against N=10
//   tests     the whole jest suite, wall time (only with --with-tests: it takes minutes)
//   analysis  `analyze` with 10 metrics and `advance` over 100 releases against a real local
//             Prometheus (issue 15; its own lines, skipped without Prometheus; --analysis-only)
//   fleet     fleet waves (issue 17): 50 clusters x 200 releases against 50 x 20: a wave move
//             (`start` into wave 1, `next-wave` into wave 3 of 45 clusters) with its commit, and the
//             full synth; BENCH_FLEET_CLUSTERS and BENCH_FLEET_SIZES (`20,200`) override the sizes
// Options: --runs N (pairs per ratio; default 5, 3 for the synth section), --only a,b (sections),
// --with-tests, --n N (the large size; default 1000), --small N (default 10).
// Not a test: the figures depend on the machine.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cdk8s-canary.js');
const TIME = ['/usr/bin/time', '/bin/time'].find((t) => fs.existsSync(t));
/** Python's getrusage(RUSAGE_CHILDREN) gives CPU in microseconds (GNU time prints hundredths): preferred when there. */
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p));
const RUSAGE = `import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], 'w').write('%f %d %d\\n' % (u.ru_utime + u.ru_stime, u.ru_maxrss * 1024, r.returncode))
sys.exit(r.returncode)`;
const BASE = process.env.BENCH_DIR || (isWritableDir('/dev/shm') ? '/dev/shm' : os.tmpdir());
const MB = 1024 * 1024;

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const RUNS = Number(opt('--runs', process.env.BENCH_RUNS || 5));
const LARGE = Number(opt('--n', 1000));
const SMALL = Number(opt('--small', 10));
const ONLY = args.includes('--analysis-only') ? ['analysis'] : opt('--only', '').split(',').filter(Boolean);
const WITH_TESTS = args.includes('--with-tests');

function isWritableDir(d) {
  try { fs.accessSync(d, fs.constants.W_OK); return fs.statSync(d).isDirectory(); } catch { return false; }
}

// ------------------------------------------------------------------------------------ measuring

/**
 * Runs a command once and measures it: wall time, CPU (user+sys of it and the children it waited
 * for) and peak RSS from getrusage(RUSAGE_CHILDREN) through python3, else GNU time, else a
 * --require hook (node commands only: CPU and RSS of the node process alone).
 */
function measure(cmd, argv, opts = {}) {
  const usage = path.join(os.tmpdir(), `cdk8s-canary-bench-usage-${process.pid}.txt`);
  fs.rmSync(usage, { force: true });
  const repeat = opts.repeat || 1;
  if (repeat > 1) {
    // a short command `repeat` times in one shell: GNU time counts 10 ms ticks, the mean is finer
    const r = measure('sh', ['-c', `i=0; while [ $i -lt ${repeat} ]; do "$@" >/dev/null || exit 1; i=$((i+1)); done`, 'sh', cmd, ...argv], { ...opts, repeat: 1 });
    return { ...r, wall: r.wall / repeat, cpu: r.cpu / repeat };
  }
  let file = cmd;
  let fileArgs = argv;
  const env = { ...process.env, ...(opts.env || {}) };
  if (PYTHON) {
    file = PYTHON;
    fileArgs = ['-c', RUSAGE, usage, cmd, ...argv];
  } else if (TIME) {
    file = TIME;
    fileArgs = ['-f', '%e %U %S %M', '-o', usage, cmd, ...argv];
  } else if (cmd === process.execPath) {
    fileArgs = ['--require', HOOK, ...argv];
    env.BENCH_USAGE_FILE = usage;
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, fileArgs, { cwd: opts.cwd, env, encoding: 'utf8', maxBuffer: 256 * MB });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  let cpu = NaN;
  let rss = NaN;
  if (fs.existsSync(usage)) {
    const last = fs.readFileSync(usage, 'utf8').trim().split('\n').pop().trim().split(/\s+/).map(Number);
    if (PYTHON) { cpu = last[0]; rss = last[1]; } else if (TIME) { cpu = last[1] + last[2]; rss = last[3] * 1024; } else { cpu = last[0]; rss = last[1]; }
    fs.rmSync(usage, { force: true });
  }
  return { wall, cpu, rss, load: os.loadavg()[0], stdout: r.stdout, stderr: r.stderr };
}

const HOOK = path.join(os.tmpdir(), `cdk8s-canary-bench-hook-${process.pid}.js`);
fs.writeFileSync(HOOK, `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.BENCH_USAGE_FILE, (u.userCPUTime + u.systemCPUTime) / 1e6 + ' ' + u.maxRSS * 1024 + '\\n'); });\n`);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/**
 * Measures A and B in turn, `runs` pairs (each side's `prepare`, if any, runs untimed before it):
 * the medians of each side and of the pairwise ratios A/B.
 */
function paired(a, b, runs = RUNS) {
  const pairs = [];
  for (let i = 0; i < runs; i++) {
    a.prepare?.();
    const x = a.run();
    b.prepare?.();
    const y = b.run();
    pairs.push({ x, y });
  }
  const side = (k) => ({ cpu: median(pairs.map((p) => p[k].cpu)), wall: median(pairs.map((p) => p[k].wall)), rss: Math.max(...pairs.map((p) => p[k].rss)) });
  return {
    a: side('x'), b: side('y'),
    cpu: median(pairs.map((p) => p.x.cpu / p.y.cpu)),
    wall: median(pairs.map((p) => p.x.wall / p.y.wall)),
    load: median(pairs.flatMap((p) => [p.x.load, p.y.load])),
  };
}

/** A row of the targets table from a paired measurement: `A/B` at most `limit` (CPU judges). */
function ratioRow(target, p, limit, note = '') {
  return { target, cpu: `${p.cpu.toFixed(2)}x (${p.a.cpu.toFixed(3)} / ${p.b.cpu.toFixed(3)} s)`, wall: `${p.wall.toFixed(2)}x (${p.a.wall.toFixed(3)} / ${p.b.wall.toFixed(3)} s)`, load: p.load.toFixed(1), met: p.cpu <= limit, note };
}

// ------------------------------------------------------------------------------------ fixtures

/** One release of the guestbook shape (S1: frontend + Redis + NetworkPolicy + NGINX canary), its canary at 0%. */
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

const names = (n) => Array.from({ length: n }, (_, i) => `gb${String(i).padStart(4, '0')}`);
/** The release moved and diffed: one in the middle. */
const target = (n) => names(n)[Math.floor(n / 2)];

const temps = [];
function tempDir(tag) {
  const d = fs.mkdtempSync(path.join(BASE, `cdk8s-canary-bench-${tag}-`));
  temps.push(d);
  return d;
}

function git(dir, ...a) {
  return execFileSync('git', a, { cwd: dir, stdio: 'pipe', encoding: 'utf8', maxBuffer: 256 * MB });
}

const repos = new Map();
/** A git repository of N guestbook releases with dist/ synthesized and committed (one per N, shared by the sections). */
function benchRepo(n) {
  if (repos.has(n)) return repos.get(n);
  const dir = tempDir(`n${n}`);
  fs.mkdirSync(path.join(dir, 'releases'));
  for (const name of names(n)) fs.writeFileSync(path.join(dir, 'releases', `${name}.yaml`), guestbookSpec(name));
  git(dir, 'init', '-q', '-b', 'main');
  for (const [k, v] of [['user.name', 'bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false'], ['gc.auto', '0'], ['maintenance.auto', 'false']]) git(dir, 'config', k, v);
  cli(dir, 'synth');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'bench releases');
  repos.set(n, dir);
  return dir;
}

const cli = (dir, ...a) => measure(process.execPath, [BIN, '-C', dir, ...a]);

/**
 * A fresh clone of a bench repository (what CI checks out): no .git/cdk8s-canary, new mtimes, and the
 * objects in a pack, as a fetch (actions/checkout, a CI runner's `git clone URL`) leaves them:
 * `--no-local`, since a clone of a local path would hard-link the source's loose objects instead.
 */
function freshClone(from, tag) {
  const dir = tempDir(tag);
  fs.rmSync(dir, { recursive: true });
  execFileSync('git', ['clone', '-q', '--no-local', from, dir], { stdio: 'pipe' });
  for (const [k, v] of [['user.name', 'bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false'], ['gc.auto', '0'], ['maintenance.auto', 'false']]) git(dir, 'config', k, v);
  return dir;
}

// ------------------------------------------------------------------------------------ sections

/** Start-up: commands that do not synthesize cost at most 2x `node -e 0`. */
function startupSection() {
  const dir = benchRepo(LARGE);
  const repeat = 10;
  const node = { run: () => measure(process.execPath, ['-e', '0'], { repeat }) };
  const name = target(LARGE);
  return [
    ['--help', ['--help']],
    [`status NAME`, ['status', name]],
    [`validate NAME`, ['validate', name]],
  ].map(([label, a]) => ratioRow(`\`${label}\` at N=${LARGE} / \`node -e 0\` (mean of ${repeat} runs per measure)`, paired({ run: () => measure(process.execPath, [BIN, '-C', dir, ...a], { repeat }) }, node), 2));
}

/** A move: cold in a fresh clone at most 1.5x N=small and 1 s CPU, git commit included; warm at most 1.2x. */
function movesSection() {
  const big = benchRepo(LARGE);
  const small = benchRepo(SMALL);
  const coldSide = (from, n) => {
    let dir;
    return { prepare: () => { dir = freshClone(from, `clone${n}`); }, run: () => { const r = cli(dir, 'step', target(n)); fs.rmSync(dir, { recursive: true, force: true }); return r; } };
  };
  const cold = paired(coldSide(big, LARGE), coldSide(small, SMALL));
  const warmSide = (n) => {
    const dir = freshClone(n === LARGE ? big : small, `warm${n}`);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    cli(dir, 'step', target(n)); // the first move of this clone: not timed
    return { prepare: () => git(dir, 'reset', '-q', '--hard', head), run: () => cli(dir, 'step', target(n)) };
  };
  const warm = paired(warmSide(LARGE), warmSide(SMALL));
  return [
    ratioRow(`cold \`step\` + commit, fresh clone, N=${LARGE} / N=${SMALL}`, cold, 1.5),
    { target: `cold \`step\` + commit at N=${LARGE}: CPU at most 1 s`, cpu: `${cold.a.cpu.toFixed(3)} s`, wall: `${cold.a.wall.toFixed(3)} s`, load: cold.load.toFixed(1), met: cold.a.cpu <= 1 },
    ratioRow(`warm \`step\` + commit, N=${LARGE} / N=${SMALL}`, warm, 1.2),
  ];
}

/** The floor: stringify the objects with the `yaml` package and write them, nothing else. */
const FLOOR = `'use strict';
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
`;

/**
 * The same releases as a conventional cdk8s app: every spec loaded, each release's constructs added
 * (this project's own builders, build/lib: addReleaseCharts) to one cdk8s App under a scope per
 * release, and cdk8s's own `app.synth()` writing one file per object; run by `npx cdk8s synth` as a
 * cdk8s user would. What this project's synth does instead: one release at a time in an App of its
 * own, its YAML emitted directly, nothing of it kept.
 */
const NAIVE = `'use strict';
const { App, YamlOutputType } = require(${JSON.stringify(require.resolve('cdk8s', { paths: [ROOT] }))});
const { Construct } = require(${JSON.stringify(require.resolve('constructs', { paths: [ROOT] }))});
const project = require(${JSON.stringify(path.join(ROOT, 'build', 'lib', 'synth', 'project.js'))});
const build = require(${JSON.stringify(path.join(ROOT, 'build', 'lib', 'synth', 'build.js'))});
const { releases } = project.loadProjectSpecs(project.projectPaths(process.argv[2]));
const app = new App({ outdir: process.env.CDK8S_OUTDIR || 'dist', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
for (const r of releases) build.addReleaseCharts(new Construct(app, r.model.name), r.model);
app.synth();
`;

/** synth at N: at most 1.5x the YAML-only floor, at least 10x less CPU than plain cdk8s; peak memory. */
function synthSection() {
  const dir = benchRepo(LARGE);
  const runs = Math.max(1, Math.min(RUNS, 3));
  const files = git(dir, 'ls-files', 'dist').trim().split('\n');
  const { parse } = require(require.resolve('yaml', { paths: [ROOT] }));
  const work = tempDir('synth');
  const input = path.join(work, 'objects.json');
  const objects = files.map((f) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const nl = text.indexOf('\n') + 1;
    return [f, text.slice(0, nl), parse(text.slice(nl), { version: '1.1' })];
  });
  fs.writeFileSync(input, JSON.stringify(objects));
  const floorJs = path.join(work, 'floor.js');
  fs.writeFileSync(floorJs, FLOOR);
  const floorOut = path.join(work, 'floor-out');
  const dist = path.join(dir, 'dist');
  const synthFresh = { prepare: () => fs.rmSync(dist, { recursive: true, force: true }), run: () => cli(dir, 'synth') };
  const floor = { prepare: () => fs.rmSync(floorOut, { recursive: true, force: true }), run: () => measure(process.execPath, [floorJs, input, floorOut]) };
  const vsFloor = paired(synthFresh, floor, runs);
  if (git(dir, 'status', '--porcelain')) throw new Error('synth is not deterministic: dist/ changed');
  for (const f of files.slice(0, 50)) {
    if (fs.readFileSync(path.join(floorOut, f), 'utf8') !== fs.readFileSync(path.join(dir, f), 'utf8')) throw new Error(`floor output differs from synth for ${f}`);
  }
  // the same releases as a conventional cdk8s app, through the cdk8s CLI
  const naiveDir = path.join(work, 'naive');
  fs.mkdirSync(naiveDir);
  fs.writeFileSync(path.join(naiveDir, 'naive.js'), NAIVE);
  fs.writeFileSync(path.join(naiveDir, 'cdk8s.yaml'), `language: typescript\napp: node naive.js ${JSON.stringify(dir)}\noutput: dist\n`);
  const cdk8sCli = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
  const naive = { prepare: () => fs.rmSync(path.join(naiveDir, 'dist'), { recursive: true, force: true }), run: () => measure(cdk8sCli, ['synth', '--no-check-upgrade'], { cwd: naiveDir }) };
  const vsNaive = paired(synthFresh, naive, 1);
  const resynth = paired({ run: () => cli(dir, 'synth') }, floor, runs);
  const validate = cli(dir, 'validate');
  return [
    ratioRow(`\`synth\` N=${LARGE} into an empty dist/ / YAML-only floor`, vsFloor, 1.5),
    { ...ratioRow(`\`synth\` N=${LARGE} / \`npx cdk8s synth\` of the same releases as one cdk8s App: at most 0.1x`, vsNaive, 0.1) },
    { target: `peak memory of \`synth\` N=${LARGE}: at most 150 MB`, cpu: `${(vsFloor.a.rss / MB).toFixed(0)} MB`, wall: '-', load: vsFloor.load.toFixed(1), met: vsFloor.a.rss <= 150 * MB },
    { target: `peak memory of \`validate\` N=${LARGE}: at most 150 MB`, cpu: `${(validate.rss / MB).toFixed(0)} MB (${validate.cpu.toFixed(2)} s cpu)`, wall: `${validate.wall.toFixed(2)} s`, load: validate.load.toFixed(1), met: validate.rss <= 150 * MB },
    { ...ratioRow(`(info) re-\`synth\` N=${LARGE}, dist/ unchanged / floor`, resynth, Infinity), met: undefined },
  ];
}

/** `diff HEAD~1 HEAD` of a one-step commit: N=large at most 2x N=small. */
function diffSection() {
  const stepped = (n) => {
    const dir = freshClone(benchRepo(n), `diff${n}`);
    cli(dir, 'step', target(n));
    if (git(dir, 'rev-list', '--count', 'HEAD').trim() !== '2') throw new Error('step did not commit');
    return dir;
  };
  const big = stepped(LARGE);
  const small = stepped(SMALL);
  const out = (dir) => cli(dir, 'diff', 'HEAD~1', 'HEAD').stdout;
  if (!out(big).includes(`### ${target(LARGE)}`)) throw new Error('diff does not show the stepped release');
  const p = paired({ run: () => cli(big, 'diff', 'HEAD~1', 'HEAD') }, { run: () => cli(small, 'diff', 'HEAD~1', 'HEAD') });
  return [ratioRow(`\`diff HEAD~1 HEAD\` of one step, N=${LARGE} / N=${SMALL}`, p, 2)];
}

/**
 * Issue 14 (hangs): the secret scan runs on every string of every spec, under the repository lock.
 * Its time on a 1 MB value built to make a backtracking pattern quadratic (the old URL-credential
 * pattern took 10 s at 80 kB and over 120 s at 1 MB) and on 1 MB of plain text: both linear.
 */
function secretScanSection() {
  const { secretKind } = require(path.join(__dirname, '..', 'build', 'lib', 'spec', 'secrets.js'));
  const inputs = { 'plain text': 'lorem ipsum dolor sit amet '.repeat(40000).slice(0, 1e6), 'letters only (old URL pattern: quadratic)': 'a'.repeat(1e6), 'eyJ- repeated (old JWT pattern: quadratic)': 'eyJ-'.repeat(250000) };
  console.log('\nsecret scan of one 1 MB value (lib/spec/secrets.ts; median of 5):');
  for (const [what, v] of Object.entries(inputs)) {
    const times = [];
    for (let i = 0; i < 5; i++) { const t = process.hrtime.bigint(); secretKind(v); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
    console.log(`  ${what.padEnd(44)} ${times.sort((a, b) => a - b)[2].toFixed(1)} ms`);
  }
  return [];
}

/** The whole jest suite (as `npm test`): at most 4 minutes of wall time on this machine. */
function testsSection() {
  if (!WITH_TESTS) return [{ target: '`npm test`: at most 4 minutes', cpu: 'not run', wall: 'not run (pass --with-tests)', load: os.loadavg()[0].toFixed(1), met: undefined }];
  const r = measure(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--silent'], { cwd: ROOT });
  return [{ target: '`npm test`: at most 4 minutes', cpu: `${r.cpu.toFixed(0)} s`, wall: `${r.wall.toFixed(0)} s`, load: r.load.toFixed(1), met: r.wall <= 240 }];
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

/** Metric analysis (issue 15): its own figures, printed as it goes (no row in the table of issue 19). */
async function analysisSection() {
  await benchAnalysis();
  await benchAdvance();
  return [];
}

const summarize = (runs) => ({ wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)), rss: Math.max(...runs.map((r) => r.rss)) });

// ------------------------------------------------------------------------------------------ fleet
// Fleet waves (issue 17, README "Fleet"): R releases, each over the same C clusters in 3 waves of 1,
// 4 and C-5 clusters. A wave move must re-synthesize only the folders of its clusters (checked on
// every measured commit: its paths) and its cost must not grow with R (paired CPU ratios between the
// largest and the smallest R, git's commit included).
const FLEET_CLUSTERS = Number(process.env.BENCH_FLEET_CLUSTERS) || 50;
const FLEET_SIZES = (process.env.BENCH_FLEET_SIZES || '20,200').split(',').map(Number).filter((n) => n > 0);

function fleetConfig(c) {
  const lines = ['apiVersion: canary.cdk8s.io/v1alpha1', 'kind: Project', 'clusters:'];
  for (let i = 0; i < c; i++) {
    const name = `c${String(i).padStart(2, '0')}`;
    lines.push(`  - name: ${name}`);
    if (i > 0) lines.push(`    server: https://${name}.example.com:6443`, `    kubeConfigSecretRef: { name: ${name}-kubeconfig }`);
    lines.push(`    labels: { ring: ${i < 5 ? 'early' : 'prod'} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** A fleet release: the tests' web-app template (test/support/release-spec.js) with three waves. */
function fleetReleaseSpec(name) {
  const { webappSpec } = require(path.join(ROOT, 'test/support/release-spec.js'));
  return webappSpec(name, `fleet:
  waves:
    - name: canary
      clusters: [c00]
    - name: early
      clusters: [c01, c02, c03, c04]
    - name: prod
      selector: { matchLabels: { ring: prod } }
`, { steps: '[0, 10, 100]' });
}

/** A repository of R fleet releases over C clusters, synthesized and committed; the commits a wave move starts from. */
function fleetRepo(releases, clusters) {
  const dir = tempDir(`fleet${releases}`);
  fs.mkdirSync(path.join(dir, 'releases'));
  fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), fleetConfig(clusters));
  const names = Array.from({ length: releases }, (_, i) => `f${String(i).padStart(4, '0')}`);
  for (const name of names) fs.writeFileSync(path.join(dir, 'releases', `${name}.yaml`), fleetReleaseSpec(name));
  git(dir, 'init', '-q', '-b', 'main');
  for (const [k, v] of [['user.name', 'bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false'], ['gc.auto', '0'], ['maintenance.auto', 'false']]) git(dir, 'config', k, v);
  const synth = cli(dir, 'synth');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'bench fleet');
  const files = git(dir, 'ls-files', 'dist').trim().split('\n').length;
  const target = names[Math.floor(releases / 2)];
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  // wave 2 promoted (not timed): where next-wave opens wave 3
  for (const a of [['start', target, '--version', '1.1.0'], ['promote', target], ['next-wave', target], ['promote', target]]) cli(dir, ...a);
  const promoted2 = git(dir, 'rev-parse', 'HEAD').trim();
  git(dir, 'reset', '-q', '--hard', base);
  return { dir, releases, synth, files, target, base, promoted2 };
}

/**
 * One side of a paired wave move: reset to `from` (untimed), run the move with CDK8S_CANARY_TIMING
 * (the move's own CPU, git aside, from its last line), and check it made one commit that changed
 * nothing outside its release, in `clusters` cluster folders.
 */
function fleetMove(repo, from, argv, clusters, own) {
  return {
    prepare: () => git(repo.dir, 'reset', '-q', '--hard', from),
    run: () => {
      const r = measure(process.execPath, [BIN, '-C', repo.dir, ...argv], { env: { CDK8S_CANARY_TIMING: '1' } });
      if (git(repo.dir, 'rev-list', '--count', `${from}..HEAD`).trim() !== '1') throw new Error(`${argv.join(' ')} did not make exactly one commit`);
      const paths = git(repo.dir, 'diff', '--name-only', 'HEAD~1', 'HEAD').trim().split('\n');
      const outside = paths.filter((p) => p !== `releases/${repo.target}.yaml` && !p.startsWith(`dist/${repo.target}/`));
      if (outside.length) throw new Error(`a wave move changed ${outside[0]}, outside its release`);
      const touched = new Set(paths.filter((p) => p.startsWith('dist/')).map((p) => p.split('/')[2])).size;
      if (touched !== clusters) throw new Error(`${argv.join(' ')} changed the folders of ${touched} clusters, not ${clusters}`);
      const m = /this process used (\d+)ms cpu/.exec(r.stderr || '');
      own.push(m ? Number(m[1]) / 1000 : NaN);
      return r;
    },
  };
}

function fleetSection() {
  if (FLEET_SIZES.length < 2) throw new Error('BENCH_FLEET_SIZES needs two sizes, e.g. 20,200');
  const c = FLEET_CLUSTERS;
  const small = fleetRepo(FLEET_SIZES[0], c);
  const big = fleetRepo(FLEET_SIZES[FLEET_SIZES.length - 1], c);
  const R = (x) => `${c} clusters x ${x.releases} releases`;
  console.log(`\nfleet: ${R(big)} (${big.files} files in dist/) against ${R(small)} (${small.files} files); waves of 1, 4 and ${c - 5} clusters`);
  console.log(`  full synth (once)  ${big.synth.cpu.toFixed(2)} s cpu / ${small.synth.cpu.toFixed(2)} s cpu (${(big.synth.rss / MB).toFixed(0)} / ${(small.synth.rss / MB).toFixed(0)} MB)`);
  const rows = [];
  for (const [what, argv, from, clusters] of [
    ['`start` (wave 1, 1 cluster)', (x) => ['start', x.target, '--version', '1.1.0'], (x) => x.base, 1],
    [`\`next-wave\` (wave 3, ${c - 5} clusters)`, (x) => ['next-wave', x.target], (x) => x.promoted2, c - 5],
  ]) {
    const ownBig = [];
    const ownSmall = [];
    const side = (x, own) => fleetMove(x, from(x), argv(x), clusters, own);
    side(big, []).prepare(); side(big, []).run(); // the first move of each repository: not timed
    side(small, []).prepare(); side(small, []).run();
    const p = paired(side(big, ownBig), side(small, ownSmall), Math.max(1, Math.min(RUNS, 3)));
    const own = median(ownBig) / median(ownSmall);
    // the move's own process (CDK8S_CANARY_TIMING), git's children aside: what this project computes
    rows.push({ target: `fleet ${what}, the move itself (git aside), ${R(big)} / ${x0(small)}`, cpu: `${own.toFixed(2)}x (${median(ownBig).toFixed(3)} / ${median(ownSmall).toFixed(3)} s)`, wall: '-', load: p.load.toFixed(1), met: own <= 1.2 });
    // with git's commit, whose index work grows with the files of the repository
    rows.push(ratioRow(`fleet ${what} + commit, ${R(big)} / ${x0(small)}`, p, 1.2));
  }
  rows.push({ ...ratioRow(`(info) fleet full \`synth\`, ${R(big)} / ${x0(small)} (grows with the releases)`, { a: big.synth, b: small.synth, cpu: big.synth.cpu / small.synth.cpu, wall: big.synth.wall / small.synth.wall, load: big.synth.load }, Infinity), met: undefined });
  return rows;
}

/** `20 releases` (the smaller side of a fleet ratio). */
function x0(x) {
  return `${x.releases} releases`;
}

/** Every section, in the order printed; adding one is a function above and a line here. */
const SECTIONS = [
  ['startup', startupSection],
  ['moves', movesSection],
  ['synth', synthSection],
  ['diff', diffSection],
  ['tests', testsSection],
  ['analysis', analysisSection],
  ['secrets', secretScanSection],
  ['fleet', fleetSection],
];

// ------------------------------------------------------------------------------------ table

async function main() {
  console.log(`cdk8s-canary benchmark: node ${process.version}, ${os.cpus().length} cpu(s), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the start, N=${LARGE} and ${SMALL}, ${RUNS} pair(s) per ratio, repositories in ${BASE}, CPU from ${PYTHON ? 'getrusage(RUSAGE_CHILDREN) (python3)' : TIME ? 'GNU time' : 'a node hook (the node process alone, children not counted)'}`);
  const rows = [];
  for (const [name, fn] of SECTIONS) {
    if (ONLY.length && !ONLY.includes(name)) continue;
    const t0 = Date.now();
    const got = await fn();
    rows.push(...got);
    console.error(`section ${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const verdict = (m) => (m === undefined ? '-' : m ? 'met' : 'MISSED');
  console.log('\n| target | CPU | wall | load | |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.target} | ${r.cpu} | ${r.wall} | ${r.load} | ${verdict(r.met)} |`);
  const judged = rows.filter((r) => r.met !== undefined);
  console.log(`\n${judged.filter((r) => r.met).length} of ${judged.length} targets met (judged on CPU; wall and load shown for context)`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(() => {
  fs.rmSync(HOOK, { force: true });
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});
