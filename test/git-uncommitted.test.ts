/**
 * uncommittedChanges (lib/git/uncommitted.ts) says whether a move's paths are clean without
 * `git status`'s pass over the whole index. Its oracle is `git status` itself (Git.status): in every
 * state below, it reports exactly what git status reports; and when the paths are clean it proves it
 * without running git status.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Git, provablyClean, uncommittedChanges } from '../lib/git';
import { cleanupTempDirs, configure, git, initRepo, tempDir, writeFiles } from './support/git-repo';

afterAll(cleanupTempDirs);

const PATHS = ['releases/a.yaml', 'dist/a'];

/** A committed repository holding the move's paths and others. */
function repo(): string {
  const dir = initRepo(tempDir());
  writeFiles(dir, { 'releases/a.yaml': 'weight: 0\n', 'dist/a/x.yaml': 'x: 0\n', 'dist/a/sub/y.yaml': 'y: 0\n', 'dist/b/z.yaml': 'z\n', '.gitignore': '*.swp\n' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** The states a move's paths can be in, and what makes them so. */
const STATES: [string, (dir: string) => void][] = [
  ['modified', (d) => writeFiles(d, { 'dist/a/x.yaml': 'x: 1\n' })],
  ['modified and staged', (d) => { writeFiles(d, { 'releases/a.yaml': 'weight: 5\n' }); git(d, 'add', 'releases/a.yaml'); }],
  ['staged, then put back in the work tree (only the index differs)', (d) => { writeFiles(d, { 'dist/a/x.yaml': 'x: 1\n' }); git(d, 'add', 'dist/a/x.yaml'); writeFiles(d, { 'dist/a/x.yaml': 'x: 0\n' }); }],
  ['untracked file', (d) => writeFiles(d, { 'dist/a/new.yaml': 'n\n' })],
  ['untracked hidden file (a swap file of an atomic write)', (d) => writeFiles(d, { 'dist/a/.x.yaml.tmp-1': 'x\n' })],
  ['deleted file', (d) => fs.rmSync(path.join(d, 'dist/a/sub/y.yaml'))],
  ['deleted and staged', (d) => git(d, 'rm', '-q', 'dist/a/sub/y.yaml')],
  ['executable bit set', (d) => fs.chmodSync(path.join(d, 'dist/a/x.yaml'), 0o755)],
  ['executable bit set, core.fileMode false', (d) => { git(d, 'config', 'core.fileMode', 'false'); fs.chmodSync(path.join(d, 'dist/a/x.yaml'), 0o755); }],
  ['ignored file', (d) => writeFiles(d, { 'dist/a/x.yaml.swp': 'swap\n' })],
  ['stale stat data, same bytes', (d) => { const t = new Date(Date.now() + 5000); fs.utimesSync(path.join(d, 'dist/a/x.yaml'), t, t); }],
  ['CRLF on disk with core.autocrlf true (git stores LF)', (d) => { git(d, 'config', 'core.autocrlf', 'true'); writeFiles(d, { 'dist/a/x.yaml': 'x: 0\r\n' }); }],
  ['a symlink where a file was', (d) => { fs.rmSync(path.join(d, 'dist/a/x.yaml')); fs.symlinkSync('sub/y.yaml', path.join(d, 'dist/a/x.yaml')); }],
  ['a change outside the paths only', (d) => writeFiles(d, { 'dist/b/z.yaml': 'changed\n' })],
];

describe('uncommittedChanges: what git status says about a move\'s paths, without its whole-index pass', () => {
  test.each(STATES)('%s: the same entries as git status', async (_name, make) => {
    // GIVEN a repository whose move paths are in that state
    const dir = repo();
    make(dir);
    const g = await Git.open(dir);
    // WHEN asked for the uncommitted changes of the move's paths
    const got = await uncommittedChanges(g, PATHS);
    // THEN the answer is git status's
    expect(got).toEqual(await g.status(PATHS));
  });

  test('clean paths are proven clean without git status; each dirty state is not', async () => {
    const clean = repo();
    expect(await provablyClean(await Git.open(clean), PATHS)).toBe(true);
    // stale stat data with the same bytes is clean too (git status refreshes and says so)
    const stale = repo();
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(stale, 'dist/a/x.yaml'), t, t);
    expect(await provablyClean(await Git.open(stale), PATHS)).toBe(true);
    for (const [name, make] of STATES.filter(([n]) => !/stale stat|outside the paths|ignored|core\.fileMode false|autocrlf/.test(n))) {
      const dir = repo();
      make(dir);
      expect([name, await provablyClean(await Git.open(dir), PATHS)]).toEqual([name, false]);
    }
  });

  test('from a sub-folder of the repository (a project inside a monorepo), the paths are the project\'s', async () => {
    // GIVEN the project in proj/ of a repository, clean, then one file changed
    const dir = initRepo(tempDir());
    writeFiles(dir, { 'proj/releases/a.yaml': 'weight: 0\n', 'proj/dist/a/x.yaml': 'x\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
    const g = await Git.open(path.join(dir, 'proj'));
    expect(await provablyClean(g, PATHS)).toBe(true);
    writeFiles(dir, { 'proj/dist/a/x.yaml': 'changed\n' });
    // THEN the change is found, as git status reports it
    expect(await uncommittedChanges(g, PATHS)).toEqual(await g.status(PATHS));
    expect(await uncommittedChanges(g, PATHS)).toHaveLength(1);
  });

  /** The git commands provablyClean runs (GIT_TRACE), by name, and its answer. */
  async function traced(dir: string): Promise<{ clean: boolean; commands: string[] }> {
    const trace = path.join(tempDir(), 'trace.txt');
    process.env.GIT_TRACE = trace;
    try {
      const clean = await provablyClean(await Git.open(dir), PATHS);
      return { clean, commands: fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes('trace: built-in: git')).map((l) => l.replace(/^.*built-in: git (-C \S+ )?/, '').split(' ')[0]) };
    } finally {
      delete process.env.GIT_TRACE;
    }
  }

  test('the index is read from its file, without git diff-index; a change only in the index is still found', async () => {
    // GIVEN a clean repository, and one whose index alone differs under the paths (staged, then put back)
    const clean = repo();
    const staged = repo();
    writeFiles(staged, { 'dist/a/x.yaml': 'x: 1\n' });
    git(staged, 'add', 'dist/a/x.yaml');
    writeFiles(staged, { 'dist/a/x.yaml': 'x: 0\n' });
    // WHEN each is checked / THEN the answers are right, and git reads no index for them
    expect(await traced(clean)).toEqual({ clean: true, commands: ['rev-parse', 'ls-tree'] });
    expect(await traced(staged)).toEqual({ clean: false, commands: ['rev-parse', 'ls-tree'] });
  });

  test('git diff-index answers where the index file is not read here (version 4), with the same answers', async () => {
    const clean = repo();
    git(clean, 'update-index', '--index-version', '4');
    const staged = repo();
    writeFiles(staged, { 'releases/a.yaml': 'weight: 5\n' });
    git(staged, 'add', 'releases/a.yaml');
    writeFiles(staged, { 'releases/a.yaml': 'weight: 0\n' });
    git(staged, 'update-index', '--index-version', '4');
    expect(await traced(clean)).toEqual({ clean: true, commands: ['rev-parse', 'ls-tree', 'diff-index'] });
    expect(await traced(staged)).toEqual({ clean: false, commands: ['rev-parse', 'ls-tree', 'diff-index'] });
  });

  /** A committed repository whose dist/a holds a file named by `committed` (bytes), with `then` done after the commit. */
  function bytesRepo(committed: Buffer, then: (dir: string, at: (name: Buffer) => Buffer) => void): string {
    const dir = repo();
    const at = (name: Buffer) => Buffer.concat([Buffer.from(`${dir}/dist/a/`), name]);
    fs.writeFileSync(at(committed), 'same\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'odd name');
    then(dir, at);
    return dir;
  }

  test('names that are not UTF-8 are not judged here (they read as U+FFFD, as a real U+FFFD name does): git status answers', async () => {
    const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');
    const LATIN1 = Buffer.from([0xff]);
    for (const [name, dir] of [
      // a real U+FFFD file committed, a \xff file with the same bytes staged
      ['staged \\xff beside a committed U+FFFD', bytesRepo(REPLACEMENT, (d, at) => { fs.writeFileSync(at(LATIN1), 'same\n'); git(d, 'add', '-A'); })],
      // a committed \xff file deleted, an untracked U+FFFD file with the same bytes in its place
      ['deleted \\xff, untracked U+FFFD', bytesRepo(LATIN1, (_d, at) => { fs.rmSync(at(LATIN1)); fs.writeFileSync(at(REPLACEMENT), 'same\n'); })],
    ] as const) {
      const g = await Git.open(dir);
      // THEN not proven clean, and the changes are git status's
      expect([name, await provablyClean(g, PATHS)]).toEqual([name, false]);
      expect(await uncommittedChanges(g, PATHS)).toEqual(await g.status(PATHS));
      expect((await uncommittedChanges(g, PATHS)).length).toBeGreaterThan(0);
    }
  });

  test('with no file of HEAD under the paths (no object id to tell SHA-1 from SHA-256), git diff-index answers', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q', '--object-format=sha256', '--initial-branch=main');
    configure(dir);
    writeFiles(dir, { 'other.yaml': 'o\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
    expect(await traced(dir)).toEqual({ clean: true, commands: ['rev-parse', 'ls-tree', 'diff-index'] });
  });
});
