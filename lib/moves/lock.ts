/**
 * The repository lock: one writer (a move, a group move, `synth`, the repair of an interrupted
 * command) at a time per repository. `<git dir>/cdk8s-canary.lock`, created with O_EXCL; a second
 * writer fails at once with `RepositoryBusyError` (exit 1); a dead process's lock is taken over
 * (lib/git/lock.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Git, NotARepositoryError, withRepositoryLock } from '../git';
import { UsageError } from '../spec/errors';

/** Name of the repository lock (`<git dir>/cdk8s-canary.lock`), shared by synth and every move. */
export const LOCK_NAME = 'cdk8s-canary';

/**
 * Where the repository lock lives: the git directory of the repository holding `root` (found by
 * walking up, so a project in a sub-folder of a repository shares its lock), or `root` itself
 * (`.cdk8s-canary.lock`) outside git. Never in the working tree of a repository, never committed.
 */
export function lockPlace(root: string): { dir: string; name: string } {
  for (let d = path.resolve(root); ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git');
    try {
      const st = fs.statSync(dotGit);
      if (st.isDirectory()) return { dir: dotGit, name: LOCK_NAME };
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8')); // a linked worktree
      if (m) return { dir: path.resolve(d, m[1].trim()), name: LOCK_NAME };
    } catch { /* no .git here */ }
    if (path.dirname(d) === d) return { dir: path.resolve(root), name: `.${LOCK_NAME}` };
  }
}

/** Runs `fn` holding the repository lock of the repository at `root` (inside git or not). Throws RepositoryBusyError (exit 1) when another writer holds it. */
export function withCommandLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const { dir, name } = lockPlace(root);
  return withRepositoryLock(dir, name, fn);
}

/** Runs `fn` holding the lock of an open repository, after checking git's own index.lock is free (GitLockedError, exit 1, when not). */
export function withGitLock<T>(git: Git, fn: () => Promise<T>): Promise<T> {
  return withRepositoryLock(git.gitDir, LOCK_NAME, async () => {
    git.assertIndexUnlocked();
    return fn();
  });
}

/** Opens the git repository holding `dir`; UsageError (exit 2) when there is none. */
export async function openGit(dir: string): Promise<Git> {
  try {
    return await Git.open(dir);
  } catch (e) {
    if (e instanceof NotARepositoryError) throw new UsageError(e.message);
    throw e;
  }
}
