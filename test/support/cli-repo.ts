import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './project';

/** The compiled CLI, as users run it. */
export const BIN = path.join(REPO, 'bin/cdk8s-canary.js');

/** Environment of every git and CLI call in tests: a fixed identity, no user or system config. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in a folder; returns stdout, throws with stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the compiled CLI with `-C root`. */
export function cli(root: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, '-C', root, ...args], { encoding: 'utf8', env: { ...GIT_ENV, ...env } });
}

/** Starts the compiled CLI without waiting (races); `killAfterMs` sends it SIGKILL after that long. */
export function cliAsync(root: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '-C', root, ...args], { env: { ...GIT_ENV, ...env } });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => { if (timer) clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/** A temporary git repository (branch main) holding `files`, committed; removed by `cleanup`. */
export function tempRepo(files: Record<string, string | Buffer> = {}, message = 'initial'): { root: string; write(rel: string, content: string | Buffer): string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-git-'));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'commit.gpgsign', 'false');
  git(root, 'config', 'gc.auto', '0');
  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  fs.mkdirSync(path.join(root, 'releases'));
  for (const [rel, c] of Object.entries(files)) write(rel, c);
  if (Object.keys(files).length) {
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', message);
  }
  return { root, write, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/**
 * The baseline of the bad-input catalogues: `tempRepo(files)` synthesized with the compiled CLI and
 * committed, to be copied per case (`copyRepo`). Throws with synth's stderr when the baseline is
 * itself invalid.
 */
export function synthesizedRepo(files: Record<string, string | Buffer>): ReturnType<typeof tempRepo> {
  const repo = tempRepo(files);
  const r = cli(repo.root, ['synth']);
  if (r.status !== 0) throw new Error(`baseline synth failed: ${r.stderr}`);
  git(repo.root, 'add', '-A');
  git(repo.root, 'commit', '-qm', 'synth');
  return repo;
}

/** Copies a folder (a prepared repository) to a new temporary folder. */
export function copyRepo(from: string): { root: string; write(rel: string, content: string | Buffer): string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-git-'));
  fs.cpSync(from, root, { recursive: true, verbatimSymlinks: true });
  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  return { root, write, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/**
 * Everything a command could change in a repository, as one comparable value: a hash per file of
 * the working tree (tracked or not, .git excluded, symlinks by target), `git status`, every ref and
 * the whole history.
 */
export function repoState(root: string): { files: Record<string, string>; status: string; refs: string; log: string } {
  return {
    files: workingTreeFiles(root),
    status: git(root, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
    refs: git(root, 'for-each-ref', '--format=%(refname) %(objectname)') + git(root, 'rev-parse', 'HEAD'),
    log: git(root, 'log', '--all', '--format=%H %P %s'),
  };
}

/** The working tree of `repoState`: a hash per file (tracked or not, .git excluded, symlinks by target). */
export function workingTreeFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (d === root && e.name === '.git') continue;
      const p = path.join(d, e.name);
      const rel = path.relative(root, p);
      if (e.isSymbolicLink()) files[rel] = `-> ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) { files[`${rel}/`] = 'dir'; walk(p); } else if (!e.isFile()) files[rel] = 'not a regular file';
      else {
        const st = fs.statSync(p);
        // huge (sparse) files by size and time: hashing them would take longer than the test
        files[rel] = st.size > 16 * 1024 * 1024 ? `${st.size} bytes, mtime ${st.mtimeMs}` : crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      }
    }
  };
  walk(root);
  return files;
}

/**
 * Runs `fn` on a fresh copy of the prepared repository `from` (`copyRepo`); the copy is removed
 * afterwards, whatever happens (when `fn` returns a promise, once it settles).
 */
export function inCopyOf<T>(from: string, fn: (repo: ReturnType<typeof copyRepo>) => T): T {
  const repo = copyRepo(from);
  let result: T;
  try {
    result = fn(repo);
  } catch (e) {
    repo.cleanup();
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => repo.cleanup()) as T;
  repo.cleanup();
  return result;
}

/**
 * The environment that arms the crash hook at `point` (`<point>` or `<point>@<n>`; lib/crash-point.ts:
 * both variables are needed): the process kills itself there with SIGKILL, or sends itself `signal`
 * and goes on (CDK8S_CANARY_CRASH_SIGNAL: SIGINT, SIGTERM or SIGHUP, as when Ctrl-C lands there; the tests of a bad value pass others).
 */
export function crashAt(point: string, signal?: string): NodeJS.ProcessEnv {
  return { CDK8S_CANARY_CRASH_AT: point, CDK8S_CANARY_TEST_HOOKS: 'crash-point', ...(signal ? { CDK8S_CANARY_CRASH_SIGNAL: signal } : {}) };
}

/**
 * Runs the CLI in `root` and expects it refused before anything is written: exit 2, nothing on
 * stdout, exactly `stderr`; files, index, refs and history as before (`repoState`).
 */
export function expectRefusedUnchanged(root: string, args: readonly string[], stderr: string): void {
  const before = repoState(root);
  const r = cli(root, args);
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: '', stderr });
  expect(repoState(root)).toEqual(before);
}
