import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Git, GitLockedError, NotARepositoryError, RepositoryBusyError, withRepositoryLock } from '../lib/git';
import { cleanupTempDirs, git, initRepo, log, porcelain, tempDir, withRemote, writeFiles } from './support/git-repo';

afterAll(cleanupTempDirs);

function repoWith(files: Record<string, string>): string {
  const dir = initRepo(tempDir());
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

describe('Git (real git binary in temporary repositories)', () => {
  test('fails outside a repository with a message that says how to fix it', async () => {
    // GIVEN a plain directory WHEN it is opened THEN NotARepositoryError names git init
    const dir = tempDir();
    await expect(Git.open(dir)).rejects.toThrow(NotARepositoryError);
    await expect(Git.open(dir)).rejects.toThrow(/is not inside a git repository; run `git init`/);
  });

  test('finds the root and git dir from a subdirectory, and reads HEAD on a branch and detached', async () => {
    // GIVEN a repository with two commits
    const dir = repoWith({ 'a/x.txt': '1\n' });
    writeFiles(dir, { 'a/x.txt': '2\n' });
    git(dir, 'commit', '-q', '-am', 'two');
    // WHEN opened from a subdirectory
    const g = await Git.open(path.join(dir, 'a'));
    // THEN root and git dir are absolute, HEAD is on main
    expect(g.root).toBe(fs.realpathSync(dir));
    expect(g.gitDir).toBe(path.join(fs.realpathSync(dir), '.git'));
    const head = await g.head();
    expect(head).toEqual({ branch: 'main', commit: log(dir)[0], detached: false });
    // AND after checking out the parent commit HEAD is detached
    git(dir, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(await g.head()).toEqual({ commit: log(dir)[0], detached: true });
  });

  test('status lists staged, modified and untracked files of the given paths only', async () => {
    // GIVEN changes in three places
    const dir = repoWith({ 'releases/a.yaml': 'a\n', 'dist/a/x.yaml': 'x\n', 'other.txt': 'o\n' });
    writeFiles(dir, { 'releases/a.yaml': 'a2\n', 'dist/a/new.yaml': 'n\n', 'other.txt': 'o2\n' });
    const g = await Git.open(dir);
    // WHEN the status of the spec and dist/a is asked
    const st = await g.status(['releases/a.yaml', 'dist/a']);
    // THEN only those show, with their two-letter state
    expect(st).toEqual([
      { index: ' ', worktree: 'M', path: 'releases/a.yaml' },
      { index: '?', worktree: '?', path: 'dist/a/new.yaml' },
    ]);
    expect(await g.status(['dist/b'])).toEqual([]);
  });

  test('add and commit record exactly the given paths, with trailers; other staged changes stay staged', async () => {
    // GIVEN a modified spec, a new and a deleted dist file, and an unrelated staged change
    const dir = repoWith({ 'releases/a.yaml': 'weight: 0\n', 'dist/a/old.yaml': 'o\n', 'dist/a/keep.yaml': 'k\n', 'notes.txt': 'n\n' });
    writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n', 'dist/a/new.yaml': 'n\n', 'notes.txt': 'staged\n' });
    fs.rmSync(path.join(dir, 'dist/a/old.yaml'));
    git(dir, 'add', 'notes.txt');
    const g = await Git.open(dir);
    // WHEN the move's paths are added and committed
    await g.add(['releases/a.yaml', 'dist/a']);
    const sha = await g.commit(['releases/a.yaml', 'dist/a'], 'a: canary 2 0% -> 10%', [['Release', 'a'], ['Canary-Weight', '10']]);
    // THEN the commit holds exactly those three changes
    expect(sha).toBe(log(dir)[0]);
    expect(git(dir, 'show', '--format=', '--name-status', sha).trim().split('\n').sort()).toEqual(['A\tdist/a/new.yaml', 'D\tdist/a/old.yaml', 'M\treleases/a.yaml']);
    // AND the message and trailers are git trailers
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('a: canary 2 0% -> 10%\n');
    expect(git(dir, 'log', '-1', '--format=%(trailers:only,unfold)')).toBe('Release: a\nCanary-Weight: 10\n\n');
    // AND the unrelated change is still staged, not committed
    expect(porcelain(dir)).toBe('M  notes.txt\n');
  });

  test('pathspecs are literal: a glob-looking path names only itself', async () => {
    const dir = repoWith({ 'a*.txt': '1\n', 'ab.txt': '1\n' });
    writeFiles(dir, { 'a*.txt': '2\n', 'ab.txt': '2\n' });
    const g = await Git.open(dir);
    expect((await g.status(['a*.txt'])).map((e) => e.path)).toEqual(['a*.txt']);
  });

  test('fails with a clear message while another git process holds index.lock, and commits nothing', async () => {
    // GIVEN a change and a held index.lock
    const dir = repoWith({ 'f.txt': '1\n' });
    writeFiles(dir, { 'f.txt': '2\n' });
    const g = await Git.open(dir);
    fs.writeFileSync(g.indexLock, '');
    const before = log(dir);
    // WHEN adding THEN GitLockedError names the lock file and what to do
    await expect(g.add(['f.txt'])).rejects.toThrow(GitLockedError);
    await expect(g.add(['f.txt'])).rejects.toThrow(/another git process is using the repository \(.*index\.lock exists\); wait for it to finish/);
    expect(() => g.assertIndexUnlocked()).toThrow(GitLockedError);
    // AND nothing was committed; once the lock is gone it works
    expect(log(dir)).toEqual(before);
    fs.rmSync(g.indexLock);
    await g.add(['f.txt']);
    await g.commit(['f.txt'], 'two');
    expect(log(dir)).toHaveLength(2);
  });

  test('the last commit touching a file and a line, with committer time', async () => {
    // GIVEN a file whose line 2 changed in an old commit and line 1 in a newer one
    const dir = repoWith({ 'spec.yaml': 'a: 1\nweight: 0\n' });
    writeFiles(dir, { 'spec.yaml': 'a: 1\nweight: 25\n' });
    execFileSync('git', ['commit', '-q', '-am', 'to 25'], { cwd: dir, env: { ...process.env, GIT_COMMITTER_DATE: '2024-01-01T10:00:00Z' } });
    const entered = log(dir)[0];
    writeFiles(dir, { 'spec.yaml': 'a: 2\nweight: 25\n' });
    execFileSync('git', ['commit', '-q', '-am', 'other line'], { cwd: dir, env: { ...process.env, GIT_COMMITTER_DATE: '2024-01-01T12:00:00Z' } });
    const g = await Git.open(dir);
    // WHEN asked THEN the line's commit is the older one, the file's the newer one
    expect(await g.lastCommitTouchingLine('spec.yaml', 2)).toEqual({ sha: entered, time: Date.parse('2024-01-01T10:00:00Z') / 1000, subject: 'to 25' });
    expect(await g.lastCommitTouching('spec.yaml')).toMatchObject({ time: Date.parse('2024-01-01T12:00:00Z') / 1000, subject: 'other line' });
    expect(await g.lastCommitTouchingLine('spec.yaml', 9)).toBeUndefined();
    expect(await g.lastCommitTouching('missing.yaml')).toBeUndefined();
    expect(await g.blobId('HEAD', 'spec.yaml')).toMatch(/^[0-9a-f]{40}$/);
    expect(await g.blobId('HEAD', 'missing.yaml')).toBeUndefined();
  });

  test('push never forces: a moved remote is reported, fetch and fast-forward catch up, then push succeeds', async () => {
    // GIVEN a repository with a bare remote and a second clone that pushed a commit
    const dir = repoWith({ 'f.txt': '1\n' });
    const { clone } = withRemote(dir);
    const other = clone();
    writeFiles(other, { 'g.txt': 'theirs\n' });
    git(other, 'add', '-A');
    git(other, 'commit', '-q', '-m', 'theirs');
    git(other, 'push', '-q', 'origin', 'main');
    const g = await Git.open(dir);
    expect(await g.upstream('main')).toEqual({ remote: 'origin', branch: 'main' });
    // WHEN the first repository pushes a commit of its own on the old head
    writeFiles(dir, { 'f.txt': 'mine\n' });
    git(dir, 'commit', '-q', '-am', 'mine');
    const mine = log(dir)[0];
    // THEN the push is rejected as remote-moved and the remote keeps the other commit
    expect(await g.push('origin', 'HEAD', 'main')).toMatchObject({ ok: false, reason: 'remote-moved' });
    const theirs = log(other)[0];
    expect(git(dir, 'ls-remote', 'origin', 'refs/heads/main').split('\t')[0]).toBe(theirs);
    // AND fetch returns their head; the own commit is not an ancestor of it
    expect(await g.fetch('origin', 'main')).toBe(theirs);
    expect(await g.isAncestor(mine, theirs)).toBe(false);
    // AND rebasing onto it (no conflict) then pushing succeeds
    expect(await g.rebase(theirs)).toBe(true);
    expect(await g.push('origin', 'HEAD', 'main')).toEqual({ ok: true });
    expect(git(dir, 'ls-remote', 'origin', 'refs/heads/main').split('\t')[0]).toBe(log(dir)[0]);
  });

  test('fails a conflicting rebase: it is aborted and the branch is as it was', async () => {
    // GIVEN two diverging edits of the same line
    const dir = repoWith({ 'f.txt': '1\n' });
    const base = log(dir)[0];
    writeFiles(dir, { 'f.txt': 'theirs\n' });
    git(dir, 'commit', '-q', '-am', 'theirs');
    const theirs = log(dir)[0];
    git(dir, 'reset', '-q', '--hard', base);
    writeFiles(dir, { 'f.txt': 'mine\n' });
    git(dir, 'commit', '-q', '-am', 'mine');
    const mine = log(dir)[0];
    const g = await Git.open(dir);
    // WHEN rebasing THEN it reports the conflict and nothing moved
    expect(await g.rebase(theirs)).toBe(false);
    expect(log(dir)[0]).toBe(mine);
    expect(porcelain(dir)).toBe('');
    // AND a fast-forward that is not one fails, reset --keep moves back
    await expect(g.fastForward(theirs)).rejects.toThrow(/git merge failed: .*(not possible to fast-forward|Not possible to fast-forward)/i);
    await g.resetKeep(base);
    expect(log(dir)[0]).toBe(base);
  });
});

describe('withRepositoryLock', () => {
  test('a second holder fails at once naming the first; the lock is released after success and failure', async () => {
    const dir = initRepo(tempDir());
    const gitDir = path.join(dir, '.git');
    const lock = path.join(gitDir, 'cdk8s-canary.lock');
    // GIVEN a held lock WHEN another acquisition is tried THEN it fails naming pid and file
    await withRepositoryLock(gitDir, 'cdk8s-canary', async () => {
      expect(fs.existsSync(lock)).toBe(true);
      await expect(withRepositoryLock(gitDir, 'cdk8s-canary', async () => 1))
        .rejects.toThrow(new RegExp(`another cdk8s-canary move is running in this repository \\(pid ${process.pid} on .*\\); wait for it to finish`));
    });
    // THEN after the holder returns the lock is gone, also after a throw
    expect(fs.existsSync(lock)).toBe(false);
    await expect(withRepositoryLock(gitDir, 'cdk8s-canary', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(fs.existsSync(lock)).toBe(false);
  });

  test('fails with RepositoryBusyError for a lock of unknown content, and takes over a dead process lock', async () => {
    const dir = initRepo(tempDir());
    const gitDir = path.join(dir, '.git');
    const lock = path.join(gitDir, 'cdk8s-canary.lock');
    fs.writeFileSync(lock, 'garbage');
    await expect(withRepositoryLock(gitDir, 'cdk8s-canary', async () => 1)).rejects.toThrow(RepositoryBusyError);
    // GIVEN a lock whose pid has exited on this host
    const dead = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lock, JSON.stringify({ pid: Number(dead), host: require('os').hostname(), since: 'then' }));
    // WHEN acquired THEN it runs and cleans up
    expect(await withRepositoryLock(gitDir, 'cdk8s-canary', async () => 42)).toBe(42);
    expect(fs.readdirSync(gitDir).filter((f) => f.includes('cdk8s-canary'))).toEqual([]);
  });
});
