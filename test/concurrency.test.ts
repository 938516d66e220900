import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTree } from '../lib/manifests/files';
import { cliAsync, git, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { reusedRepo } from './support/reused-repo';
import { webappSpec } from './support/project';

/**
 * Concurrency through the compiled CLI and real git: commands started at the same moment on one
 * repository, and `--push` from two clones racing for one bare remote. Each command either wins or
 * fails cleanly (exit 1, a message saying why, nothing written); no update is lost or half-applied.
 * The racing commands are compiled CLI processes; the set-up synths and the synth that checks the
 * outcome run in-process (`runCli`).
 */

const LADDER = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const spec = (name: string) => webappSpec(name, `canary:\n  version: 1.1.0\n  weight: 0\nsteps: [${LADDER.join(', ')}]\n`);
const BUSY = /^error: another cdk8s-canary move is running in this repository|^error: another git process is using the repository/;

/** Weight of a release in its spec file. */
const weightOf = (root: string, name: string) => Number(/^ {2}weight: (\d+)$/m.exec(fs.readFileSync(path.join(root, `releases/${name}.yaml`), 'utf8'))?.[1]);

/** The repository is sound: fsck passes, nothing uncommitted, no lock or journal left, dist/ is what the specs synthesize. */
async function assertSound(root: string): Promise<void> {
  git(root, 'fsck', '--no-progress');
  expect(git(root, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  for (const f of ['.git/cdk8s-canary.lock', '.git/index.lock', '.git/cdk8s-canary/move.json']) expect(fs.existsSync(path.join(root, f))).toBe(false);
  const committed = readTree(path.join(root, 'dist'));
  expect((await runCli(root, ['synth'])).status).toBe(0);
  expect(readTree(path.join(root, 'dist'))).toEqual(committed);
}

describe('concurrent commands on one repository', () => {
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  beforeAll(async () => {
    base = tempRepo({ 'releases/shop.yaml': spec('shop'), 'releases/blog.yaml': spec('blog') });
    expect((await runCli(base.root, ['synth'])).status).toBe(0);
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    repo = reusedRepo(base.root);
  });
  afterAll(() => repo.cleanup());

  test('three steps of one release at once: each wins or fails cleanly, and the ladder is walked without gap or repeat', async () => {
    for (let round = 0; round < 3; round++) {
      repo.reset();
      const start = git(repo.root, 'rev-parse', 'HEAD').trim();
      // WHEN three `step shop` start together
      const runs = await Promise.all([0, 1, 2].map(() => cliAsync(repo.root, ['step', 'shop'])));
      // THEN each one succeeded or failed cleanly because another held the repository
      for (const r of runs) if (r.code !== 0) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(BUSY) });
      const ok = runs.filter((r) => r.code === 0).length;
      expect(ok).toBeGreaterThanOrEqual(1);
      // AND there is one commit per success, walking the ladder 0 -> 10 -> 20 ... in order
      const subjects = git(repo.root, 'log', '--format=%s', `${start}..HEAD`).trim().split('\n').filter(Boolean).reverse();
      expect(subjects).toEqual(LADDER.slice(0, ok).map((w, i) => `shop: canary 1.1.0 ${w}% -> ${LADDER[i + 1]}%`));
      expect(weightOf(repo.root, 'shop')).toBe(LADDER[ok]);
      await assertSound(repo.root);
    }
  });

  test('a step and a full synth at once: one waits for nothing, the other fails cleanly or runs after', async () => {
    for (let round = 0; round < 3; round++) {
      repo.reset();
      const [step, synth] = await Promise.all([cliAsync(repo.root, ['step', 'blog']), cliAsync(repo.root, ['synth'])]);
      for (const r of [step, synth]) if (r.code !== 0) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(BUSY) });
      expect(step.code === 0 || synth.code === 0).toBe(true);
      expect(weightOf(repo.root, 'blog')).toBe(step.code === 0 ? 10 : 0);
      await assertSound(repo.root);
    }
  });

  test('steps of two different releases at once: no update is lost (each commit holds its own release only)', async () => {
    repo.reset();
    const start = git(repo.root, 'rev-parse', 'HEAD').trim();
    const [a, b] = await Promise.all([cliAsync(repo.root, ['step', 'shop']), cliAsync(repo.root, ['step', 'blog'])]);
    for (const r of [a, b]) if (r.code !== 0) expect(r.stderr).toMatch(BUSY);
    for (const sha of git(repo.root, 'rev-list', `${start}..HEAD`).trim().split('\n').filter(Boolean)) {
      const files = git(repo.root, 'show', '--name-only', '--format=', sha).trim().split('\n');
      const release = files[0].startsWith('dist/') ? files[0].split('/')[1] : path.basename(files[0], '.yaml');
      expect(files.every((f) => f === `releases/${release}.yaml` || f.startsWith(`dist/${release}/`))).toBe(true);
    }
    expect(weightOf(repo.root, 'shop')).toBe(a.code === 0 ? 10 : 0);
    expect(weightOf(repo.root, 'blog')).toBe(b.code === 0 ? 10 : 0);
    await assertSound(repo.root);
  });
});

describe('two --push against one bare remote (real git)', () => {
  let dirs: string[] = [];
  afterEach(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); dirs = []; });
  // the base project, synthesized and committed once; each round gets its own remote of it
  let work: ReturnType<typeof tempRepo>;
  beforeAll(async () => {
    work = tempRepo({ 'releases/shop.yaml': spec('shop'), 'releases/blog.yaml': spec('blog') });
    expect((await runCli(work.root, ['synth'])).status).toBe(0);
    git(work.root, 'add', '-A');
    git(work.root, 'commit', '-qm', 'synth');
  });
  afterAll(() => work.cleanup());

  /** A bare remote holding the base project, and two clones of it. */
  async function setup(): Promise<{ remote: string; a: string; b: string; base: string }> {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-remote-'));
    dirs.push(top);
    const remote = path.join(top, 'origin.git');
    git(top, 'clone', '-q', '--bare', work.root, remote);
    // Pushes that arrive together both pass this hook before either updates the branch, so the
    // later one loses at the ref update itself ("cannot lock ref ... but expected"), not only at
    // the usual non-fast-forward check: the hardest race for --push to notice and retry.
    fs.writeFileSync(path.join(remote, 'hooks/pre-receive'), '#!/bin/sh\ncat >/dev/null\nsleep 1\n', { mode: 0o755 });
    const clone = (n: string) => { const d = path.join(top, n); git(top, 'clone', '-q', remote, d); return d; };
    return { remote, a: clone('a'), b: clone('b'), base: git(work.root, 'rev-parse', 'HEAD').trim() };
  }

  /** The remote's main, checked out fresh. */
  function remoteView(remote: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-view-'));
    dirs.push(d);
    git(path.dirname(d), 'clone', '-q', remote, d);
    return d;
  }

  test('different releases pushed at once: both moves reach the remote, one rebuilt on the other', async () => {
    for (let round = 0; round < 2; round++) {
      const { remote, a, b, base } = await setup();
      // WHEN clone a steps shop and clone b steps blog, both with --push, at the same moment
      const [ra, rb] = await Promise.all([cliAsync(a, ['step', 'shop', '--push']), cliAsync(b, ['step', 'blog', '--push'])]);
      // THEN both succeed (the later one fetched, re-ran its move on the moved remote and pushed)
      expect({ a: ra.code, b: rb.code, errA: ra.stderr, errB: rb.stderr }).toEqual({ a: 0, b: 0, errA: expect.any(String), errB: expect.any(String) });
      // AND the remote holds both moves, each its own commit on top of the base, nothing lost
      const view = remoteView(remote);
      const subjects = git(view, 'log', '--format=%s', `${base}..HEAD`).trim().split('\n').sort();
      expect(subjects).toEqual(['blog: canary 1.1.0 0% -> 10%', 'shop: canary 1.1.0 0% -> 10%']);
      expect([weightOf(view, 'shop'), weightOf(view, 'blog')]).toEqual([10, 10]);
      await assertSound(view);
      // AND both clones are clean and at the remote's head or just behind it
      for (const c of [a, b]) expect(git(c, 'status', '--porcelain')).toBe('');
    }
  });

  test('the same release pushed at once: the remote takes exactly one step; a loser gives back cleanly', async () => {
    for (let round = 0; round < 2; round++) {
      const { remote, a, b, base } = await setup();
      const [ra, rb] = await Promise.all([cliAsync(a, ['step', 'shop', '--push']), cliAsync(b, ['step', 'shop', '--push'])]);
      const view = remoteView(remote);
      const stepped = git(view, 'rev-parse', 'HEAD').trim();
      for (const [r, dir] of [[ra, a], [rb, b]] as const) {
        if (r.code === 0) {
          // a winner is at the remote's step commit (two clones making the same move in the same
          // second make byte-identical commits: the second push then finds it already there)
          expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(stepped);
        } else {
          // THEN a loser says the release changed on the remote and its branch is back where it was
          expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/release shop changed on origin\/main .*; the move was not pushed and your branch is back at [0-9a-f]{7} as before the command/) });
          expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(base);
        }
        expect(git(dir, 'status', '--porcelain')).toBe('');
      }
      expect(ra.code === 0 || rb.code === 0).toBe(true);
      // AND the remote took exactly one step
      expect(git(view, 'log', '--format=%s', `${base}..HEAD`).trim()).toBe('shop: canary 1.1.0 0% -> 10%');
      expect(weightOf(view, 'shop')).toBe(10);
      await assertSound(view);
    }
  });
});
