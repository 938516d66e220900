/**
 * Real git repositories in temporary directories for tests (no mocked git): a project copy with
 * releases/ and a synthesized dist/, committed on `main`, plus bare remotes and clones.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthProject, projectPaths } from '../../lib/synth/project';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

const made: string[] = [];

/** A fresh temporary directory, removed by `cleanupTempDirs`. */
export function tempDir(prefix = 'cdk8s-canary-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every directory `tempDir` made (call in afterAll). */
export function cleanupTempDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Runs real git synchronously; returns stdout. Throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `git init` on main with a local identity and no signing. */
export function initRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  configure(dir);
  return dir;
}

/**
 * Identity and settings a test repository needs (CI machines may have no global git config): what
 * `git config user.name ...` etc. would write, appended to the repository's .git/config in one write
 * (four git processes fewer per repository; git reads the same file).
 */
export function configure(dir: string): void {
  fs.appendFileSync(path.join(dir, '.git', 'config'), '[user]\n\tname = Test Runner\n\temail = test@example.com\n[commit]\n\tgpgsign = false\n[core]\n\tautocrlf = false\n');
}

/** Writes files (relative path -> content) below `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
  }
}

export interface ProjectRepoOptions {
  /** Spec files to copy from the project's releases/ (default: webapp.yaml). */
  readonly copy?: readonly string[];
  /** Extra spec files: name (without .yaml) -> text. */
  readonly specs?: Readonly<Record<string, string>>;
  /** Copy test/fixtures/ too (the app folders of `workload.type: manifests` specs). @default false */
  readonly fixtures?: boolean;
}

/**
 * A git repository holding a copy of the project's release specs and their synthesized dist/,
 * committed on main. Returns its directory.
 */
export function projectRepo(options: ProjectRepoOptions = {}): string {
  const dir = initRepo(tempDir('cdk8s-canary-repo-'));
  for (const f of options.copy ?? ['webapp.yaml']) {
    writeFiles(dir, { [`releases/${f}`]: fs.readFileSync(path.join(PROJECT_ROOT, 'releases', f), 'utf8') });
  }
  for (const [name, text] of Object.entries(options.specs ?? {})) writeFiles(dir, { [`releases/${name}.yaml`]: text });
  if (options.fixtures) fs.cpSync(path.join(PROJECT_ROOT, 'test', 'fixtures'), path.join(dir, 'test', 'fixtures'), { recursive: true });
  synthProject(projectPaths(dir));
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'initial releases');
  return dir;
}

/** A bare repository that `dir` pushes main to (upstream set), and a second clone of it. */
export function withRemote(dir: string): { remote: string; clone: () => string } {
  const remote = path.join(tempDir('cdk8s-canary-remote-'), 'origin.git');
  git(path.dirname(remote), 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '--quiet', '-u', 'origin', 'main');
  return {
    remote,
    clone: () => {
      const c = path.join(tempDir('cdk8s-canary-clone-'), 'work');
      git(path.dirname(c), 'clone', '--quiet', remote, c);
      configure(c);
      return c;
    },
  };
}

/**
 * The files of `rev` below `folder` (paths relative to it -> text), read with two git processes
 * (ls-tree, then one cat-file --batch for every blob) instead of a `git show` per file.
 */
export function filesAt(dir: string, folder: string, rev = 'HEAD'): Map<string, string> {
  const entries = git(dir, 'ls-tree', '-r', '-z', rev, '--', folder).split('\0').filter(Boolean).map((l) => {
    const tab = l.indexOf('\t');
    return { id: l.slice(0, tab).split(' ')[2], file: l.slice(tab + 1) };
  });
  const out = new Map<string, string>();
  if (!entries.length) return out;
  const raw = execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: entries.map((e) => `${e.id}\n`).join(''), env: { ...process.env, LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  let at = 0;
  for (const e of entries) {
    const nl = raw.indexOf(10, at);
    const size = Number(raw.subarray(at, nl).toString('utf8').split(' ')[2]);
    out.set(e.file.slice(folder.replace(/\/$/, '').length + 1), raw.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return out;
}

/** Commit ids of `rev`'s history, newest first. */
export function log(dir: string, rev = 'HEAD'): string[] {
  return git(dir, 'log', '--format=%H', rev).trim().split('\n').filter(Boolean);
}

/** `git status --porcelain` (empty when clean, untracked files included). */
export function porcelain(dir: string): string {
  return git(dir, 'status', '--porcelain', '--untracked-files=all');
}

/** Files changed by a commit, with their status letter (`M path`). */
export function changedFiles(dir: string, rev = 'HEAD'): string[] {
  return git(dir, 'show', '--format=', '--name-status', '--no-renames', rev).trim().split('\n').filter(Boolean).map((l) => l.replace(/\t/, ' '));
}

/** The changed lines (`+...` / `-...`, headers excluded) of a commit below `pathspec`. */
export function changedLines(dir: string, rev: string, pathspec: string): string[] {
  return git(dir, 'show', '--format=', '--unified=0', rev, '--', pathspec)
    .split('\n')
    .filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
}
