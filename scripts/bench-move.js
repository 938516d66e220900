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
  const cli = (...args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, '-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, CDK8S_CANARY_TIMING: '1' } });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return { ms, timing: (r.stderr.match(/^timing: .*$/m) || [''])[0] };
  };
  cli('synth');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench releases');
  const target = `app${String(Math.floor(n / 2)).padStart(4, '0')}`;
  const validate = cli('validate');
  const first = cli('start', target, '--version', '1.1.0');
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = cli('set-weight', target, String(10 + i));
    times.push(last.ms);
  }
  times.sort((a, b) => a - b);
  const f = (ms) => `${(ms / 1000).toFixed(3)} s`;
  console.log(`releases: ${n}, cpus: ${os.cpus().length}, load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`validate (all specs parsed):       ${f(validate.ms)}`);
  console.log(`first move (cold caches, commit):  ${f(first.ms)}`);
  console.log(`weight move, median of ${runs} (commit): ${f(times[Math.floor(times.length / 2)])} (min ${f(times[0])}, max ${f(times[times.length - 1])})`);
  console.log(last.timing);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
