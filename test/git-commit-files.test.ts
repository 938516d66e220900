/**
 * commitChangedFiles (lib/git/commit-files.ts) commits the files a move wrote and deleted without a
 * pass over the whole index (issue 17: 100 000 files in dist/). The commit, and the index after it,
 * must be what `git add` + `git commit` give: same tree, message and reflog line; the same index
 * entries (mode, id, stage, path) for every path; nothing left staged or modified; fresh stat data
 * for the files it committed. Hooks and signing still go through `git commit`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { commitChangedFiles, Git, parseTree, patchTree, RawTree, serializeTree, Trailer, TreeEntry } from '../lib/git';
import { cleanupTempDirs, git, initRepo, porcelain, tempDir, writeFiles } from './support/git-repo';
import { execFileSync } from 'child_process';

afterAll(cleanupTempDirs);

const BASE: Record<string, string> = {
  'releases/a.yaml': 'weight: 0\n',
  'dist/a/x.yaml': 'x: 0\n',
  'dist/a/old.yaml': 'old\n',
  'dist/a/keep/k.yaml': 'k\n',
  'dist/b/y.yaml': 'y\n',
  'other.txt': 'o\n',
};
const PATHS = ['releases/a.yaml', 'dist/a'];
const TRAILERS: Trailer[] = [['Release', 'a'], ['Canary-Weight', '10']];
const MESSAGE = 'a: canary 2 0% -> 10%\n\nheld at 10';

function baseRepo(init: string[] = []): string {
  const dir = tempDir();
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet', '--initial-branch=main', ...init);
  for (const [k, v] of [['user.name', 'Test Runner'], ['user.email', 'test@example.com'], ['commit.gpgsign', 'false'], ['core.autocrlf', 'false']]) git(dir, 'config', k, v);
  writeFiles(dir, BASE);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** Exit code of a git command (0: true for --quiet checks). */
function gitCode(dir: string, ...args: string[]): number {
  try {
    execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    return 0;
  } catch (e) {
    return (e as { status?: number }).status ?? -1;
  }
}

/** A move's edit: x changed, old deleted, keep/ emptied, a new file in a new folder, the spec changed. */
function edit(dir: string): string[] {
  writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n', 'dist/a/x.yaml': 'x: 10\n', 'dist/a/new/n.yaml': 'n: 1\n' });
  fs.rmSync(path.join(dir, 'dist/a/old.yaml'));
  fs.rmSync(path.join(dir, 'dist/a/keep/k.yaml'));
  fs.rmdirSync(path.join(dir, 'dist/a/keep'));
  return ['releases/a.yaml', 'dist/a/x.yaml', 'dist/a/new/n.yaml', 'dist/a/old.yaml', 'dist/a/keep/k.yaml'];
}

/** The same edit in two copies: one committed by commitChangedFiles, the other by `git add` + `git commit`. */
async function both(options: { prepare?: (dir: string) => void; change?: (dir: string) => string[]; init?: string[] } = {}): Promise<{ fast: string; slow: string; sha: string; files: string[] }> {
  const fast = baseRepo(options.init);
  const slow = baseRepo(options.init);
  let files: string[] = [];
  for (const d of [fast, slow]) {
    options.prepare?.(d);
    files = (options.change ?? edit)(d);
  }
  const sha = await commitChangedFiles(await Git.open(fast), PATHS, files, MESSAGE, TRAILERS);
  git(slow, 'add', '-A', '--', ...PATHS);
  git(slow, 'commit', '-q', '--cleanup=verbatim', '-m', MESSAGE, '-m', TRAILERS.map(([k, v]) => `${k}: ${v}`).join('\n'));
  return { fast, slow, sha, files };
}

/** What must be equal after both commits, and clean in the fast one. */
function expectSameAsGitCommit(fast: string, slow: string, sha: string, files: readonly string[]): void {
  expect(git(fast, 'rev-parse', 'HEAD').trim()).toBe(sha);
  expect(git(fast, 'rev-parse', 'HEAD^{tree}')).toBe(git(slow, 'rev-parse', 'HEAD^{tree}'));
  expect(git(fast, 'log', '-1', '--format=%B')).toBe(git(slow, 'log', '-1', '--format=%B'));
  expect(git(fast, 'reflog', '-1', '--format=%gs')).toBe(git(slow, 'reflog', '-1', '--format=%gs'));
  // every index entry: mode, id, stage and path
  expect(git(fast, 'ls-files', '--stage')).toBe(git(slow, 'ls-files', '--stage'));
  expect(porcelain(fast)).toBe('');
  expect(gitCode(fast, 'diff', '--cached', '--quiet')).toBe(0);
  expect(gitCode(fast, 'diff', '--quiet')).toBe(0);
  // stat data of the committed files is fresh: diff-files does not refresh, a stale entry shows
  const present = files.filter((f) => fs.existsSync(path.join(fast, f)));
  expect(git(fast, 'diff-files', '--name-only', '--', ...present)).toBe('');
  expect(gitCode(fast, 'fsck', '--strict', '--no-progress')).toBe(0);
}

describe('commitChangedFiles: the commit and index of git add + git commit, without a whole-index pass', () => {
  test('a changed, a deleted and a new file in a new folder, and an emptied folder: same tree, message, reflog and index', async () => {
    // GIVEN the same move's edit in two repositories
    // WHEN one commits it with commitChangedFiles and the other with git add + git commit
    const { fast, slow, sha, files } = await both();
    // THEN everything git shows is the same, and the emptied folder is gone from the tree
    expectSameAsGitCommit(fast, slow, sha, files);
    expect(git(fast, 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')).toEqual(['dist/a/new/n.yaml', 'dist/a/x.yaml', 'dist/b/y.yaml', 'other.txt', 'releases/a.yaml']);
    expect(git(fast, 'log', '-1', '--format=%B')).toBe(`${MESSAGE}\n\nRelease: a\nCanary-Weight: 10\n\n`);
  });

  test('an index with stale stat data (files touched, content unchanged) ends as git add + git commit leave it', async () => {
    // GIVEN files inside and outside the move's paths whose mtime moved without a content change
    const touch = (dir: string) => {
      const later = new Date(Date.now() + 5000);
      for (const f of ['dist/a/x.yaml', 'dist/a/keep/k.yaml', 'dist/b/y.yaml', 'other.txt']) fs.utimesSync(path.join(dir, f), later, later);
    };
    // WHEN the move commits
    const { fast, slow, sha, files } = await both({ prepare: touch });
    // THEN the index holds the same entries, nothing is staged or modified for git, fsck is clean
    expectSameAsGitCommit(fast, slow, sha, files);
  });

  test('a file made executable is committed 100755; with core.fileMode false the mode stays as HEAD has it', async () => {
    const chmodX = (dir: string) => {
      writeFiles(dir, { 'dist/a/x.yaml': 'x: 10\n' });
      fs.chmodSync(path.join(dir, 'dist/a/x.yaml'), 0o755);
      return ['dist/a/x.yaml'];
    };
    const trusted = await both({ change: chmodX });
    expectSameAsGitCommit(trusted.fast, trusted.slow, trusted.sha, trusted.files);
    expect(git(trusted.fast, 'ls-files', '--stage', 'dist/a/x.yaml')).toMatch(/^100755 /);
    const ignored = await both({ change: chmodX, prepare: (d) => git(d, 'config', 'core.fileMode', 'false') });
    expectSameAsGitCommit(ignored.fast, ignored.slow, ignored.sha, ignored.files);
    expect(git(ignored.fast, 'ls-files', '--stage', 'dist/a/x.yaml')).toMatch(/^100644 /);
  });

  test('a change staged outside the paths stays staged and out of the commit (as git commit --only)', async () => {
    // GIVEN other.txt changed and staged
    const dir = baseRepo();
    writeFiles(dir, { 'other.txt': 'staged\n' });
    git(dir, 'add', 'other.txt');
    const files = edit(dir);
    // WHEN the move commits its files
    await commitChangedFiles(await Git.open(dir), PATHS, files, MESSAGE, TRAILERS);
    // THEN other.txt is not in the commit and is still staged
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual([...files].sort());
    expect(porcelain(dir)).toBe('M  other.txt\n');
  });

  /** The git commands a commit runs (GIT_TRACE), by name. */
  async function commandsOf(dir: string, files: string[]): Promise<string[]> {
    const trace = path.join(tempDir(), 'trace.txt');
    process.env.GIT_TRACE = trace;
    try {
      await commitChangedFiles(await Git.open(dir), PATHS, files, MESSAGE, TRAILERS);
    } finally {
      delete process.env.GIT_TRACE;
    }
    return fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes('trace: built-in: git')).map((l) => l.replace(/^.*built-in: git /, '').split(' ')[0]);
  }

  test('runs no git add, write-tree, status or update-index (check-ignore --no-index for new files only): the index entries are written directly', async () => {
    // GIVEN git's trace of every command, and HEAD's last file (releases/a.yaml, edited) not older than the index
    const dir = baseRepo();
    const files = edit(dir);
    // WHEN the move commits
    const commands = await commandsOf(dir, files);
    // THEN the commands are plumbing, and the index is not written by git (lib/git/index-file.ts writes it)
    expect(commands).toEqual(['rev-parse', 'config', 'rev-parse', 'cat-file', 'check-ignore', 'hash-object', 'hash-object', 'commit-tree', 'update-ref']);
    expect(git(dir, 'ls-files', '--stage')).toContain('dist/a/new/n.yaml');
  });

  test('git update-index writes the index when it holds no file of the index\'s second (HEAD\'s last file older than the index)', async () => {
    // GIVEN a move's edit, and HEAD's last file in git's order (releases/a.yaml) dated 10 s before the index
    const dir = baseRepo();
    const files = edit(dir);
    const indexTime = fs.statSync(path.join(dir, '.git', 'index')).mtimeMs / 1000;
    fs.utimesSync(path.join(dir, 'releases/a.yaml'), indexTime - 10, indexTime - 10);
    // WHEN the move commits
    const commands = await commandsOf(dir, files);
    // THEN git writes the index (cheaper than a pass over every entry here), and the result is clean
    expect(commands).toContain('update-index');
    expect(porcelain(dir)).toBe('');
  });

  test('an index of 4 MiB or more is written directly even when it holds no file of its second (git\'s pass over it costs more)', async () => {
    // GIVEN 26 000 more files committed (index > 4 MiB; skip-worktree, so none is on disk), and HEAD's last file dated 10 s before the index
    const dir = baseRepo();
    const blob = git(dir, 'hash-object', '-w', '--', 'releases/a.yaml').trim();
    const names = Array.from({ length: 26_000 }, (_, i) => `big/${String(i).padStart(5, '0')}-${'x'.repeat(100)}.yaml`);
    execFileSync('git', ['update-index', '--add', '--index-info'], { cwd: dir, input: names.map((n) => `100644 ${blob}\t${n}\n`).join('') });
    execFileSync('git', ['update-index', '--skip-worktree', '-z', '--stdin'], { cwd: dir, input: names.map((n) => `${n}\0`).join('') });
    git(dir, 'commit', '-q', '-m', 'big');
    expect(fs.statSync(path.join(dir, '.git', 'index')).size).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    const files = edit(dir);
    const indexTime = fs.statSync(path.join(dir, '.git', 'index')).mtimeMs / 1000;
    fs.utimesSync(path.join(dir, 'releases/a.yaml'), indexTime - 10, indexTime - 10);
    // WHEN the move commits
    const commands = await commandsOf(dir, files);
    // THEN git does not write the index, and the result is clean, the move's files in HEAD
    expect(commands).not.toContain('update-index');
    expect(porcelain(dir)).toBe('');
    expect(git(dir, 'ls-files', '--stage', 'dist/a/new/n.yaml')).toContain('dist/a/new/n.yaml');
  });

  test('git update-index writes the index where git would apply a setting to it (core.sharedRepository, core.fsync, core.ignoreStat) or where it declines', async () => {
    for (const [key, value] of [['core.sharedRepository', 'group'], ['core.fsync', 'index'], ['core.ignoreStat', 'true'], ['index.version', '4']]) {
      // GIVEN the setting (index.version 4: the file is rewritten as version 4, which updateIndexFile declines)
      const dir = baseRepo();
      git(dir, 'config', key, value);
      if (key === 'index.version') git(dir, 'update-index', '--index-version', '4');
      const files = edit(dir);
      // WHEN the move commits
      const commands = await commandsOf(dir, files);
      // THEN git update-index writes the index, and the result is clean
      expect([key, commands.includes('update-index')]).toEqual([key, true]);
      expect(porcelain(dir)).toBe('');
    }
  });

  test('the index is updated before the branch moves: a failed update-ref leaves the files staged on the old HEAD', async () => {
    // GIVEN the branch's ref locked by another git process
    const dir = baseRepo();
    const before = git(dir, 'rev-parse', 'HEAD').trim();
    const files = edit(dir);
    fs.writeFileSync(path.join(dir, '.git/refs/heads/main.lock'), '');
    // WHEN the move commits
    await expect(commitChangedFiles(await Git.open(dir), PATHS, files, MESSAGE, TRAILERS)).rejects.toThrow(/refs\/heads\/main\.lock/);
    // THEN HEAD did not move and the index holds the move's files, as after `git add` (what the engine unstages)
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(before);
    expect(git(dir, 'diff', '--cached', '--name-only').trim().split('\n').sort()).toEqual([...files].sort());
  });

  test('with a commit hook the commit goes through git commit, new and deleted files included', async () => {
    const dir = baseRepo();
    const hook = path.join(dir, '.git/hooks/commit-msg');
    fs.writeFileSync(hook, '#!/bin/sh\necho "Signed-off-by: Hook <hook@example.com>" >> "$1"\n');
    fs.chmodSync(hook, 0o755);
    const files = edit(dir);
    await commitChangedFiles(await Git.open(dir), PATHS, files, MESSAGE, TRAILERS);
    expect(git(dir, 'log', '-1', '--format=%B')).toContain('Signed-off-by: Hook <hook@example.com>');
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual([...files].sort());
    expect(porcelain(dir)).toBe('');
  });

  test('fails as git commit does when the files are as in HEAD (nothing to commit)', async () => {
    const dir = baseRepo();
    const head = git(dir, 'rev-parse', 'HEAD');
    await expect(commitChangedFiles(await Git.open(dir), PATHS, ['dist/a/x.yaml'], MESSAGE, TRAILERS)).rejects.toThrow(/git commit failed/);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('a sibling name with a line break is kept as it is: the same commit as git add + git commit', async () => {
    // GIVEN a committed file named with a line break beside the move's files
    const oddName = (dir: string) => {
      writeFiles(dir, { 'dist/a/odd\nname.yaml': 'odd\n' });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'odd name');
    };
    // WHEN the move commits, THEN the result is git's
    const { fast, slow, sha, files } = await both({ prepare: oddName });
    expectSameAsGitCommit(fast, slow, sha, files);
    expect(git(fast, 'ls-files', '--stage', '-z')).toContain('dist/a/odd\nname.yaml');
  });

  test('a new file that .gitignore matches is left out of the commit and the index, as git add leaves it', async () => {
    // GIVEN a rule ignoring one of the files the move writes
    const ignore = (dir: string) => { writeFiles(dir, { '.gitignore': 'dist/a/new/\n' }); git(dir, 'add', '.gitignore'); git(dir, 'commit', '-q', '-m', 'ignore'); };
    // WHEN the move commits
    const { fast, slow, sha, files } = await both({ prepare: ignore });
    // THEN the ignored file is neither committed nor staged, as with git add + git commit
    expectSameAsGitCommit(fast, slow, sha, files.filter((f) => !f.startsWith('dist/a/new/')));
    expect(git(fast, 'ls-files', 'dist/a/new')).toBe('');
  });

  test('a SHA-256 repository: the same tree as git add + git commit', async () => {
    const { fast, slow, sha, files } = await both({ init: ['--object-format=sha256'] });
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expectSameAsGitCommit(fast, slow, sha, files);
  });

  test('parseTree and serializeTree give back git\'s tree object byte for byte (git\'s order: a folder as if followed by /)', () => {
    // GIVEN a tree with names that sort differently as files and folders, and a name that is not UTF-8
    const dir = initRepo(tempDir());
    writeFiles(dir, { 'a-b': '1', 'a.b': '2', 'a/x': '3', 'ab': '4', 'é.yaml': '5' });
    fs.writeFileSync(Buffer.from(path.join(dir, 'raw-\xff.yaml'), 'latin1'), '6');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'names');
    const raw = execFileSync('git', ['cat-file', 'tree', 'HEAD^{tree}'], { cwd: dir });
    // WHEN it is parsed and written again
    const again = serializeTree(parseTree(raw, 20));
    // THEN the bytes are git's
    expect(again.equals(raw)).toBe(true);
    expect([...parseTree(raw, 20).keys()]).toContain('raw-\xff.yaml');
  });

  test('a tree with a zero-padded folder mode (040000, as old tools wrote it) is committed as git add + git commit do, with one entry per name', async () => {
    // GIVEN HEAD's top tree lists dist/ with the mode 040000, which git reads but no longer writes,
    // after dist.txt (git's order: dist/ sorts as 'dist/', a file 'dist' would sort before dist.txt)
    const legacy = (dir: string) => {
      writeFiles(dir, { 'dist.txt': 'd\n' });
      git(dir, 'add', 'dist.txt');
      git(dir, 'commit', '-q', '-m', 'dist.txt');
      const top = execFileSync('git', ['cat-file', 'tree', 'HEAD^{tree}'], { cwd: dir });
      const padded = Buffer.from(top.toString('latin1').replace('40000 dist\0', '040000 dist\0'), 'latin1');
      expect(padded.length).toBe(top.length + 1);
      const tree = execFileSync('git', ['hash-object', '--literally', '-w', '-t', 'tree', '--stdin'], { cwd: dir, input: padded }).toString().trim();
      git(dir, 'reset', '-q', '--hard', execFileSync('git', ['commit-tree', tree, '-m', 'legacy'], { cwd: dir }).toString().trim());
    };
    // WHEN a move's files are committed THEN the commit is git's own (the tree is not patched)
    const { fast, slow, sha } = await both({ prepare: legacy });
    expect(git(fast, 'rev-parse', 'HEAD').trim()).toBe(sha);
    expect(git(fast, 'rev-parse', 'HEAD^{tree}')).toBe(git(slow, 'rev-parse', 'HEAD^{tree}'));
    expect(git(fast, 'ls-files', '--stage')).toBe(git(slow, 'ls-files', '--stage'));
    expect(git(fast, 'ls-tree', 'HEAD').split('\n').filter((l) => l.endsWith('\tdist'))).toHaveLength(1);
    // (not --strict: the legacy commit itself holds the zero-padded mode)
    expect(gitCode(fast, 'fsck', '--no-progress')).toBe(0);
  });

  test('RawTree.canonical: the modes git writes, and not a zero-padded or group-writable one; patchTree declines a tree out of order where it edits', () => {
    const entry = (name: string, mode: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'latin1'), Buffer.alloc(20, 7)]);
    const tree = (...es: [string, string][]) => new RawTree(Buffer.concat(es.map(([n, m]) => entry(n, m))), 20);
    // GIVEN trees with git's five modes THEN they are canonical; AND a zero-padded or unknown mode is not
    expect(tree(['a-b', '100644'], ['a.b', '100644'], ['a', '40000'], ['ab', '100755'], ['l', '120000'], ['s', '160000']).canonical).toBe(true);
    expect(tree(['a.b', '100644'], ['a', '040000']).canonical).toBe(false);
    expect(tree(['a', '100664']).canonical).toBe(false);
    // GIVEN a tree out of git's order (b before a) WHEN a is replaced, removed or added THEN patchTree declines
    const unsorted = tree(['b', '100644'], ['a', '100644'], ['c', '100644']);
    const blob = { mode: '100644', oid: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' };
    expect(patchTree(unsorted, new Map([['a', blob]]))).toBeUndefined();
    expect(patchTree(unsorted, new Map([['a', null]]))).toBeUndefined();
    // AND a name the tree does not have, or one the search finds, is patched (the order kept as found)
    expect(patchTree(unsorted, new Map([['d', blob]]))).toBeDefined();
    expect(patchTree(unsorted, new Map([['c', null]]))).toBeDefined();
  });

  test('a tree whose entries are out of git\'s order (written by another tool) is committed as git add + git commit do', async () => {
    // GIVEN HEAD's top tree lists releases/ before dist/ and other.txt (git's order is the reverse)
    const unsorted = (dir: string) => {
      const top = execFileSync('git', ['cat-file', 'tree', 'HEAD^{tree}'], { cwd: dir });
      const entries = [...parseTree(top, 20)];
      const reversed = Buffer.concat(entries.reverse().map(([name, e]) => Buffer.concat([Buffer.from(`${e.mode} ${name}\0`, 'latin1'), Buffer.from(e.oid, 'hex')])));
      const tree = execFileSync('git', ['hash-object', '--literally', '-w', '-t', 'tree', '--stdin'], { cwd: dir, input: reversed }).toString().trim();
      git(dir, 'reset', '-q', '--hard', execFileSync('git', ['commit-tree', tree, '-m', 'unsorted'], { cwd: dir }).toString().trim());
    };
    // WHEN a move's files are committed THEN the commit is git's own: every name once, in git's order
    const { fast, slow, sha } = await both({ prepare: unsorted });
    expect(git(fast, 'rev-parse', 'HEAD').trim()).toBe(sha);
    expect(git(fast, 'rev-parse', 'HEAD^{tree}')).toBe(git(slow, 'rev-parse', 'HEAD^{tree}'));
    expect(git(fast, 'ls-tree', '--name-only', 'HEAD')).toBe('dist\nother.txt\nreleases\n');
  });

  test('fails as git does, writing no tree out of git\'s order, for a file under a submodule\'s path', async () => {
    // GIVEN a submodule dist/a/sub (its commit not an object here) beside dist/a/sub.txt, and a file written under its path
    const dir = baseRepo();
    writeFiles(dir, { 'dist/a/sub.txt': 's\n' });
    git(dir, 'add', '-A');
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},dist/a/sub`);
    git(dir, 'commit', '-q', '-m', 'submodule');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    writeFiles(dir, { 'dist/a/sub/x.yaml': 'x\n' });
    // WHEN it is committed THEN it fails as git commit does, and HEAD stays
    await expect(commitChangedFiles(await Git.open(dir), PATHS, ['dist/a/sub/x.yaml'], MESSAGE)).rejects.toThrow(/git commit failed: error: 'dist\/a\/sub' does not have a commit checked out/);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
    // AND no tree object with a folder sorted where the submodule was was written
    expect(execFileSync('git', ['fsck', '--no-dangling'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).not.toMatch(/treeNotSorted|error/);
  });

  test('patchTree gives the tree object git mktree makes of the edited entries, byte for byte', () => {
    // GIVEN a tree with names that sort differently as files and folders, and a name that is not UTF-8
    const dir = initRepo(tempDir());
    writeFiles(dir, { 'a-b': '1', 'a.b': '2', 'a/x': '3', 'ab': '4', 'm/y': '5', 'é.yaml': '6', 'z': '7' });
    fs.writeFileSync(Buffer.from(path.join(dir, 'raw-\xff.yaml'), 'latin1'), '8');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'names');
    const raw = execFileSync('git', ['cat-file', 'tree', 'HEAD^{tree}'], { cwd: dir });
    const head = new RawTree(raw, 20);
    const blob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const tree = '4b825dc642cb6eb9a060e54bf8d69288fbe4904b';
    // WHEN entries are replaced, removed and added: before the first, between a folder and the files
    // that sort around it (a/ after a.b, before ab), a folder named like a file, and after the last
    const edits = new Map<string, TreeEntry | null>([
      ['a.b', { mode: '100755', oid: blob }], // replaced (mode and id)
      ['m', { mode: '40000', oid: tree }], // a folder replaced
      ['z', null], // removed
      ['nosuch', null], // not there: nothing to remove
      ['0', { mode: '100644', oid: blob }], // before every entry
      ['a-c', { mode: '100644', oid: blob }],
      ['a.c', { mode: '40000', oid: tree }], // a folder sorts as 'a.c/'
      ['a0', { mode: '100644', oid: blob }], // after 'a/' ('/' < '0'), before 'ab'
      ['\xff\xfe', { mode: '100644', oid: blob }], // after every entry, not UTF-8
      ['raw-\xff.yaml', null], // removed, not UTF-8
      ['a', { mode: '100644', oid: blob }], // the folder a/ replaced by a file: it moves before a-b
    ]);
    const patched = patchTree(head, edits) as Buffer;
    // THEN the bytes are those of git mktree given the same entries (git sorts them itself)
    const entries = new Map(parseTree(raw, 20));
    for (const [name, e] of edits) if (e) entries.set(name, e); else entries.delete(name);
    const listing = Buffer.concat([...entries].map(([name, e]) => Buffer.concat([Buffer.from(`${e.mode === '40000' ? '040000 tree' : `${e.mode} blob`} ${e.oid}\t`, 'latin1'), Buffer.from(name, 'latin1'), Buffer.from('\0')])));
    const made = execFileSync('git', ['mktree', '-z', '--missing'], { cwd: dir, input: listing }).toString().trim();
    const expected = execFileSync('git', ['cat-file', 'tree', made], { cwd: dir });
    expect(patched.toString('hex')).toBe(expected.toString('hex'));
    expect(patched.equals(serializeTree(entries))).toBe(true);
    // AND lookups find files and folders by name, and nothing else
    expect(head.get('a')).toEqual({ mode: '40000', oid: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(head.get('a.b')?.mode).toBe('100644');
    expect(head.get('raw-\xff.yaml')?.mode).toBe('100644');
    expect([head.get('a/'), head.get('nosuch'), head.get('')]).toEqual([undefined, undefined, undefined]);
    // AND an edit of a new folder (no tree in HEAD) writes only its entries
    expect(patchTree(undefined, new Map([['b', { mode: '100644', oid: blob }], ['a', null]]))?.equals(serializeTree(new Map([['b', { mode: '100644', oid: blob }]])))).toBe(true);
  });
});
