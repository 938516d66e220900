#!/usr/bin/env node
// Times rollout moves in a repository of N releases (default 1000) through the compiled CLI:
// `node scripts/bench-move.js [N] [runs]` after `npm run build`. Prints the wall time of a full
// `validate` (every spec parsed), of the first move (cold caches) and the median of `runs` weight
// moves (warm caches), each including the git commit, plus one move's phase breakdown.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'cdk8s-canary.js');
const n = Number(process.argv[2] || 1000);
const runs = Number(process.argv[3] || 7);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-bench-'));
try {
  const template = fs.readFileSync(path.join(root, 'releases', 'webapp.yaml'), 'utf8');
  fs.mkdirSync(path.join(dir, 'releases'));
  for (let i = 0; i < n; i++) {
    const name = `app${String(i).padStart(4, '0')}`;
    fs.writeFileSync(path.join(dir, 'releases', `${name}.yaml`), template
      .replace(/^name: webapp$/m, `name: ${name}`)
      .replace(/^  production: webapp$/m, `  production: ${name}`)
      .replace('webapp.example.com', `${name}.example.com`));
  }
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'commit.gpgsign', 'false');
  // Wall time, and CPU time of the command and its git children (bash `times`): the CPU figure is
  // what the wall time would be on an idle machine, give or take I/O.
  const sh = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const cli = (...args) => {
    const cmd = `${sh(process.execPath)} ${sh(bin)} -C ${sh(dir)} ${args.map(sh).join(' ')} 2>/tmp/cdk8s-canary-bench.err >/dev/null; rc=$?; times; exit $rc`;
    const t = process.hrtime.bigint();
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, CDK8S_CANARY_TIMING: '1' } });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const err = fs.readFileSync('/tmp/cdk8s-canary-bench.err', 'utf8');
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${err}`);
    const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/m.exec(r.stdout.trim().split('\n')[1] || '');
    const cpu = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : NaN;
    return { ms, cpu, timing: (err.match(/^timing: .*$/m) || [''])[0] };
  };
  cli('synth');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench releases');
  const target = `app${String(Math.floor(n / 2)).padStart(4, '0')}`;
  const validate = cli('validate');
  const first = cli('start', target, '--version', '1.1.0');
  const moves = [];
  for (let i = 0; i < runs; i++) moves.push(cli('set-weight', target, String(10 + i)));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const f = (ms) => `${(ms / 1000).toFixed(3)} s`;
  const both = (r) => `${f(r.ms)} wall, ${f(r.cpu)} cpu`;
  console.log(`releases: ${n}, cpus: ${os.cpus().length}, load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`validate (all specs parsed):        ${both(validate)}`);
  console.log(`first move (cold caches, + commit): ${both(first)}`);
  console.log(`weight move (+ commit), median of ${runs}: ${f(median(moves.map((m) => m.ms)))} wall, ${f(median(moves.map((m) => m.cpu)))} cpu (wall min ${f(Math.min(...moves.map((m) => m.ms)))})`);
  console.log(moves[moves.length - 1].timing);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
