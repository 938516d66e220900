/**
 * updateIndexFile (lib/git/index-file.ts) writes a move's few index entries itself, instead of `git
 * update-index`, whose first write after a checkout re-reads every racily clean file (issue 19, cold
 * moves). It must write what git writes, byte for byte; keep git's racy-git rule (an edit in the
 * index's second is still seen); and decline, changing nothing, where it does not cover the index.
 * indexEntriesAt reads the entries under a move's paths without git (issue 19, fleet moves): what
 * `git ls-files --stage` lists there, or nothing where it declines.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitLockedError } from '../lib/git/git';
import { indexEntriesAt, IndexEdit, updateIndexFile } from '../lib/git/index-file';
import { cleanupTempDirs, git, initRepo, tempDir, writeFiles } from './support/git-repo';

afterAll(cleanupTempDirs);

const LONG = `${'d'.repeat(200)}/`.repeat(21) + 'long.yaml'; // 4230 bytes: longer than the 12-bit name length of an entry

/** A repository with a committed tree (cache-tree valid after the commit) and the files given. */
function repo(files: Record<string, string>, init: string[] = []): string {
  const dir = tempDir();
  git(dir, 'init', '--quiet', '--initial-branch=main', ...init);
  initRepo(dir);
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

const BASE = {
  'releases/a.yaml': 'weight: 0\n',
  'releases/b.yaml': 'weight: 0\n',
  'dist/a/x.yaml': 'x: 0\n',
  'dist/a/old.yaml': 'old\n',
  'dist/a/keep/k.yaml': 'k\n',
  'dist/a-b.yaml': 'sorts between dist/a and dist/a/ in the index\n',
  'dist/b/y.yaml': 'y\n',
  'dist/é/z.yaml': 'non-ASCII\n',
  'other.txt': 'o\n',
};

/** The edits of the given paths as a move makes them: each file's blob (hash-object), mode and lstat; gone files removed. */
function editsOf(dir: string, paths: readonly string[]): IndexEdit[] {
  return paths.map((p) => {
    const f = path.join(dir, p);
    if (!fs.existsSync(f)) return { path: p };
    const oid = git(dir, 'hash-object', '-w', '--', p).trim();
    return { path: p, entry: { mode: fs.statSync(f).mode & 0o111 ? 0o100755 : 0o100644, oid, stat: fs.lstatSync(f, { bigint: true }) } };
  });
}

/** The same update made twice from copies of the index: by updateIndexFile and by `git update-index --add --remove`. */
function bothWays(dir: string, paths: readonly string[]): { ours: Buffer; gits: Buffer; wrote: boolean } {
  const index = path.join(dir, '.git', 'index');
  const a = path.join(dir, '.git', 'a.index');
  const b = path.join(dir, '.git', 'b.index');
  fs.copyFileSync(index, a);
  fs.copyFileSync(index, b);
  const oidBytes = git(dir, 'rev-parse', 'HEAD').trim().length === 64 ? 32 : 20;
  const wrote = updateIndexFile(a, editsOf(dir, paths), oidBytes);
  execFileSync('git', ['update-index', '--add', '--remove', '-z', '--stdin'], { cwd: dir, input: paths.map((p) => `${p}\0`).join(''), env: { ...process.env, GIT_INDEX_FILE: b } });
  return { ours: fs.readFileSync(a), gits: fs.readFileSync(b), wrote };
}

/** The name of the i-th of the 3000 entries `addBigFolder` adds: m/NNNNN-xxx.../f.yaml (138 bytes). */
const name = (i: number) => `m/${String(i).padStart(5, '0')}-${'x'.repeat(120)}/f.yaml`;

/** Adds 3000 entries to the index, each in a folder of its own (index ~700 KB), and a 4230-byte path among them (m/01500-LONG). */
function addBigFolder(dir: string): void {
  const blob = git(dir, 'hash-object', '-w', '--', 'other.txt').trim();
  const lines = Array.from({ length: 3000 }, (_, i) => `100644 ${blob}\t${name(i)}\n`).join('') + `100644 ${blob}\tm/01500-${LONG}\n`;
  execFileSync('git', ['update-index', '--add', '--index-info'], { cwd: dir, input: lines });
}

/** A move's edit: a changed file, a deleted one, an emptied folder, a new file in a new folder, and a long path. */
function moveEdit(dir: string): string[] {
  writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n', 'dist/a/x.yaml': 'x: 10\n', 'dist/a/new/n.yaml': 'n: 1\n', 'dist/é/z.yaml': 'changed\n' });
  fs.rmSync(path.join(dir, 'dist/a/old.yaml'));
  fs.rmSync(path.join(dir, 'dist/a/keep'), { recursive: true });
  return ['dist/a/keep/k.yaml', 'dist/a/new/n.yaml', 'dist/a/old.yaml', 'dist/a/x.yaml', 'dist/é/z.yaml', 'releases/a.yaml'];
}

describe('updateIndexFile: the bytes git update-index writes', () => {
  test('a changed, deleted, new and non-ASCII file, an emptied folder, with the cache-tree valid: byte for byte as git', () => {
    // GIVEN a committed repository (its index holds a full cache-tree) and a move's edit
    const dir = repo(BASE);
    const paths = moveEdit(dir);
    // WHEN the same index is updated by updateIndexFile and by git update-index
    const { ours, gits, wrote } = bothWays(dir, paths);
    // THEN the two files are the same bytes, and the cache-tree extension is there
    expect(wrote).toBe(true);
    expect(ours.includes(Buffer.from('TREE'))).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('an entry whose path is longer than 4095 bytes is stepped over; entries after it are edited in place, as git does', () => {
    // GIVEN an index holding a 4230-byte path (its 12-bit length field says 0xfff), ahead of the edited files
    const dir = repo(BASE);
    const blob = git(dir, 'hash-object', '-w', '--', 'other.txt').trim();
    git(dir, 'update-index', '--add', '--cacheinfo', `100644,${blob},${LONG}`);
    writeFiles(dir, { 'releases/a.yaml': 'weight: 25\n', 'zz/new.yaml': 'new\n' });
    // WHEN both update releases/a.yaml and add zz/new.yaml
    const { ours, gits, wrote } = bothWays(dir, ['releases/a.yaml', 'zz/new.yaml']);
    // THEN the same bytes
    expect(wrote).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('an index and cache-tree larger than the read buffer (256 KiB): edits at the start, across chunk borders and at the end, byte for byte as git', () => {
    // GIVEN 3000 entries, each in a folder of its own (index ~700 KB, cache-tree ~400 KB, made valid by write-tree), and a long path among them
    const dir = repo(BASE);
    addBigFolder(dir);
    git(dir, 'write-tree');
    const index = fs.readFileSync(path.join(dir, '.git', 'index'));
    expect(index.length).toBeGreaterThan(600_000);
    // WHEN files at the start, in the middle, after the long path and at the end change, and new ones land between them
    const paths = [name(0), name(1499), name(1501), name(2999), `m/01500-${LONG.slice(0, 50)}.yaml`, 'm/zz.yaml', 'a.yaml'];
    writeFiles(dir, Object.fromEntries(paths.map((p) => [p, `${p.length}\n`])));
    const { ours, gits, wrote } = bothWays(dir, paths);
    // THEN the same bytes
    expect(wrote).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('a listed file that did not change leaves its folders\' cache-tree valid, as git does', () => {
    // GIVEN a committed repository (valid cache-tree); dist/b/y.yaml is listed but not rewritten
    const dir = repo(BASE);
    writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n' });
    // WHEN both update releases/a.yaml and the untouched dist/b/y.yaml
    const { ours, gits, wrote } = bothWays(dir, ['dist/b/y.yaml', 'releases/a.yaml']);
    // THEN the same bytes: dist/ and dist/b keep their tree ids
    expect(wrote).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('a SHA-256 repository: object ids and checksum of 32 bytes, byte for byte as git', () => {
    const dir = repo(BASE, ['--object-format=sha256']);
    const { ours, gits, wrote } = bothWays(dir, moveEdit(dir));
    expect(wrote).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('an index without a cache-tree: byte for byte as git', () => {
    // GIVEN an index built entry by entry (update-index --index-info writes no cache-tree)
    const dir = repo(BASE);
    const index = path.join(dir, '.git', 'index');
    fs.rmSync(index);
    execFileSync('git', ['update-index', '--index-info'], { cwd: dir, input: git(dir, 'ls-tree', '-r', 'HEAD') });
    git(dir, 'update-index', '--refresh');
    expect(fs.readFileSync(index).includes(Buffer.from('TREE'))).toBe(false);
    // WHEN / THEN both ways give the same bytes
    const { ours, gits, wrote } = bothWays(dir, moveEdit(dir));
    expect(wrote).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  test('an index with the offset tables git writes when configured (EOIE, IEOT): they are dropped, the rest is what git writes', () => {
    // GIVEN an index rewritten with EOIE and IEOT
    const dir = repo(BASE);
    git(dir, '-c', 'index.recordEndOfIndexEntries=true', '-c', 'index.recordOffsetTable=true', '-c', 'index.threads=2', 'update-index', '--force-write-index', '--refresh');
    const index = path.join(dir, '.git', 'index');
    expect(fs.readFileSync(index).includes(Buffer.from('EOIE'))).toBe(true);
    const paths = moveEdit(dir);
    // WHEN updateIndexFile writes the move's entries
    expect(updateIndexFile(index, editsOf(dir, paths), 20)).toBe(true);
    // THEN the offset tables are gone, and the index is what git update-index makes of the same (without them)
    const ours = fs.readFileSync(index);
    expect(ours.includes(Buffer.from('EOIE'))).toBe(false);
    git(dir, 'update-index', '--add', '--remove', '--', ...paths);
    expect(fs.readFileSync(index).equals(ours)).toBe(true);
    expect(git(dir, 'diff', '--name-only')).toBe('');
  });
});

describe('updateIndexFile: the racy-git rule holds', () => {
  /** Sets a file's mtime to the index's own second, as a checkout leaves the last files it writes. */
  function racy(dir: string, file: string): void {
    const t = fs.statSync(path.join(dir, '.git', 'index')).mtime;
    fs.utimesSync(path.join(dir, file), t, t);
  }

  test('an untouched file edited in the index\'s second, size and mtime kept, still shows as modified after the write', () => {
    // GIVEN a racily clean entry: other.txt re-stamped to the index's second, in the index so
    const dir = repo(BASE);
    racy(dir, 'other.txt');
    git(dir, 'update-index', '--refresh');
    racy(dir, 'other.txt');
    const indexTime = fs.statSync(path.join(dir, '.git', 'index')).mtimeMs;
    // ... then edited with the same size and the same mtime (a stat check alone cannot see it)
    fs.writeFileSync(path.join(dir, 'other.txt'), 'X\n');
    racy(dir, 'other.txt');
    // WHEN a move's entries are written (not other.txt's)
    const paths = moveEdit(dir);
    expect(updateIndexFile(path.join(dir, '.git', 'index'), editsOf(dir, paths), 20)).toBe(true);
    // THEN the index keeps its old second (no later), and git still sees the edit of other.txt
    expect(Math.floor(fs.statSync(path.join(dir, '.git', 'index')).mtimeMs / 1000)).toBeLessThanOrEqual(Math.floor(indexTime / 1000));
    expect(git(dir, 'diff', '--name-only')).toBe('other.txt\n');
  });

  test('a written file edited after it was hashed, size and mtime kept, shows as modified', () => {
    // GIVEN a move's entries written
    const dir = repo(BASE);
    const paths = moveEdit(dir);
    const edits = editsOf(dir, paths);
    const x = path.join(dir, 'dist/a/x.yaml');
    const { mtime } = fs.statSync(x);
    // WHEN dist/a/x.yaml changes after it was hashed, keeping its size and mtime
    fs.writeFileSync(x, 'x: 99\n');
    fs.utimesSync(x, mtime, mtime);
    expect(updateIndexFile(path.join(dir, '.git', 'index'), edits.map((e) => (e.path === 'dist/a/x.yaml' ? { path: e.path, entry: { ...e.entry!, stat: fs.lstatSync(x, { bigint: true }) } } : e)), 20)).toBe(true);
    // THEN git compares its content (the entry is racily clean) and reports it
    expect(git(dir, 'diff', '--name-only')).toBe('dist/a/x.yaml\n');
  });
});

describe('updateIndexFile: declines, changing nothing, where it does not cover the index', () => {
  /** Runs updateIndexFile on a prepared repository; the index must be unchanged and no lock left. */
  function declines(prepare: (dir: string) => void, paths?: (dir: string) => string[]): void {
    const dir = repo(BASE);
    prepare(dir);
    const p = (paths ?? moveEdit)(dir);
    const index = path.join(dir, '.git', 'index');
    const before = fs.readFileSync(index);
    expect(updateIndexFile(index, editsOf(dir, p), 20)).toBe(false);
    expect(fs.readFileSync(index).equals(before)).toBe(true);
    expect(fs.existsSync(`${index}.lock`)).toBe(false);
  }

  test('index version 4 (paths compressed)', () => declines((d) => git(d, 'update-index', '--index-version', '4')));
  test('a split index (link extension)', () => declines((d) => git(d, 'update-index', '--split-index')));
  test('the untracked cache', () => declines((d) => { git(d, 'update-index', '--untracked-cache'); git(d, 'status', '--porcelain'); }));
  test('an unmerged entry', () => declines((d) => {
    const blob = git(d, 'hash-object', '-w', '--', 'other.txt').trim();
    execFileSync('git', ['update-index', '--index-info'], { cwd: d, input: `100644 ${blob} 2\tconflict.txt\n` });
  }));
  test('a skip-worktree entry among the edited (index version 3)', () => declines((d) => git(d, 'update-index', '--skip-worktree', 'releases/a.yaml')));
  test('a checksum that does not match the bytes', () => declines((d) => {
    const index = path.join(d, '.git', 'index');
    const b = fs.readFileSync(index);
    b[b.length - 1] ^= 1;
    fs.writeFileSync(index, b);
  }));
  test('a new file where the index has a folder of that name', () => declines(() => undefined, (d) => {
    fs.rmSync(path.join(d, 'dist/b'), { recursive: true });
    writeFiles(d, { 'dist/b': 'now a file\n' });
    return ['dist/b'];
  }));
  test('a new file under a path the index has as a file', () => declines(() => undefined, (d) => {
    fs.rmSync(path.join(d, 'other.txt'));
    writeFiles(d, { 'other.txt/inner.yaml': 'now a folder\n' });
    return ['other.txt/inner.yaml'];
  }));

  test('an assume-unchanged entry among the edited (git keeps it, and its flag)', () => declines((d) => git(d, 'update-index', '--assume-unchanged', 'dist/a/x.yaml')));
  test('a path git would not enter as given (./x, d//f, .GIT/x, a trailing /)', () => {
    for (const bad of ['./x.yaml', 'dist//x.yaml', '.GIT/x.yaml', 'dist/a/', 'dist/../x.yaml']) {
      const dir = repo(BASE);
      writeFiles(dir, { 'releases/a.yaml': 'weight: 10\n' });
      const index = path.join(dir, '.git', 'index');
      const before = fs.readFileSync(index);
      const edits = [...editsOf(dir, ['releases/a.yaml']), { path: bad, entry: editsOf(dir, ['releases/a.yaml'])[0].entry }];
      expect([bad, updateIndexFile(index, edits, 20)]).toEqual([bad, false]);
      expect(fs.readFileSync(index).equals(before)).toBe(true);
    }
  });
  test('a file dated 1970 or before (git\'s 32-bit seconds, and an index dated 0 would switch off the racy check)', () => {
    for (const when of [0, -0.5, -3]) {
      const dir = repo(BASE);
      const paths = moveEdit(dir);
      execFileSync('touch', ['-d', `@${when}`, path.join(dir, 'dist/a/x.yaml')]); // (node's utimes takes a negative time as now)
      const index = path.join(dir, '.git', 'index');
      const before = fs.readFileSync(index);
      expect([when, updateIndexFile(index, editsOf(dir, paths), 20)]).toEqual([when, false]);
      expect(fs.readFileSync(index).equals(before)).toBe(true);
    }
  });

  test('an index dated 1970 (git takes no entry of an index dated 0 as racily clean)', () => declines((d) => execFileSync('touch', ['-d', '@0', path.join(d, '.git', 'index')])));

  test('a skip-worktree entry elsewhere does not stop it: version 3 kept, that entry kept', () => {
    const dir = repo(BASE);
    git(dir, 'update-index', '--skip-worktree', 'releases/b.yaml');
    const { ours, gits, wrote } = bothWays(dir, moveEdit(dir));
    expect(wrote).toBe(true);
    expect(ours.readUInt32BE(4)).toBe(3);
    expect(ours.equals(gits)).toBe(true);
  });

  test('fails when index.lock exists, as git does, and leaves that lock alone', () => {
    // GIVEN another git process's lock
    const dir = repo(BASE);
    const index = path.join(dir, '.git', 'index');
    fs.writeFileSync(`${index}.lock`, '');
    const edits = editsOf(dir, moveEdit(dir));
    // WHEN / THEN it fails naming the lock, and the lock stays
    expect(() => updateIndexFile(index, edits, 20)).toThrow(GitLockedError);
    expect(() => updateIndexFile(index, edits, 20)).toThrow(/index\.lock exists/);
    expect(fs.existsSync(`${index}.lock`)).toBe(true);
  });
});

describe('indexEntriesAt: the entries under a move\'s paths, as git ls-files --stage lists them', () => {
  /** git's answer: `git ls-files --stage -- PATHS` (literal pathspecs) as path -> mode and object id. */
  function gitsEntries(dir: string, paths: readonly string[]): Map<string, { mode: number; oid: string }> {
    const out = execFileSync('git', ['ls-files', '--stage', '-z', '--', ...paths], { cwd: dir, env: { ...process.env, GIT_LITERAL_PATHSPECS: '1' } }).toString('utf8');
    return new Map(out.split('\0').filter(Boolean).map((rec) => {
      const [meta, p] = rec.split('\t');
      const [mode, oid] = meta.split(' ');
      return [p, { mode: parseInt(mode, 8), oid }];
    }));
  }

  test('files and folders, names that sort between a folder and its entries (dist/a-b.yaml), non-ASCII, missing paths: the same entries as git', () => {
    // GIVEN a committed repository with an executable file
    const dir = repo(BASE);
    fs.chmodSync(path.join(dir, 'dist/b/y.yaml'), 0o755);
    git(dir, 'add', 'dist/b/y.yaml');
    const index = path.join(dir, '.git', 'index');
    for (const paths of [['releases/a.yaml', 'dist/a'], ['dist/a-b.yaml'], ['dist/a', 'dist/a/keep'], ['dist/é', 'dist/b'], ['dist'], ['nothing/here', 'dist/a/x'], ['other.txt', 'releases']]) {
      // WHEN the entries under the paths are read
      const got = indexEntriesAt(index, paths, 20);
      // THEN they are git's, and there are some where git has some
      expect([paths, got]).toEqual([paths, gitsEntries(dir, paths)]);
    }
    expect(indexEntriesAt(index, ['dist/a'], 20)!.size).toBe(3);
    expect(indexEntriesAt(index, ['dist/b'], 20)!.get('dist/b/y.yaml')!.mode).toBe(0o100755);
  });

  test('an index larger than the read buffer, with a 4230-byte path, an untracked cache and a skip-worktree entry elsewhere: the same entries as git', () => {
    // GIVEN 3000 entries in folders of their own (~700 KB), a long path, the untracked cache (an optional extension), a v3 index
    const dir = repo(BASE);
    addBigFolder(dir);
    git(dir, 'update-index', '--untracked-cache');
    git(dir, 'status', '--porcelain');
    git(dir, 'update-index', '--skip-worktree', 'releases/b.yaml');
    const index = path.join(dir, '.git', 'index');
    expect(fs.readFileSync(index).includes(Buffer.from('UNTR'))).toBe(true);
    for (const paths of [[name(0).split('/').slice(0, 2).join('/'), name(2999)], ['m/01500-dddd', `m/01500-${LONG}`, name(1501)], ['m'], ['releases/a.yaml']]) {
      // WHEN the entries under the paths are read / THEN they are git's
      expect([paths, indexEntriesAt(index, paths, 20)]).toEqual([paths, gitsEntries(dir, paths)]);
    }
    expect(indexEntriesAt(index, ['m'], 20)!.size).toBe(3001);
  });

  test('a SHA-256 repository: object ids and checksum of 32 bytes', () => {
    const dir = repo(BASE, ['--object-format=sha256']);
    const index = path.join(dir, '.git', 'index');
    expect(indexEntriesAt(index, ['dist/a'], 32)).toEqual(gitsEntries(dir, ['dist/a']));
    expect([...indexEntriesAt(index, ['dist/a'], 32)!.values()][0].oid).toHaveLength(64);
  });

  /** Reads the index of a prepared repository under the move's paths; it must decline. */
  function declines(prepare: (dir: string) => void, holds?: string): void {
    const dir = repo(BASE);
    prepare(dir);
    if (holds) expect(fs.readFileSync(path.join(dir, '.git', 'index')).includes(Buffer.from(holds))).toBe(true);
    expect(indexEntriesAt(path.join(dir, '.git', 'index'), ['releases/a.yaml', 'dist/a'], 20)).toBeUndefined();
  }

  test('declines for index version 4 (paths compressed)', () => declines((d) => git(d, 'update-index', '--index-version', '4')));
  test('declines for a split index (link: entries in another file)', () => declines((d) => git(d, 'update-index', '--split-index'), 'link'));
  test('declines for a sparse index (sdir: folders as entries)', () => declines((d) => {
    git(d, 'sparse-checkout', 'init', '--cone', '--sparse-index');
    git(d, 'sparse-checkout', 'set', 'releases');
  }, 'sdir'));
  test('declines for an unmerged entry', () => declines((d) => {
    const blob = git(d, 'hash-object', '-w', '--', 'other.txt').trim();
    execFileSync('git', ['update-index', '--index-info'], { cwd: d, input: `100644 ${blob} 2\tconflict.txt\n` });
  }));
  test('declines for an intent-to-add entry under the paths (git diff --cached does not count it)', () => declines((d) => {
    writeFiles(d, { 'dist/a/planned.yaml': 'p\n' });
    git(d, 'add', '-N', 'dist/a/planned.yaml');
  }));
  test('declines for a checksum that does not match the bytes', () => declines((d) => {
    const index = path.join(d, '.git', 'index');
    const b = fs.readFileSync(index);
    b[b.length - 1] ^= 1;
    fs.writeFileSync(index, b);
  }));
  test('declines for a missing index file', () => declines((d) => fs.rmSync(path.join(d, '.git', 'index'))));
});
