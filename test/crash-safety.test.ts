import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../lib/manifests/files';
import { cli, cliAsync, crashAt, git, repoState, synthesizedRepo, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { reusedRepo } from './support/reused-repo';
import { webappSpec } from './support/project';

/**
 * Crash safety: the compiled CLI is killed with SIGKILL at named points of its writes (the
 * CDK8S_CANARY_CRASH_AT hook of lib/crash-point.ts) and at arbitrary moments; afterwards, once the
 * next command has run its recovery, dist/ is wholly the old or wholly the new output, nothing is
 * left behind, and git history and the index are untouched. The commands that are killed (and those
 * the crash hook must refuse) are compiled CLI processes; the set-ups and the commands run after a
 * kill (recovery, then the move again) run in-process (`runCli`): they are about what the command
 * does, and a Node start-up each would be most of the suite's time.
 */

// Twelve releases: every point below keeps its meaning (`write:file@12` and `write:applying@12` land in
// the middle of the files staged and renamed: two per changed release, and the added release's),
// while each synth, killed or not, has half the files of the 24 releases this suite once had.
const RELEASES = 12;

function specs(version: string, weight: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < RELEASES; i++) {
    const name = `app${String(i).padStart(3, '0')}`;
    files[`releases/${name}.yaml`] = webappSpec(name, `canary:\n  version: ${version}\n  weight: ${weight}\n`);
  }
  return files;
}

/** Hidden swap leftovers (`.dist.tmp-*`, `.app001.old-*`, ...) anywhere under the repository root. */
function leftovers(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      if (/\.(tmp|old)-\d+-/.test(e.name)) out.push(path.relative(root, path.join(d, e.name)));
      if (e.isDirectory()) walk(path.join(d, e.name));
    }
  };
  walk(root);
  return out;
}

describe('crash safety of synth (SIGKILL of the compiled CLI, real git)', () => {
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  let oldTree: Map<string, string>;
  let newTree: Map<string, string>;
  let history: string;

  beforeAll(async () => {
    // GIVEN a repository whose dist/ was synthesized from the old specs and committed ...
    base = tempRepo(specs('1.1.0', 10));
    expect((await runCli(base.root, ['synth'])).status).toBe(0);
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    oldTree = readTree(path.join(base.root, 'dist'));
    // ... and then new specs committed (a move that still needs its synth): every release changes,
    // one is removed and one added, so the new output changes, deletes and adds files
    for (const [rel, c] of Object.entries(specs('1.2.0', 50))) base.write(rel, c);
    git(base.root, 'rm', '-qf', `releases/app${String(RELEASES - 1).padStart(3, '0')}.yaml`);
    base.write('releases/zzz.yaml', webappSpec('zzz'));
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'new specs');
    history = git(base.root, 'log', '--format=%H %s');
    // (each case starts from this state: `repo.reset()`)
    repo = reusedRepo(base.root);
    // The new output, from an uninterrupted run
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    newTree = readTree(path.join(repo.root, 'dist'));
    expect(newTree).not.toEqual(oldTree);
    expect([...oldTree.keys()].some((k) => !newTree.has(k)) && [...newTree.keys()].some((k) => !oldTree.has(k))).toBe(true);
  });
  afterAll(() => repo.cleanup());

  const POINTS: readonly [string, 'old' | 'new'][] = [
    ['write:file@1', 'old'], // first changed file staged beside dist/
    [`write:file@${RELEASES}`, 'old'], // in the middle of the staging (two changed files per release, and the added one)
    ['write:before-swap', 'old'], // everything staged, nothing decided
    ['write:decided', 'new'], // commit record written, nothing applied yet: recovery applies it
    ['write:applying@1', 'new'], // deletions done, first file renamed into dist/
    [`write:applying@${RELEASES}`, 'new'], // in the middle of the renames: dist/ is mixed until recovery
    ['write:applied', 'new'], // dist/ is new, the staging folder not yet removed
  ];

  test.each(POINTS)('killed at %s: after recovery dist/ is wholly the %s output', async (point, expected) => {
    repo.reset();
    // WHEN synth is killed at the point
    const r = await cliAsync(repo.root, ['synth'], crashAt(point));
    expect(r.signal).toBe('SIGKILL');
    // THEN right after the kill dist/ is old until the commit record exists, new once it is applied,
    // and mixed only while the renames run
    const raw = readTree(path.join(repo.root, 'dist'));
    if (point.startsWith('write:applying')) {
      expect(raw).not.toEqual(oldTree);
      expect(raw).not.toEqual(newTree);
    } else {
      expect(raw).toEqual(expected === 'old' || point === 'write:decided' ? oldTree : newTree);
    }
    // and the staging folder is there beside dist/ (recovery must handle it)
    const staging = fs.readdirSync(repo.root).filter((e) => e.startsWith('.dist.tmp-'));
    expect(staging).toHaveLength(1);
    // WHEN the next command runs (even a read-only one) THEN it takes over the dead process's lock
    // and repairs dist/ to the whole old or new tree, with no leftovers
    const v = await runCli(repo.root, ['status']);
    expect({ status: v.status, stderr: v.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readTree(path.join(repo.root, 'dist'))).toEqual(expected === 'old' ? oldTree : newTree);
    expect(leftovers(repo.root)).toEqual([]);
    expect(fs.existsSync(path.join(repo.root, '.git/cdk8s-canary.lock'))).toBe(false);
    // AND history and the index are untouched: only dist/ differs from HEAD, if anything
    expect(git(repo.root, 'log', '--format=%H %s')).toBe(history);
    expect(git(repo.root, 'diff', '--cached', '--name-only')).toBe('');
    expect(git(repo.root, 'status', '--porcelain').split('\n').filter(Boolean).every((l) => / dist\//.test(l))).toBe(true);
    // AND a new synth completes the move
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    expect(readTree(path.join(repo.root, 'dist'))).toEqual(newTree);
  });

  test('an unchanged file keeps its inode and mtime; only changed, added and removed files are touched', async () => {
    repo.reset();
    // GIVEN dist/ synthesized from the new specs and committed, and one release changed again
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-qm', 'synth');
    const statOf = () => new Map([...readTree(path.join(repo.root, 'dist')).keys()].map((k) => { const st = fs.statSync(path.join(repo.root, 'dist', k)); return [k, `${st.ino}:${st.mtimeMs}`]; }));
    const before = statOf();
    repo.write('releases/app000.yaml', webappSpec('app000', 'canary:\n  version: 1.2.0\n  weight: 60\n'));
    // WHEN synth runs THEN only app000's weight-bearing file has a new inode
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    const after = statOf();
    const touched = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(touched).toEqual([expect.stringMatching(/^app000\//)]);
    expect(git(repo.root, 'status', '--porcelain').split('\n').filter(Boolean).map((l) => l.slice(3)).sort()).toEqual(['dist/' + touched[0], 'releases/app000.yaml'].sort());
  });

  test('a synth into a missing dist/ killed before its rename leaves no dist/ and no leftovers', async () => {
    repo.reset();
    fs.rmSync(path.join(repo.root, 'dist'), { recursive: true });
    const r = await cliAsync(repo.root, ['synth'], crashAt('write:before-swap'));
    expect(r.signal).toBe('SIGKILL');
    expect((await runCli(repo.root, ['status'])).status).toBe(0);
    expect(fs.existsSync(path.join(repo.root, 'dist'))).toBe(false);
    expect(leftovers(repo.root)).toEqual([]);
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    expect(readTree(path.join(repo.root, 'dist'))).toEqual(newTree);
  });

  test('killed at arbitrary moments: dist/ is always wholly old or wholly new after recovery', async () => {
    const delays = [40, 120, 200, 300, 420, 560, 750, 1000];
    const seen = new Set<string>();
    for (const ms of delays) {
      repo.reset();
      // WHEN synth is killed after `ms` milliseconds (wherever it happens to be)
      const r = await cliAsync(repo.root, ['synth'], {}, ms);
      // THEN after the next command's recovery dist/ is one of the two trees
      expect((await runCli(repo.root, ['status'])).status).toBe(0);
      const tree = readTree(path.join(repo.root, 'dist'));
      const which = tree.size === oldTree.size && [...tree].every(([k, v]) => oldTree.get(k) === v) ? 'old'
        : tree.size === newTree.size && [...tree].every(([k, v]) => newTree.get(k) === v) ? 'new' : 'mixed';
      expect({ ms, which }).toEqual({ ms, which: expect.stringMatching(/^(old|new)$/) });
      expect(leftovers(repo.root)).toEqual([]);
      seen.add(r.signal === 'SIGKILL' ? `killed-${which}` : `finished-${which}`);
    }
    // At least one run was really interrupted (the machine may be fast enough to finish some)
    expect([...seen].some((s) => s.startsWith('killed'))).toBe(true);
    // (eight kills of a synth of the whole repository, each then repaired: slow on a shared machine)
  }, 180000);
});

describe('crash safety of a move (step, SIGKILL of the compiled CLI, real git)', () => {
  const SHOP = webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 10\nsteps: [0, 10, 50, 100]\n')
    .replace('  production: shop\n', '  production: shop\n  canary: shop-canary\n');
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  let head: string;
  let before: { spec: string; dist: Map<string, string> };
  let after: { spec: string; dist: Map<string, string>; subject: string; files: string };

  const stateOf = (root: string) => ({ spec: fs.readFileSync(path.join(root, 'releases/shop.yaml'), 'utf8'), dist: readTree(path.join(root, 'dist/shop')) });

  beforeAll(async () => {
    // GIVEN a repository with shop's canary at 10% and blog, synthesized and committed
    base = tempRepo({ 'releases/shop.yaml': SHOP, 'releases/blog.yaml': webappSpec('blog') });
    expect((await runCli(base.root, ['synth'])).status).toBe(0);
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    head = git(base.root, 'rev-parse', 'HEAD').trim();
    before = stateOf(base.root);
    // (each case starts from this state: `repo.reset()`)
    repo = reusedRepo(base.root);
    // and the result of an uninterrupted `step shop` (10% -> 50%)
    const r = await runCli(repo.root, ['step', 'shop']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    after = { ...stateOf(repo.root), subject: git(repo.root, 'log', '-1', '--format=%s').trim(), files: git(repo.root, 'show', '--name-only', '--format=', 'HEAD') };
    expect(after.subject).toBe('shop: canary 1.1.0 10% -> 50%');
    expect(after.files).toMatch(/^releases\/shop\.yaml$/m);
    expect(after.files).toMatch(/^dist\/shop\//m);
  });
  afterAll(() => repo.cleanup());

  /** Asserts the repository holds either no trace of the move or the whole move as one commit; returns which. */
  function wholeOrNothing(root: string): 'old' | 'new' {
    const log = git(root, 'log', '--format=%H %s').trim().split('\n');
    expect(git(root, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(leftovers(root)).toEqual([]);
    expect(fs.existsSync(path.join(root, '.git/cdk8s-canary/move.json'))).toBe(false);
    if (log[0].startsWith(head)) {
      expect(stateOf(root)).toEqual(before);
      return 'old';
    }
    expect(log[1].startsWith(head)).toBe(true);
    expect(log[0].slice(41)).toBe(after.subject);
    expect(git(root, 'show', '--name-only', '--format=', 'HEAD')).toBe(after.files);
    expect(stateOf(root)).toEqual({ spec: after.spec, dist: after.dist });
    return 'new';
  }

  const POINTS: readonly [string, 'old' | 'new'][] = [
    ['move:spec-written', 'old'], // spec edited, dist/ not yet
    ['write:file@1', 'old'], // dist/shop's changed files being staged beside it
    ['write:decided', 'old'], // dist/shop's update decided, not applied: recovery applies it, then the move journal undoes the move
    ['write:applying@1', 'old'], // dist/shop half updated
    ['write:applied', 'old'], // spec and dist/shop both new, not committed
    ['move:dist-written', 'old'],
    ['move:before-commit', 'old'],
    ['move:committed', 'new'], // commit made, journal not yet removed
  ];

  test.each(POINTS)('killed at %s: after the next command the move is wholly undone or wholly committed (%s)', async (point, expected) => {
    repo.reset();
    // WHEN step is killed at the point
    const r = await cliAsync(repo.root, ['step', 'shop'], crashAt(point));
    expect(r.signal).toBe('SIGKILL');
    // THEN a read-only command (status) puts nothing back from git (at most it completes a cut tree swap) and says a repair is pending
    const spec = repoState(repo.root).files['releases/shop.yaml'];
    const s = await runCli(repo.root, ['status', 'shop']);
    expect({ status: s.status, stderr: s.stderr }).toEqual({ status: 0, stderr: expect.stringMatching(/^note: an interrupted move of shop \("shop: canary 1\.1\.0 10% -> 50%"\) is not repaired yet; this command changes no file/) });
    expect(repoState(repo.root).files['releases/shop.yaml']).toBe(spec);
    expect(fs.existsSync(path.join(repo.root, '.git/cdk8s-canary/move.json'))).toBe(true);
    // AND the next writing command (synth) repairs what the kill left and says so
    const w = await runCli(repo.root, ['synth']);
    expect(w.status).toBe(0);
    if (expected === 'old') expect(w.stderr).toMatch(/^repaired an interrupted move of shop \("shop: canary 1\.1\.0 10% -> 50%", pid \d+, no longer running, since .*\): it was killed before its commit, so releases\/shop\.yaml and dist\/shop are back as in [0-9a-f]{7} \(the \d+ file\(s\) it had written; nothing else was touched\); run the move again$/m);
    else expect(w.stderr).toBe('');
    // AND the repository holds no half-made move: nothing of it, or all of it in one commit
    expect(wholeOrNothing(repo.root)).toBe(expected);
    expect(fs.existsSync(path.join(repo.root, '.git/cdk8s-canary.lock'))).toBe(false);
    // AND the move can be made (again, or the next one)
    expect((await runCli(repo.root, ['step', 'shop'])).status).toBe(0);
  });

  test('killed at arbitrary moments: the move is always wholly undone or wholly committed', async () => {
    const seen: string[] = [];
    for (const ms of [60, 150, 250, 350, 500, 700, 900]) {
      repo.reset();
      const r = await cliAsync(repo.root, ['step', 'shop'], {}, ms);
      // a git child of the killed process may still be finishing its commit: let it
      await new Promise((res) => setTimeout(res, 300));
      for (let i = 0; i < 20 && fs.existsSync(path.join(repo.root, '.git/index.lock')); i++) await new Promise((res) => setTimeout(res, 100));
      const s = await runCli(repo.root, ['synth']);
      expect({ ms, status: s.status, stderr: s.stderr }).toEqual({ ms, status: 0, stderr: expect.stringMatching(/^(|repaired an interrupted move .*\n)$/) });
      seen.push(`${r.signal ?? 'exit'}:${wholeOrNothing(repo.root)}`);
    }
    expect(seen.some((x) => x.startsWith('SIGKILL'))).toBe(true);
  });
});

describe('crash safety of a release group move (next, SIGKILL)', () => {
  const GROUP = fs.readFileSync(path.join(__dirname, '..', 'releases', 'frontend-backend.yaml'), 'utf8');
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  let head: string;
  beforeAll(async () => {
    base = tempRepo({ 'releases/frontend-backend.yaml': GROUP });
    expect((await runCli(base.root, ['synth'])).status).toBe(0);
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    head = git(base.root, 'rev-parse', 'HEAD').trim();
    repo = reusedRepo(base.root);
  });
  afterAll(() => repo.cleanup());

  test.each([['move:spec-written', 'old'], ['move:dist-written', 'old'], ['move:committed', 'new']] as const)('killed at %s: the stage move is wholly undone or wholly committed (%s)', async (point, expected) => {
    repo.reset();
    const before = readTree(path.join(repo.root, 'dist/frontend-backend'));
    const r = await cliAsync(repo.root, ['next', 'frontend-backend'], crashAt(point));
    expect(r.signal).toBe('SIGKILL');
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    expect(git(repo.root, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(leftovers(repo.root)).toEqual([]);
    const commits = git(repo.root, 'rev-list', `${head}..HEAD`).trim().split('\n').filter(Boolean);
    expect(commits).toHaveLength(expected === 'old' ? 0 : 1);
    if (expected === 'old') expect(readTree(path.join(repo.root, 'dist/frontend-backend'))).toEqual(before);
    else {
      const files = git(repo.root, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n');
      expect(files).toContain('releases/frontend-backend.yaml');
      expect(files.filter((f) => f !== 'releases/frontend-backend.yaml').every((f) => f.startsWith('dist/frontend-backend/'))).toBe(true);
      expect(files.length).toBeGreaterThan(1);
    }
  });
});

describe('the crash hook cannot be triggered by accident', () => {
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  beforeAll(() => {
    base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 10\n') });
    repo = reusedRepo(base.root);
  });
  afterAll(() => repo.cleanup());

  test.each([
    ['CDK8S_CANARY_CRASH_AT alone', { CDK8S_CANARY_CRASH_AT: 'move:spec-written' }, /^error: CDK8S_CANARY_CRASH_AT is set \(got "move:spec-written"\) but it is a test hook that kills this process mid-write; unset it/],
    ['a wrong arming value', { CDK8S_CANARY_CRASH_AT: 'move:spec-written', CDK8S_CANARY_TEST_HOOKS: '1' }, /^error: CDK8S_CANARY_CRASH_AT is set .* test hook/],
    ['an unknown point', { ...crashAt('move:spec-writen') }, /^error: CDK8S_CANARY_CRASH_AT names no crash point \(got "move:spec-writen"\); use <point> or <point>@<n> with a point of move:spec-written, write:file, /],
    ['a count of 0', { ...crashAt('write:file@0') }, /^error: CDK8S_CANARY_CRASH_AT counts from 1 \(got "write:file@0"\)/],
  ] as const)('fails a command run with %s: exit 2, nothing written, no commit', (_what, env, message) => {
    repo.reset();
    const before = { log: git(repo.root, 'log', '--format=%H'), dist: readTree(path.join(repo.root, 'dist')), spec: fs.readFileSync(path.join(repo.root, 'releases/shop.yaml'), 'utf8') };
    // WHEN a move and a synth run with the hook's variable set wrongly
    for (const args of [['step', 'shop'], ['synth']]) {
      const r = cli(repo.root, args, env);
      // THEN each is refused before it does anything
      expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 2, signal: null, stderr: expect.stringMatching(message) });
    }
    expect({ log: git(repo.root, 'log', '--format=%H'), dist: readTree(path.join(repo.root, 'dist')), spec: fs.readFileSync(path.join(repo.root, 'releases/shop.yaml'), 'utf8') }).toEqual(before);
    expect(git(repo.root, 'status', '--porcelain')).toBe('');
  });
});
