/**
 * End to end through the compiled launcher `bin/cdk8s-canary.js` (as a user runs it), in real git
 * repositories: the reference walk-through, a bad move, and concurrent moves in one repository.
 */
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { changedLines, cleanupTempDirs, git, log, porcelain, PROJECT_ROOT, projectRepo, tempDir } from './support/git-repo';
import { specText } from './support/specs';

const BIN = path.join(PROJECT_ROOT, 'bin/cdk8s-canary.js');

/** Builds the CLI when build/ is missing or older than a source file (CI builds in `npm ci`). */
function ensureBuilt(): void {
  const built = path.join(PROJECT_ROOT, 'build/lib/cli/main.js');
  const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs))
    .reduce((a, b) => Math.max(a, b), 0);
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newest(path.join(PROJECT_ROOT, 'lib'))) return;
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { cwd: PROJECT_ROOT, stdio: 'pipe' });
}

interface Run { code: number; out: string; err: string }

function bin(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '-C', dir, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

beforeAll(ensureBuilt, 120_000);
afterAll(cleanupTempDirs);

/** A copy of the walk's repository right after its `start` (checked there: exit 0, one commit, clean), kept for the cases that start from a running canary. */
let started: string | undefined;

/** GIVEN webapp's canary 1.1.0 started through the compiled CLI: a copy of the walk's state after `start`, or made here when the walk did not run. */
async function startedRepo(): Promise<string> {
  if (started) {
    const dir = tempDir('cdk8s-canary-e2e-');
    fs.cpSync(started, dir, { recursive: true });
    return dir;
  }
  const dir = projectRepo();
  await bin(dir, 'start', 'webapp', '--version', '1.1.0');
  return dir;
}

describe('compiled CLI (bin/cdk8s-canary.js)', () => {
  test('start, step, step, promote on webapp: one commit each; status --json tracks every move', async () => {
    const dir = projectRepo();
    const weights: (number | null)[] = [];
    for (const args of [['start', 'webapp', '--version', '1.1.0'], ['step', 'webapp'], ['step', 'webapp'], ['promote', 'webapp']]) {
      const n = log(dir).length;
      const r = await bin(dir, ...args);
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      expect(log(dir)).toHaveLength(n + 1);
      expect(porcelain(dir)).toBe('');
      if (args[0] === 'start') {
        started = tempDir('cdk8s-canary-e2e-started-');
        fs.cpSync(dir, started, { recursive: true });
      }
      const s = JSON.parse((await bin(dir, 'status', '--json')).out) as { releases: { canary: { weight: number } | null; stable: { version: string } }[] };
      weights.push(s.releases[0].canary?.weight ?? null);
      if (args[0] === 'promote') expect(s.releases[0].stable.version).toBe('1.1.0');
    }
    expect(weights).toEqual([0, 10, 50, null]);
    expect(git(dir, 'log', '--format=%s').trim().split('\n')).toEqual([
      'webapp: promote 1.1.0 to stable (was 1.0.0)', 'webapp: canary 1.1.0 10% -> 50%', 'webapp: canary 1.1.0 0% -> 10%', 'webapp: start canary 1.1.0 at 0%', 'initial releases',
    ]);
    // the step commits' dist/ diffs hold only weight lines
    for (const rev of ['HEAD~1', 'HEAD~2']) {
      for (const l of changedLines(dir, rev, 'dist')) expect(l).toMatch(/^[+-] +weight: \d+$/);
    }
  });

  test('fails a bad move with exit 2 and a clear message; git status and git log unchanged', async () => {
    const dir = await startedRepo();
    const history = log(dir);
    const r = await bin(dir, 'set-weight', 'webapp', '150');
    expect(r).toEqual({ code: 2, out: '', err: 'error: weight must be a whole number from 0 to 100 (got "150"); pass the canary\'s share of traffic out of 100\n' });
    expect(porcelain(dir)).toBe('');
    expect(log(dir)).toEqual(history);
  });

  test('concurrent moves in one repository: each is serialized or refused cleanly; no lost update, no corruption', async () => {
    // GIVEN a release on a long ladder with a canary at 0, and webapp
    const ladder = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const dir = projectRepo({ specs: { fast: specText('fast', `steps: [${ladder.join(', ')}]\ncanary:\n  version: 1.1.0\n  weight: 0\n`) } });
    const before = log(dir).length;
    // WHEN four steps of fast and one start of webapp run at the same time
    const runs = await Promise.all([
      bin(dir, 'step', 'fast'), bin(dir, 'step', 'fast'), bin(dir, 'step', 'fast'), bin(dir, 'step', 'fast'),
      bin(dir, 'start', 'webapp', '--version', '1.1.0'),
    ]);
    // THEN each either succeeded or failed cleanly because another move held the repository
    for (const r of runs) {
      if (r.code !== 0) {
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^error: another (cdk8s-canary move is running in this repository|git process is using the repository)/);
      }
    }
    const ok = runs.filter((r) => r.code === 0);
    expect(ok.length).toBeGreaterThan(0);
    // AND there is exactly one commit per success, and the fast steps went 0 -> 10 -> 20 ... without a gap or a repeat
    expect(log(dir)).toHaveLength(before + ok.length);
    const fastSteps = runs.slice(0, 4).filter((r) => r.code === 0).length;
    const subjects = git(dir, 'log', '--format=%s', `HEAD~${ok.length}..HEAD`).trim().split('\n').filter((s) => s.startsWith('fast:')).reverse();
    expect(subjects).toEqual(ladder.slice(0, fastSteps).map((w, i) => `fast: canary 1.1.0 ${w}% -> ${ladder[i + 1]}%`));
    expect(fs.readFileSync(path.join(dir, 'releases/fast.yaml'), 'utf8')).toContain(`  weight: ${ladder[fastSteps]}\n`);
    // AND the repository is consistent and clean, no lock left behind
    execFileSync('git', ['fsck', '--no-progress'], { cwd: dir, stdio: 'pipe' });
    expect(porcelain(dir)).toBe('');
    expect(fs.existsSync(path.join(dir, '.git/index.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.git/cdk8s-canary.lock'))).toBe(false);
    // AND a move after the race works
    expect((await bin(dir, 'step', 'fast')).code).toBe(0);
  });
});
