import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../lib/cli/main';
import { Io } from '../lib/cli/output';
import { GroupStage } from '../lib/spec/group';
import { renderFolders } from '../lib/synth/build';
import { buildGroup } from '../lib/synth/group';
import { cleanupTempDirs, filesAt, withRemote } from './support/git-repo';
import { at, s3Group, S3_TEXT } from './support/groups';

const GROUP = 'frontend-backend';

function bufferIo(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

async function cli(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const b = bufferIo();
  const code = await run(['node', 'cdk8s-canary', '-C', dir, ...args], b.io);
  return { code, out: b.out.join('\n'), err: b.err.join('\n') };
}

/** The prepared repositories, by the number of `next` moves made after the initial commit. */
const prepared = new Map<number, string>();
/** Every repository `newRepo` made (removed after the suite). */
const made: string[] = [];

/**
 * A fresh repository holding the S3 group (and a release) at stage 1, synthesized and committed, then
 * moved `nexts` times with `next` (each move must succeed). Each is built once and copied per call:
 * the copies share the history (commit ids included) of the prepared one.
 */
async function newRepo(nexts = 0): Promise<string> {
  let from = prepared.get(nexts);
  if (!from) {
    if (nexts === 0) from = await initialRepo();
    else {
      from = await newRepo(nexts - 1);
      expect(await cli(from, 'next', GROUP)).toMatchObject({ code: 0, err: '' });
    }
    prepared.set(nexts, from);
    made.push(from);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-walk-'));
  fs.cpSync(from, dir, { recursive: true });
  made.push(dir);
  return dir;
}

/** The repository `newRepo` copies: the S3 group (and a release) at stage 1, synthesized and committed. */
async function initialRepo(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-walk-'));
  fs.mkdirSync(path.join(dir, 'releases'));
  fs.writeFileSync(path.join(dir, 'releases', `${GROUP}.yaml`), S3_TEXT);
  fs.copyFileSync(path.join(__dirname, '../releases/webapp.yaml'), path.join(dir, 'releases/webapp.yaml'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  const s = await cli(dir, 'synth');
  if (s.code !== 0) throw new Error(s.err);
  git(dir, 'add', 'releases', 'dist');
  git(dir, 'commit', '-q', '-m', 'frontend-backend at stage 1');
  return dir;
}

/** The files of dist/frontend-backend in a commit (path relative to dist/ -> content). */
function distAt(dir: string, rev: string): Map<string, string> {
  return new Map([...filesAt(dir, `dist/${GROUP}`, rev)].map(([f, text]) => [`${GROUP}/${f}`, text]));
}

/** What dist/frontend-backend must hold at a stage. */
function expectedAt(stage: GroupStage, weight = 30): Map<string, string> {
  return new Map([...renderFolders(buildGroup(at(s3Group(), stage, weight)), `releases/${GROUP}.yaml`)].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function commits(dir: string): string[] {
  return git(dir, 'rev-list', '--reverse', 'HEAD').split('\n').filter(Boolean);
}

describe('cdk8s-canary next/abort/status on a release group (real git in a temp repository)', () => {
  afterAll(() => {
    cleanupTempDirs();
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  test('walking `next` yields six commits whose dist/ is S3 stages 1-6, each touching only the group', async () => {
    // GIVEN a fresh repository with the group committed at stage 1
    const dir = await newRepo();
    // WHEN `next` runs five times
    const outs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await cli(dir, 'next', GROUP);
      expect(r).toMatchObject({ code: 0, err: '' });
      outs.push(r.out);
      expect(git(dir, 'status', '--porcelain')).toBe('');
    }
    // THEN there are six commits, and the dist/ of commit k is stage k, byte for byte
    const shas = commits(dir);
    expect(shas).toHaveLength(6);
    shas.forEach((sha, i) => expect(distAt(dir, sha)).toEqual(expectedAt((i + 1) as GroupStage)));
    // AND each move commit touches only the group's spec and its dist folder, with S3 wording and trailers
    for (const sha of shas.slice(1)) {
      const files = git(dir, 'show', '--name-only', '--format=', sha).split('\n').filter(Boolean);
      expect(files.every((f) => f === `releases/${GROUP}.yaml` || f.startsWith(`dist/${GROUP}/`))).toBe(true);
    }
    const subjects = git(dir, 'log', '--reverse', '--format=%s').split('\n').filter(Boolean).slice(1);
    expect(subjects).toEqual([
      'frontend-backend: stage 2/6: canaries deployed bottom-up (backend-main-canary with its own Route, frontend-main-canary), no user traffic on them yet',
      "frontend-backend: stage 3/6: frontend-main's Route split 70/30 between frontend-main and frontend-main-canary",
      'frontend-backend: stage 4/6: all traffic on the canaries; mains upgraded (frontend-main 1.2, backend-main 1.2)',
      "frontend-backend: stage 5/6: frontend-main's Route back to frontend-main (1.2), frontend-main-canary deleted",
      "frontend-backend: stage 6/6: backend-main's Route back to backend-main (1.2), backend-main-canary deleted",
    ]);
    expect(git(dir, 'log', '-1', '--format=%(trailers)', shas[2])).toBe('Release-Group: frontend-backend\nGroup-Stage: 3/6\nEntry-Weight: 30%\nApply-Order: frontend-backend/frontend-main, frontend-backend/backend-main\n\n');
    // AND each move's spec diff is the stage line (and the weight line around stage 3)
    expect(git(dir, 'diff', shas[1], shas[2], '--', `releases/${GROUP}.yaml`).split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-stage: 2', '+stage: 3', '+weight: 30']);
    expect(outs[0]).toMatch(/next: stage 3\/6: frontend-main's Route split 70\/30/);
    // AND a sixth `next` is refused: nothing written, no commit
    const done = await cli(dir, 'next', GROUP);
    expect(done.code).toBe(2);
    expect(done.err).toMatch(/group frontend-backend is complete \(stage 6\/6\)/);
    expect(commits(dir)).toHaveLength(6);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('abort from stage 3 yields the mains-only state in one commit, spec back to its stage 1 text', async () => {
    // GIVEN the group at stage 3 (70/30)
    const dir = await newRepo(2);
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(3));
    // WHEN aborted
    const r = await cli(dir, 'abort', GROUP);
    // THEN one more commit holds stage 1: mains only, and the spec is byte-identical to its stage-1 text
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^frontend-backend: abort, stage 1\/6: abort from stage 3\/6: traffic back to the mains front first \(frontend-main, backend-main\)/);
    expect(commits(dir)).toHaveLength(4);
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(1));
    expect([...distAt(dir, 'HEAD').keys()].some((k) => k.includes('canary'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'releases', `${GROUP}.yaml`), 'utf8')).toBe(S3_TEXT);
  });

  test('status shows stage k/6 and what next will do, as text and JSON', async () => {
    const dir = await newRepo(2); // stage 3
    const text = await cli(dir, 'status', GROUP);
    expect(text.out).toMatch(/stage 3\/6: frontend-main's Route split 70\/30/);
    expect(text.out).toMatch(/next +stage 4\/6: all traffic on the canaries; mains upgraded/);
    const json = JSON.parse((await cli(dir, 'status', '--json')).out);
    const g = json.groups.find((x: { name: string }) => x.name === GROUP);
    expect(g).toMatchObject({ stage: { index: 3, of: 6 }, weight: 30, entry: 'frontend-main', next: { move: 'next', command: 'npx cdk8s-canary next frontend-backend', description: expect.stringMatching(/^stage 4\/6/) } });
  });

  test('step and set-weight move the entry split at stage 3, one commit each, changing only weight lines', async () => {
    const dir = await newRepo(2); // stage 3
    const before = commits(dir).length;
    // WHEN the split is set to 10%
    const r = await cli(dir, 'set-weight', GROUP, '10');
    expect(r.code).toBe(0);
    expect(commits(dir)).toHaveLength(before + 1);
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(3, 10));
    // THEN the commit's dist/ diff holds only the two weight lines of F's Route
    const changed = git(dir, 'diff', 'HEAD~1', 'HEAD', '--', 'dist').split('\n').filter((l) => /^[-+][^-+]/.test(l)).map((l) => l.replace(/\s+/g, ' '));
    expect(changed).toEqual(['- weight: 30', '+ weight: 10', '- weight: 70', '+ weight: 90']);
    // AND step climbs back to the ladder's 30%, after which step refuses and says next promotes
    expect((await cli(dir, 'step', GROUP)).code).toBe(0);
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(3, 30));
    const top = await cli(dir, 'step', GROUP);
    expect([top.code, top.err]).toEqual([2, expect.stringMatching(/at the top of the ladder \(30%\); `npx cdk8s-canary next frontend-backend` promotes/)]);
    // AND setting the current weight again changes nothing and makes no commit (exit 0)
    const same = await cli(dir, 'set-weight', GROUP, '30');
    expect([same.code, same.out]).toEqual([0, expect.stringMatching(/^nothing to do: group frontend-backend is already at stage 3\/6: .* 70\/30 .*; no commit made$/)]);
    expect(commits(dir)).toHaveLength(before + 2);
  });

  test('fails cleanly: abort at stage 1, a dirty spec, an unknown group, a release name; nothing written', async () => {
    const dir = await newRepo();
    const head = commits(dir);
    const cases: [string[], RegExp][] = [
      [['abort', GROUP], /no canary runs, nothing to abort/],
      [['next', 'nope'], /unknown release group 'nope'; releases: webapp; release groups: frontend-backend \(see `npx cdk8s-canary status`\)/],
      [['next', 'webapp'], /webapp is a release, not a release group/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(dir, ...args);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(message)]);
    }
    fs.appendFileSync(path.join(dir, 'releases', `${GROUP}.yaml`), '# local edit\n');
    const dirty = await cli(dir, 'next', GROUP);
    expect([dirty.code, dirty.err]).toEqual([2, expect.stringMatching(/uncommitted changes in the paths this move would touch: releases\/frontend-backend\.yaml/)]);
    expect(commits(dir)).toEqual(head);
    expect(git(dir, 'status', '--porcelain')).toBe(' M releases/frontend-backend.yaml\n');
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(1));
  });

  test('--dry-run changes nothing; --no-commit edits and synthesizes without committing', async () => {
    const dir = await newRepo();
    const dry = await cli(dir, 'next', GROUP, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/dry run: would commit "frontend-backend: stage 2\/6/);
    // the same diff as for a release (issue 20, item 9): the spec's stage line and every dist/ file
    expect(dry.out).toMatch(/^diff --git a\/releases\/frontend-backend\.yaml b\/releases\/frontend-backend\.yaml\n--- a\/releases\/frontend-backend\.yaml\n\+\+\+ b\/releases\/frontend-backend\.yaml\n@@ [^\n]+\n(?: [^\n]*\n)*-stage: 1\n\+stage: 2\n/);
    expect(dry.out).toMatch(/^diff --git a\/dist\/frontend-backend\/backend-main\/route-backend-main-canary\.yaml b\/dist\/frontend-backend\/backend-main\/route-backend-main-canary\.yaml\nnew file mode 100644\n--- \/dev\/null\n/m);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    // applied with git, the printed diff is exactly what the move then writes
    const patch = path.join(dir, '..', `${path.basename(dir)}.patch`);
    fs.writeFileSync(patch, `${dry.out.split('\n').slice(0, -1).join('\n')}\n`);
    git(dir, 'apply', patch);
    const applied = git(dir, 'diff', 'HEAD', '--stat') + git(dir, 'status', '--porcelain');
    git(dir, 'checkout', '-q', '--', '.');
    git(dir, 'clean', '-qfd');
    fs.rmSync(patch);
    const nc = await cli(dir, 'next', GROUP, '--no-commit');
    expect(nc.code).toBe(0);
    expect(commits(dir)).toHaveLength(1);
    expect(git(dir, 'status', '--porcelain')).toMatch(/releases\/frontend-backend\.yaml/);
    expect(git(dir, 'diff', 'HEAD', '--stat') + git(dir, 'status', '--porcelain')).toBe(applied);
  });

  test('--push pushes the move; when the remote moved, the move is re-run on its head and pushed (as for a release)', async () => {
    // GIVEN a repository with a bare remote, and a second clone
    const dir = await newRepo();
    const { remote: bare, clone } = withRemote(dir);
    // WHEN next --push runs
    const r = await cli(dir, 'next', GROUP, '--push');
    // THEN the remote holds the stage 2 commit
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/pushed to origin\/main/);
    expect(git(bare, 'rev-parse', 'main')).toBe(git(dir, 'rev-parse', 'HEAD'));
    // GIVEN someone else pushed an unrelated commit meanwhile
    const other = clone();
    git(other, '-c', 'user.name=o', '-c', 'user.email=o@x.invalid', 'commit', '-q', '--allow-empty', '-m', 'unrelated');
    git(other, 'push', '-q', 'origin', 'main');
    // WHEN the next move is pushed
    const moved = await cli(dir, 'next', GROUP, '--push');
    // THEN it was rebuilt on the remote's head and pushed: stage 3 on top of the unrelated commit, no force
    expect([moved.code, moved.err]).toEqual([0, expect.stringMatching(/^origin\/main moved \(.*\); fetching and re-running the move on it \(attempt 2\/3\)$/)]);
    expect(moved.out).toMatch(/pushed to origin\/main/);
    expect(git(dir, 'log', '--format=%s', '-3').trim().split('\n').map((l) => l.replace(/:.*/, ''))).toEqual([`${GROUP}`, 'unrelated', `${GROUP}`]);
    expect(git(bare, 'rev-parse', 'main')).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(3));
  });

  test('fails --push when the group itself moved on the remote: nothing pushed, the branch is as before the command', async () => {
    // GIVEN a repository with a bare remote and a second clone that moves the group and pushes first
    const dir = await newRepo();
    const { remote: bare, clone } = withRemote(dir);
    const other = clone();
    git(other, 'config', 'user.name', 'Someone Else');
    git(other, 'config', 'user.email', 'o@x.invalid');
    expect((await cli(other, 'next', GROUP, '--push')).code).toBe(0);
    const theirs = git(bare, 'rev-parse', 'main');
    const before = git(dir, 'rev-parse', 'HEAD');
    // WHEN this clone (not fetched) moves the same group with --push
    const r = await cli(dir, 'next', GROUP, '--push');
    // THEN exit 1 naming the remote's commit; the local branch and work tree are as before; the remote has only theirs
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/error: release group frontend-backend changed on origin\/main \([0-9a-f]{7} "frontend-backend: stage 2\/6.*"\); the move was not pushed and your branch is back at [0-9a-f]{7} as before the command: run `git pull`, check `npx cdk8s-canary status frontend-backend`, then move again/)]);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(distAt(dir, 'HEAD')).toEqual(expectedAt(1));
    expect(git(bare, 'rev-parse', 'main')).toBe(theirs);
  });

  test('a release next to the group still moves, and status lists both (JSON has releases and groups)', async () => {
    // GIVEN the group and the webapp release in one repository
    const dir = await newRepo();
    // WHEN the release starts a canary
    const r = await cli(dir, 'start', 'webapp', '--version', '1.1.0');
    // THEN that is one commit of the release only, and status shows the release and the group
    expect([r.code, r.err]).toEqual([0, '']);
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean).every((f) => /^(releases\/webapp\.yaml|dist\/webapp\/)/.test(f))).toBe(true);
    const json = JSON.parse((await cli(dir, 'status', '--json')).out);
    expect(json.releases.map((x: { name: string }) => x.name)).toEqual(['webapp']);
    expect(json.groups.map((x: { name: string; stage: { index: number } }) => [x.name, x.stage.index])).toEqual([[GROUP, 1]]);
    const text = (await cli(dir, 'status')).out;
    expect(text).toMatch(/^webapp \(gatewayApi, releases\/webapp\.yaml\)/);
    expect(text).toMatch(/\n\nfrontend-backend \(release group, releases\/frontend-backend\.yaml\)\n  stage 1\/6: mains only/);
  });

  test('GIVEN a rung of the entry ladder with minSoak WHEN step or next leaves it early THEN it is refused (exit 2, nothing committed); --force moves and records Soak-Override', async () => {
    const dir = await newRepo();
    fs.writeFileSync(path.join(dir, 'releases', `${GROUP}.yaml`), S3_TEXT.replace('steps: [30]', 'steps: [{weight: 30, minSoak: 1h}, 60]'));
    git(dir, 'commit', '-q', '-am', 'frontend-backend: soak 1h at 30%');
    await cli(dir, 'next', GROUP);
    expect((await cli(dir, 'next', GROUP)).code).toBe(0); // stage 3 at 30%
    const count = commits(dir).length;
    for (const verb of ['step', 'next']) {
      const early = await cli(dir, verb, GROUP);
      expect(early.code).toBe(2);
      expect(early.err).toMatch(/release group frontend-backend has soaked \d+s of its minimum 1h at 30% \(step 1\/2 of the entry ladder\) since [0-9a-f]{7} "frontend-backend: stage 3\/6: .*"; (59m \d+s|1h) left: wait, or pass --force to move on now/);
      expect(commits(dir)).toHaveLength(count);
    }
    const forced = await cli(dir, 'step', GROUP, '--force');
    expect([forced.code, forced.err]).toEqual([0, expect.stringMatching(/warning: leaving 30% \(step 1\/2 of the entry ladder\) with (59m \d+s|1h) of its 1h soak left \(--force\)/)]);
    expect(git(dir, 'log', '-1', '--format=%b')).toMatch(/^Soak-Override: (59m \d+s|1h) of 1h left$/m);
    expect(git(dir, 'show', 'HEAD:releases/frontend-backend.yaml')).toMatch(/^weight: 60$/m);
    // AND at 60% (no minSoak) next moves on without --force
    expect((await cli(dir, 'next', GROUP)).code).toBe(0);
  });

  test('fails a group move while another move holds the repository lock', async () => {
    const dir = await newRepo(2); // stage 3
    const own = path.join(dir, '.git/cdk8s-canary.lock');
    fs.writeFileSync(own, JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'now' }));
    try {
      const busy = await cli(dir, 'next', GROUP);
      expect([busy.code, busy.err]).toEqual([1, expect.stringMatching(/another cdk8s-canary move is running in this repository/)]);
    } finally {
      fs.rmSync(own);
    }
    expect(commits(dir)).toHaveLength(3);
  });
});
