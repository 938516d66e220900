import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectPaths, renderProject, loadProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { cli } from './support/cli';
import { changedFiles, changedLines, cleanupTempDirs, git, log, porcelain, projectRepo, ProjectRepoOptions, tempDir, writeFiles } from './support/git-repo';
import { validateTree } from './support/kube-schemas';
import { webappSpec } from './support/project';
import { specText } from './support/specs';

afterAll(cleanupTempDirs);

/** `projectRepo(options)` built once per options and copied per call (a copy has the same history and commit ids). */
const prepared = new Map<string, string>();
function preparedRepo(options: ProjectRepoOptions = {}): string {
  const key = JSON.stringify(options);
  let from = prepared.get(key);
  if (!from || !fs.existsSync(from)) {
    from = projectRepo(options);
    prepared.set(key, from);
  }
  const dir = tempDir('cdk8s-canary-repo-');
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

/** A cross-namespace release on a finer weight total, written only for these tests. */
const SHOP = webappSpec('shop', '', {
  comment: 'shop: canary in its own namespace, weights in tenths of a percent',
  canaryNamespace: 'shop-canary   # separate namespace: a ReferenceGrant appears while a canary runs',
  stable: '"2.0"',
  weightTotal: 1000,
  steps: '\n  - 0\n  - 5          # 0.5%\n  - weight: 250\n    minSoak: 1h\n  - 1000',
});

interface StatusJson {
  releases: { name: string; router: string; stable: { version: string }; canary: { version: string; weight: number } | null; step: { index: number; of: number } | null; next: { move: string; weight?: number }; soak: { minSeconds: number; remainingSeconds?: number } | null }[];
}

async function statusOf(dir: string, name: string): Promise<StatusJson['releases'][number]> {
  const r = await cli(dir, 'status', name, '--json');
  expect(r.code).toBe(0);
  const j = JSON.parse(r.out) as StatusJson;
  expect(j.releases).toHaveLength(1);
  return j.releases[0];
}

/** dist/ of a repository equals a fresh synthesis of its specs (nothing stale, nothing extra). */
function expectDistMatchesSpecs(dir: string): void {
  const fresh = renderProject(loadProject(projectPaths(dir)));
  expect([...readTree(path.join(dir, 'dist'))]).toEqual([...fresh].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * `git status` (untracked files listed one by one) and HEAD in one git call: porcelain v2 with its
 * branch header, which names HEAD's commit (so the whole history behind it) and the branch.
 */
const statusAndHead = (dir: string) => git(dir, 'status', '--porcelain=v2', '--branch', '--untracked-files=all');

/** Runs a refused command and checks it changed neither files nor history. */
async function expectRefused(dir: string, args: string[], code: number, message: RegExp | string): Promise<void> {
  const status = statusAndHead(dir);
  const dist = readTree(path.join(dir, 'dist'));
  const specs = readTree(path.join(dir, 'releases'));
  const r = await cli(dir, ...args);
  expect(r.code).toBe(code);
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
  expect(statusAndHead(dir)).toBe(status);
  expect(readTree(path.join(dir, 'dist'))).toEqual(dist);
  expect(readTree(path.join(dir, 'releases'))).toEqual(specs);
}

describe('rollout CLI: every move is exactly one commit (real git, Gateway API release webapp)', () => {
  /** Copies of the walk's repository after its first moves (1: start 1.1.0; 2: then a step to 10%), taken once the walk had checked them. */
  const walked = new Map<number, string>();
  /** GIVEN webapp after the walk's first `n` moves: a copy of the walk's state, or those moves made here (each exiting 0) when the walk did not run. */
  async function afterWalk(n: 1 | 2): Promise<string> {
    const from = walked.get(n);
    if (from) {
      const dir = tempDir('cdk8s-canary-repo-');
      fs.cpSync(from, dir, { recursive: true });
      return dir;
    }
    const dir = preparedRepo();
    expect((await cli(dir, 'start', 'webapp', '--version', '1.1.0')).code).toBe(0);
    if (n === 2) expect((await cli(dir, 'step', 'webapp')).code).toBe(0);
    return dir;
  }

  test('start, step, step, step, promote: one commit each, status --json tracks every move, dist/ always matches the spec', async () => {
    // GIVEN a repository with the project's webapp release (ladder [0, 10, 50, 100]) committed
    const dir = preparedRepo();
    expect(await statusOf(dir, 'webapp')).toMatchObject({ name: 'webapp', router: 'gatewayApi', stable: { version: '1.0.0' }, canary: null, step: null, next: { move: 'start', weight: 0 } });
    const expected: [string[], string, object][] = [
      [['start', 'webapp', '--version', '1.1.0'], 'webapp: start canary 1.1.0 at 0%', { canary: { version: '1.1.0', weight: 0 }, step: { index: 1, of: 4 }, next: { move: 'step', weight: 10 } }],
      [['step', 'webapp'], 'webapp: canary 1.1.0 0% -> 10%', { canary: { version: '1.1.0', weight: 10 }, step: { index: 2, of: 4 }, next: { move: 'step', weight: 50 } }],
      [['step', 'webapp'], 'webapp: canary 1.1.0 10% -> 50%', { canary: { version: '1.1.0', weight: 50 }, step: { index: 3, of: 4 } }],
      [['step', 'webapp'], 'webapp: canary 1.1.0 50% -> 100%', { canary: { version: '1.1.0', weight: 100 }, step: { index: 4, of: 4 }, next: { move: 'promote' } }],
      [['promote', 'webapp'], 'webapp: promote 1.1.0 to stable (was 1.0.0)', { stable: { version: '1.1.0' }, canary: null, step: null, next: { move: 'start' } }],
    ];
    // the history as commit ids, and the subject of the last commit (one git log)
    const history = () => {
      const lines = git(dir, 'log', '--format=%H %s').trim().split('\n');
      return { ids: lines.map((l) => l.slice(0, l.indexOf(' '))), subject: lines[0].slice(lines[0].indexOf(' ') + 1) };
    };
    let before = history().ids;
    for (const [i, [args, subject, status]] of expected.entries()) {
      // WHEN the move runs
      const r = await cli(dir, ...args);
      // THEN it succeeds with exactly one new commit, the tree is clean, and status shows the new state
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      expect(r.out).toContain(subject);
      const after = history();
      expect(after.ids).toEqual([expect.any(String), ...before]);
      expect(after.subject).toBe(subject);
      before = after.ids;
      expect(porcelain(dir)).toBe('');
      expect(await statusOf(dir, 'webapp')).toMatchObject(status);
      expectDistMatchesSpecs(dir);
      // AND every object in dist/ passes the upstream schemas
      expect(validateTree(path.join(dir, 'dist')).problems).toEqual([]);
      if (i < 2) {
        const copy = tempDir('cdk8s-canary-walked-');
        fs.cpSync(dir, copy, { recursive: true });
        walked.set(i + 1, copy);
      }
    }
    // AND the step after the last weight is refused, naming promote
    const trailers = git(dir, 'log', '-1', '--format=%(trailers:only,unfold)', 'HEAD~1');
    expect(trailers).toBe('Release: webapp\nMove: step\nCanary-Version: 1.1.0\nCanary-Weight: 100\nStep: 4/4\n\n');
  });

  test('a step commit changes one spec line and only weight lines in dist/; git revert restores dist/ byte for byte', async () => {
    // GIVEN webapp's canary at 10%
    const dir = await afterWalk(2);
    const distBefore = readTree(path.join(dir, 'dist'));
    const specBefore = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'));
    // WHEN it steps to 50%
    expect((await cli(dir, 'step', 'webapp')).code).toBe(0);
    // THEN the commit touches the spec and the HTTPRoute only
    expect(changedFiles(dir).sort()).toEqual(['M dist/webapp/webapp/httproute-webapp.yaml', 'M releases/webapp.yaml']);
    expect(changedLines(dir, 'HEAD', 'releases')).toEqual(['-  weight: 10', '+  weight: 50']);
    expect(changedLines(dir, 'HEAD', 'dist')).toEqual(['-          weight: 90', '+          weight: 50', '-          weight: 10', '+          weight: 50']);
    // WHEN the step is reverted with git
    git(dir, 'revert', '--no-edit', 'HEAD');
    // THEN dist/ and the spec are byte for byte what they were
    expect(readTree(path.join(dir, 'dist'))).toEqual(distBefore);
    expect(fs.readFileSync(path.join(dir, 'releases/webapp.yaml')).equals(specBefore)).toBe(true);
    expect((await statusOf(dir, 'webapp')).canary).toEqual({ version: '1.1.0', image: 'ghcr.io/example/webapp:1.1.0', weight: 10, percent: '10%' });
  });

  test('start then abort gives back the spec and dist/ byte for byte; abort is one commit', async () => {
    const dir = preparedRepo();
    const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
    const dist = readTree(path.join(dir, 'dist'));
    expect((await cli(dir, 'start', 'webapp', '--version', '1.1.0', '--image', 'ghcr.io/example/webapp@sha256:' + 'b'.repeat(64))).code).toBe(0);
    // the canary's Deployment and Service appear
    expect(changedFiles(dir).sort()).toEqual([
      'A dist/webapp/webapp-canary/deployment-webapp-canary.yaml', 'A dist/webapp/webapp-canary/service-webapp-canary.yaml',
      'M dist/webapp/webapp-canary/kustomization.yaml', 'M dist/webapp/webapp/httproute-webapp.yaml', 'M releases/webapp.yaml',
    ]);
    expect(fs.readFileSync(path.join(dir, 'dist/webapp/webapp-canary/deployment-webapp-canary.yaml'), 'utf8')).toContain(`image: ghcr.io/example/webapp@sha256:${'b'.repeat(64)}`);
    expect((await cli(dir, 'step', 'webapp')).code).toBe(0);
    const r = await cli(dir, 'abort', 'webapp');
    expect(r.out).toContain('webapp: abort canary 1.1.0 at 10%, traffic back to 1.0.0');
    expect(fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8')).toBe(spec);
    expect(readTree(path.join(dir, 'dist'))).toEqual(dist);
    expect(log(dir)).toHaveLength(4);
  });

  test('set-weight holds anywhere; step continues from the next ladder weight above it; the same weight is a no-op without a commit', async () => {
    const dir = await afterWalk(1);
    const r = await cli(dir, 'set-weight', 'webapp', '30', '--message', 'hold at 30 while the cache warms');
    expect(r.code).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%B')).toBe('webapp: canary 1.1.0 0% -> 30%\n\nhold at 30 while the cache warms\n\nRelease: webapp\nMove: set-weight\nCanary-Version: 1.1.0\nCanary-Weight: 30\nStep: 2/4\n\n');
    // WHEN set to the same weight THEN exit 0, says so, no commit
    const history = log(dir);
    const same = await cli(dir, 'set-weight', 'webapp', '30');
    expect(same).toEqual({ code: 0, out: 'nothing to do: canary 1.1.0 of webapp is already at 30%; no commit made', err: '' });
    expect(log(dir)).toEqual(history);
    // AND step goes to 50, the next rung above 30
    expect((await cli(dir, 'step', 'webapp')).out).toContain('webapp: canary 1.1.0 30% -> 50%');
  });

  test('status prints router, versions, weight, ladder position and the next move', async () => {
    // GIVEN webapp held off the ladder at 30% and a second release without a canary
    const dir = preparedRepo({ specs: { other: specText('other', '') } });
    await cli(dir, 'start', 'webapp', '--version', '1.1.0');
    await cli(dir, 'set-weight', 'webapp', '30');
    // WHEN status runs THEN each release gets its block
    const r = await cli(dir, 'status');
    expect(r.code).toBe(0);
    expect(r.out).toContain('webapp (gatewayApi, releases/webapp.yaml)\n  stable  1.0.0  ghcr.io/example/webapp:1.0.0\n  canary  1.1.0 at 30%  ghcr.io/example/webapp:1.1.0\n  ladder  0% 10% 50% 100%  (off the ladder, after step 2/4)\n  next    step -> 50%: `npx cdk8s-canary step webapp`');
    expect(r.out).toContain('other (gatewayApi, releases/other.yaml)\n  stable  1.0.0  ghcr.io/example/other:1.0.0\n  canary  none\n  ladder  0% 25% 100%\n  next    start a canary at 0%: `npx cdk8s-canary start other --version VERSION`');
    expect(r.out).toMatchSnapshot();
    expect(JSON.parse((await cli(dir, 'status', '--json')).out)).toMatchSnapshot();
  });

  test('--no-commit edits the spec and dist/ only; --dry-run prints the diff and changes nothing', async () => {
    const dir = await afterWalk(1);
    const history = log(dir);
    // WHEN dry-run THEN the diff of the spec and the HTTPRoute is printed and nothing changed
    const dry = await cli(dir, 'step', 'webapp', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('--- a/releases/webapp.yaml\n+++ b/releases/webapp.yaml\n@@ -24,7 +24,7 @@\n   version: 1.0.0\n canary:\n   version: 1.1.0\n-  weight: 0\n+  weight: 10\n');
    expect(dry.out).toContain('+++ b/dist/webapp/webapp/httproute-webapp.yaml');
    expect(dry.out).toContain('dry run: would commit "webapp: canary 1.1.0 0% -> 10%" changing 2 file(s); nothing was written');
    expect(dry.out).toMatchSnapshot();
    expect(porcelain(dir)).toBe('');
    expect(log(dir)).toEqual(history);
    // WHEN --no-commit THEN exactly the two files are modified, not committed
    const nc = await cli(dir, 'step', 'webapp', '--no-commit');
    expect(nc.code).toBe(0);
    expect(porcelain(dir)).toBe(' M dist/webapp/webapp/httproute-webapp.yaml\n M releases/webapp.yaml\n');
    expect(log(dir)).toEqual(history);
    // AND the dry-run diff is what git sees
    expect(git(dir, 'diff', '--no-color', '--', 'releases')).toContain('-  weight: 0\n+  weight: 10\n');
  });

  test('a temporary cross-namespace release with weights out of 1000: steps change only weight lines, the soak is enforced from git', async () => {
    // GIVEN webapp and shop (canary namespace shop-canary, ladder 0, 5, 250 with a 1h soak, 1000)
    const dir = preparedRepo({ specs: { shop: SHOP } });
    expect((await cli(dir, 'start', 'shop', '--version', '2.1')).code).toBe(0);
    // the version that reads as a number is quoted in the spec; the ReferenceGrant appears in shop-canary
    expect(fs.readFileSync(path.join(dir, 'releases/shop.yaml'), 'utf8')).toContain('stable:\n  version: "2.0"\ncanary:\n  version: "2.1"\n  weight: 0\nweightTotal: 1000\n');
    expect(changedFiles(dir)).toContain('A dist/shop/shop-canary/referencegrant-shop-to-shop-canary.yaml');
    expect(validateTree(path.join(dir, 'dist')).problems).toEqual([]);
    expect((await cli(dir, 'step', 'shop')).out).toContain('shop: canary 2.1 0% -> 0.5%');
    expect(changedLines(dir, 'HEAD', 'dist')).toEqual(['-          weight: 1000', '+          weight: 995', '-          weight: 0', '+          weight: 5']);
    // WHEN it enters the 25% step with its 1h soak (the commit dated 20 minutes ago)
    process.env.GIT_COMMITTER_DATE = new Date(Date.now() - 20 * 60 * 1000).toISOString();
    try {
      expect((await cli(dir, 'step', 'shop')).code).toBe(0);
    } finally {
      delete process.env.GIT_COMMITTER_DATE;
    }
    expect(changedLines(dir, 'HEAD', 'releases')).toEqual(['-  weight: 5', '+  weight: 250']);
    // THEN status shows the soak, and step is refused with the time left
    expect((await statusOf(dir, 'shop')).soak).toMatchObject({ minSeconds: 3600, remainingSeconds: expect.any(Number) });
    await expectRefused(dir, ['step', 'shop'], 2, /canary 2\.1 of shop has soaked 2\dm( \d+s)? of its minimum 1h at 25% \(step 3\/4\) since [0-9a-f]{7} "shop: canary 2\.1 0\.5% -> 25%"; [34]\dm( \d+s)? left: wait, or pass --force to move on now/);
    await expectRefused(dir, ['promote', 'shop'], 2, /left: wait, or pass --force/);
    // AND --force moves on, recording the override in a trailer
    const forced = await cli(dir, 'step', 'shop', '--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/^warning: leaving 25% \(step 3\/4\) with \d+m( \d+s)? of its 1h soak left \(--force\)$/);
    expect(git(dir, 'log', '-1', '--format=%(trailers:key=Soak-Override,valueonly)')).toMatch(/^\d+m( \d+s)? of 1h left\n/);
    expect((await cli(dir, 'promote', 'shop')).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'releases/shop.yaml'), 'utf8')).toContain('stable:\n  version: "2.1"\nweightTotal: 1000\n');
    expect(readTree(path.join(dir, 'dist/shop/shop-canary')).size).toBeGreaterThan(0);
    expectDistMatchesSpecs(dir);
  });

  test('a soak is over once its time has passed since the entering commit', async () => {
    const dir = preparedRepo({ specs: { shop: SHOP } });
    await cli(dir, 'start', 'shop', '--version', '2.1');
    await cli(dir, 'step', 'shop');
    process.env.GIT_COMMITTER_DATE = new Date(Date.now() - 2 * 3600 * 1000).toISOString();
    try { await cli(dir, 'step', 'shop'); } finally { delete process.env.GIT_COMMITTER_DATE; }
    // a later commit that touches other lines of the spec does not restart the soak
    const text = fs.readFileSync(path.join(dir, 'releases/shop.yaml'), 'utf8').replace('# shop: canary', '# shop (edited): canary');
    writeFiles(dir, { 'releases/shop.yaml': text });
    git(dir, 'commit', '-q', '-am', 'comment only');
    expect((await statusOf(dir, 'shop')).soak).toMatchObject({ minSeconds: 3600, remainingSeconds: 0 });
    const r = await cli(dir, 'step', 'shop');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('shop: canary 2.1 25% -> 100%');
  });
});

describe('rollout CLI refusals leave files, git status and git log unchanged', () => {
  let dir: string;
  beforeAll(async () => {
    dir = preparedRepo({ specs: { other: specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') } });
  });

  test('fails set-weight above the total, naming the value and range', async () => {
    await expectRefused(dir, ['set-weight', 'other', '150'], 2, 'error: weight must be a whole number from 0 to 100 (got "150"); pass the canary\'s share of traffic out of 100');
  });

  test('fails step, set-weight, promote and abort with no canary', async () => {
    await expectRefused(dir, ['step', 'webapp'], 2, 'error: release webapp has no canary running, so there is nothing to step; start one first: `npx cdk8s-canary start webapp --version VERSION`');
    await expectRefused(dir, ['promote', 'webapp'], 2, 'nothing to promote');
    await expectRefused(dir, ['abort', 'webapp'], 2, 'nothing to abort');
    await expectRefused(dir, ['set-weight', 'webapp', '5'], 2, 'nothing to set the weight of');
  });

  test('fails start while a canary runs, and start without --version', async () => {
    await expectRefused(dir, ['start', 'other', '--version', '2.0.0'], 2, 'error: release other already runs canary 1.1.0 at 25%; promote or abort it first');
    await expectRefused(dir, ['start', 'webapp'], 2, "error: start needs the version the canary runs: `npx cdk8s-canary start webapp --version VERSION`");
  });

  test('fails for an unknown release', async () => {
    await expectRefused(dir, ['step', 'guestbook'], 2, "error: unknown release 'guestbook'; releases: other, webapp (see `npx cdk8s-canary status`)");
    await expectRefused(dir, ['status', 'guestbook'], 2, "unknown release or group 'guestbook'");
  });

  test('fails a version the schema refuses, naming --version, before writing anything', async () => {
    await expectRefused(dir, ['start', 'webapp', '--version', 'bad tag!'], 2, /^error: --version: has an invalid format \(got "bad tag!"\); use a valid image tag/);
  });

  test('fails with uncommitted changes in the spec file or in dist/<release>', async () => {
    const spec = path.join(dir, 'releases/other.yaml');
    const original = fs.readFileSync(spec, 'utf8');
    fs.writeFileSync(spec, `${original}# a local note\n`);
    try {
      await expectRefused(dir, ['step', 'other'], 2, 'error: uncommitted changes in the paths this move would touch: releases/other.yaml (modified); commit them, or stash them first: `git stash push -- releases/other.yaml`');
    } finally {
      fs.writeFileSync(spec, original);
    }
    writeFiles(dir, { 'dist/other/other/extra.yaml': 'x: 1\n' });
    try {
      await expectRefused(dir, ['step', 'other'], 2, 'dist/other/other/extra.yaml (untracked)');
    } finally {
      fs.rmSync(path.join(dir, 'dist/other/other/extra.yaml'));
    }
    // changes elsewhere do not block a move of this release
    expect(porcelain(dir)).toBe('');
  });

  test('fails when dist/<release> is stale against its committed spec', async () => {
    const f = path.join(dir, 'dist/other/other/httproute-other.yaml');
    const original = fs.readFileSync(f, 'utf8');
    fs.writeFileSync(f, original.replace('weight: 75', 'weight: 70'));
    git(dir, 'commit', '-q', '-am', 'hand edit of dist');
    try {
      await expectRefused(dir, ['step', 'other'], 2, 'error: dist/other is not what releases/other.yaml synthesizes (1 file(s) differ: other/httproute-other.yaml); run `npx cdk8s-canary synth` and commit dist/ first');
    } finally {
      git(dir, 'revert', '--no-edit', 'HEAD');
    }
  });

  test('fails when the moved spec is invalid, with its position', async () => {
    writeFiles(dir, { 'releases/broken.yaml': specText('broken', 'steps: [0, 50, 25]\n') });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'broken spec');
    try {
      await expectRefused(dir, ['step', 'broken'], 2, /releases\/broken\.yaml:\d+:\d+: steps\[2\]: steps must increase strictly \(previous step is 50\) \(got 25\); use a weight above 50/);
    } finally {
      git(dir, 'rm', '-q', 'releases/broken.yaml');
      git(dir, 'commit', '-q', '-m', 'drop broken');
    }
  });

  test('fails on a detached HEAD', async () => {
    git(dir, 'checkout', '-q', '--detach');
    try {
      await expectRefused(dir, ['step', 'other'], 2, /error: HEAD is detached at [0-9a-f]{7}; every move is a commit on a branch: check one out first \(`git switch main`\)/);
    } finally {
      git(dir, 'checkout', '-q', 'main');
    }
  });

  test('fails in a repository without a commit', async () => {
    const d = require('./support/git-repo').initRepo(require('./support/git-repo').tempDir()) as string;
    writeFiles(d, { 'releases/other.yaml': specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') });
    const r = await cli(d, 'step', 'other');
    expect(r).toMatchObject({ code: 2, err: 'error: branch main has no commit yet; commit releases/ and dist/ first (`git add releases dist && git commit -m "first releases"`; run `npx cdk8s-canary synth` first if dist/ is missing)' });
    expect(git(d, 'status', '--porcelain')).toBe('?? releases/\n');
  });

  test('fails outside a git repository', async () => {
    const plain = fs.mkdtempSync(path.join(require('os').tmpdir(), 'cdk8s-canary-plain-'));
    writeFiles(plain, { 'releases/other.yaml': specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') });
    try {
      const r = await cli(plain, 'step', 'other');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/is not inside a git repository; run `git init` there/);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });

  test('fails while git holds index.lock or another move holds the repository lock (exit 1)', async () => {
    const lock = path.join(dir, '.git/index.lock');
    fs.writeFileSync(lock, '');
    try {
      await expectRefused(dir, ['step', 'other'], 1, /error: another git process is using the repository \(.*\.git\/index\.lock exists\); wait for it to finish and retry/);
    } finally {
      fs.rmSync(lock);
    }
    const own = path.join(dir, '.git/cdk8s-canary.lock');
    fs.writeFileSync(own, JSON.stringify({ pid: process.pid, host: require('os').hostname(), since: 'now' }));
    try {
      await expectRefused(dir, ['step', 'other'], 1, `error: another cdk8s-canary move is running in this repository (pid ${process.pid}`);
    } finally {
      fs.rmSync(own);
    }
  });

  test('fails --push together with --no-commit', async () => {
    await expectRefused(dir, ['step', 'other', '--push', '--no-commit'], 2, 'error: --push needs a commit; drop --no-commit or --push');
  });

  test('fails a commit without a git identity: the files and the index are restored', async () => {
    const d = preparedRepo();
    git(d, 'config', 'user.email', '');
    git(d, 'config', 'user.name', '');
    const env = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.HOME = d; // no global identity either
    process.env.XDG_CONFIG_HOME = d;
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    try {
      await expectRefused(d, ['start', 'webapp', '--version', '1.1.0'], 1, /error: git commit failed: .*(identity|email|name)/i);
    } finally {
      for (const [k, v] of Object.entries(env)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    }
  });
});

describe('rollout CLI --push against a bare remote', () => {
  test('the remote moved (another release): fetch, re-run the move on the new head, push; no force', async () => {
    // GIVEN clone A and clone B of one remote, both with webapp and other
    const a = preparedRepo({ specs: { other: specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') } });
    const { remote, clone } = require('./support/git-repo').withRemote(a) as ReturnType<typeof import('./support/git-repo').withRemote>;
    const b = clone();
    // AND B starts webapp's canary and pushes first
    expect((await cli(b, 'start', 'webapp', '--version', '1.1.0', '--push')).code).toBe(0);
    const theirs = log(b)[0];
    // WHEN A (which has not fetched) steps other with --push
    const r = await cli(a, 'step', 'other', '--push');
    // THEN the first push was rejected, the move was rebuilt on B's commit and pushed
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^origin\/main moved \(.*\); fetching and re-running the move on it \(attempt 2\/3\)$/);
    expect(r.out).toContain('pushed to origin/main');
    const remoteLog = git(a, 'log', '--format=%s', 'origin/main').trim().split('\n');
    expect(remoteLog.slice(0, 3)).toEqual(['other: canary 1.1.0 25% -> 100%', 'webapp: start canary 1.1.0 at 0%', 'initial releases']);
    expect(git(a, 'rev-parse', 'HEAD~1').trim()).toBe(theirs);
    expect(git(a, 'ls-remote', remote, 'refs/heads/main').split('\t')[0]).toBe(log(a)[0]);
    expect(porcelain(a)).toBe('');
    expectDistMatchesSpecs(a);
  });

  test('the remote moved and the branch has other unpushed commits: they are rebased, the move re-run and pushed', async () => {
    const a = preparedRepo({ specs: { other: specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') } });
    const { clone } = require('./support/git-repo').withRemote(a) as ReturnType<typeof import('./support/git-repo').withRemote>;
    const b = clone();
    git(b, 'config', 'user.name', 'Someone Else');
    expect((await cli(b, 'start', 'webapp', '--version', '1.1.0', '--push')).code).toBe(0);
    // GIVEN A has an unpushed commit of its own
    writeFiles(a, { 'NOTES.md': 'rollout notes\n' });
    git(a, 'add', 'NOTES.md');
    git(a, 'commit', '-q', '-m', 'notes');
    // WHEN A steps other with --push
    const r = await cli(a, 'step', 'other', '--push');
    // THEN the remote has B's start, A's notes (rebased) and A's step, in that order
    expect(r.code).toBe(0);
    expect(git(a, 'log', '--format=%s', 'origin/main').trim().split('\n').slice(0, 3)).toEqual(['other: canary 1.1.0 25% -> 100%', 'notes', 'webapp: start canary 1.1.0 at 0%']);
    expect(porcelain(a)).toBe('');
    expectDistMatchesSpecs(a);
  });

  test('fails --push when the same release moved on the remote: not pushed, the local branch is as before the command', async () => {
    const a = preparedRepo({ specs: { other: specText('other', 'steps: [0, 25, 50, 100]\ncanary:\n  version: 1.1.0\n  weight: 25\n') } });
    const { remote, clone } = require('./support/git-repo').withRemote(a) as ReturnType<typeof import('./support/git-repo').withRemote>;
    const b = clone();
    git(b, 'config', 'user.name', 'Someone Else'); // else both commits can be byte-identical (same second, same author)
    expect((await cli(b, 'step', 'other', '--push')).code).toBe(0);
    const remoteHead = log(b)[0];
    const before = log(a);
    const dist = readTree(path.join(a, 'dist'));
    // WHEN A steps the same release from the old state
    const r = await cli(a, 'step', 'other', '--push');
    // THEN it fails with what happened and how to go on; A's branch and files are as before; the remote has B's step only
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: release other changed on origin\/main \([0-9a-f]{7} "other: canary 1\.1\.0 25% -> 50%"\); the move was not pushed and your branch is back at [0-9a-f]{7} as before the command: run `git pull`, check `npx cdk8s-canary status other`, then move again/);
    expect(log(a)).toEqual(before);
    expect(porcelain(a)).toBe('');
    expect(readTree(path.join(a, 'dist'))).toEqual(dist);
    expect(git(a, 'ls-remote', remote, 'refs/heads/main').split('\t')[0]).toBe(remoteHead);
  });

  test('fails a push to a missing remote but keeps the local commit and says so', async () => {
    const a = preparedRepo();
    git(a, 'remote', 'add', 'origin', path.join(a, 'no-such-remote.git'));
    const r = await cli(a, 'start', 'webapp', '--version', '1.1.0', '--push');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: the move is committed locally \([0-9a-f]{7}\) but the push to origin\/main failed: .*; fix that and run `git push`/);
    expect(log(a)).toHaveLength(2);
  });
});

describe('a move reads its own spec only', () => {
  test('a move of one release is not held up by another invalid spec, which validate and synth report', async () => {
    // GIVEN a project whose other release has an invalid weight, committed
    const dir = preparedRepo({ specs: { other: specText('other', 'canary:\n  version: 1.1.0\n  weight: 25\n') } });
    const f = path.join(dir, 'releases/other.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('weight: 25', 'weight: 2x'));
    git(dir, 'commit', '-q', '-am', 'typo');
    // WHEN webapp moves THEN it moves (one commit, no cache written), and only its own files change
    expect((await cli(dir, 'start', 'webapp', '--version', '1.1.0')).code).toBe(0);
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').every((p) => p === 'releases/webapp.yaml' || p.startsWith('dist/webapp/'))).toBe(true);
    expect(fs.existsSync(path.join(dir, '.git/cdk8s-canary/valid-specs.json'))).toBe(false);
    // AND a move of the broken release, validate and synth each report the problem
    for (const args of [['step', 'other'], ['validate'], ['validate', 'other'], ['synth']]) {
      await expectRefused(dir, args, 2, /releases\/other\.yaml:\d+:\d+: canary\.weight: .*\(got "2x"\)/);
    }
  });
});

test('the CLI help lists the rollout commands', async () => {
  const out: string[] = [];
  const { run } = await import('../lib/cli/main');
  const code = await run(['node', 'cdk8s-canary', '--help'], { out: (l) => out.push(l), err: (l) => out.push(l) });
  expect(code).toBe(0);
  for (const c of ['status [options] [release]', 'start [options] <release>', 'step [options] <release>', 'set-weight [options] <release> <weight>', 'promote [options] <release>', 'abort [options] <release>']) {
    expect(out.join('\n')).toContain(c);
  }
  void execFileSync;
});
