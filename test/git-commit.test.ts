/**
 * `Git.commit` makes the commit `git commit --only` makes, by plumbing when nothing stands in the
 * way (no commit hook, no signing, nothing else staged) and through `git commit` otherwise: the same
 * tree, message bytes, reflog line and index either way; hooks run and signing is asked for.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Git } from '../lib/git';
import { cleanupTempDirs, git, initRepo, porcelain, tempDir, writeFiles } from './support/git-repo';

afterAll(cleanupTempDirs);

/** A repository with a spec and a dist folder committed, then both changed (one dist file added, one removed). */
function changedRepo(): string {
  const dir = initRepo(tempDir());
  writeFiles(dir, { 'releases/a.yaml': 'weight: 0\n', 'dist/a/x.yaml': 'x: 0\n', 'dist/a/old.yaml': 'old\n', 'other.txt': 'o\n' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n', 'dist/a/x.yaml': 'x: 10\n', 'dist/a/new.yaml': 'new\n' });
  fs.rmSync(path.join(dir, 'dist/a/old.yaml'));
  git(dir, 'add', '--', 'dist/a/new.yaml');
  return dir;
}

const TRAILERS: [string, string][] = [['Release', 'a'], ['Canary-Weight', '10']];

function hook(dir: string, name: string, body: string): void {
  const f = path.join(dir, '.git', 'hooks', name);
  fs.writeFileSync(f, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(f, 0o755);
}

describe('Git.commit: plumbing when it gives the same commit, git commit otherwise', () => {
  test('the plumbing commit equals git commit --only: tree, message, reflog, clean index', async () => {
    // GIVEN the same change in two repositories, one with a no-op commit-msg hook (so `git commit` runs)
    const fast = changedRepo();
    const slow = changedRepo();
    hook(slow, 'commit-msg', 'exit 0');
    // WHEN both commit the spec and the dist folder
    const a = await (await Git.open(fast)).commit(['releases/a.yaml', 'dist/a'], 'a: canary 2 0% -> 10%\n\nheld at 10', TRAILERS);
    const b = await (await Git.open(slow)).commit(['releases/a.yaml', 'dist/a'], 'a: canary 2 0% -> 10%\n\nheld at 10', TRAILERS);
    // THEN the trees, messages and reflog lines are the same, and nothing is left staged or modified
    for (const [dir, sha] of [[fast, a], [slow, b]]) expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(sha);
    expect(git(fast, 'rev-parse', 'HEAD^{tree}')).toBe(git(slow, 'rev-parse', 'HEAD^{tree}'));
    expect(git(fast, 'log', '-1', '--format=%B%n--%n%P')).toBe(git(slow, 'log', '-1', '--format=%B%n--%n%P').replace(git(slow, 'rev-parse', 'HEAD~1').trim(), git(fast, 'rev-parse', 'HEAD~1').trim()));
    expect(git(fast, 'log', '-1', '--format=%B')).toBe('a: canary 2 0% -> 10%\n\nheld at 10\n\nRelease: a\nCanary-Weight: 10\n\n');
    expect(git(fast, 'reflog', '-1', '--format=%gs')).toBe(git(slow, 'reflog', '-1', '--format=%gs'));
    expect(porcelain(fast)).toBe('');
    expect(porcelain(slow)).toBe('');
  });

  test('a commit-msg hook runs (the commit goes through git commit)', async () => {
    const dir = changedRepo();
    hook(dir, 'commit-msg', 'echo "Signed-off-by: Hook <hook@example.com>" >> "$1"');
    await (await Git.open(dir)).commit(['releases/a.yaml', 'dist/a'], 'a: step', TRAILERS);
    expect(git(dir, 'log', '-1', '--format=%B')).toContain('Signed-off-by: Hook <hook@example.com>');
  });

  test('fails as git commit does when commit.gpgsign asks for a signature it cannot make', async () => {
    const dir = changedRepo();
    git(dir, 'config', 'commit.gpgsign', 'true');
    git(dir, 'config', 'gpg.program', '/bin/false');
    const before = git(dir, 'rev-parse', 'HEAD');
    await expect((await Git.open(dir)).commit(['releases/a.yaml', 'dist/a'], 'a: step', TRAILERS)).rejects.toThrow(/git commit failed/);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(before);
  });

  test('a change staged outside the paths stays staged and out of the commit', async () => {
    const dir = changedRepo();
    writeFiles(dir, { 'other.txt': 'staged\n' });
    git(dir, 'add', 'other.txt');
    await (await Git.open(dir)).commit(['releases/a.yaml', 'dist/a'], 'a: step', TRAILERS);
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['dist/a/new.yaml', 'dist/a/old.yaml', 'dist/a/x.yaml', 'releases/a.yaml']);
    expect(porcelain(dir)).toBe('M  other.txt\n');
  });
});
