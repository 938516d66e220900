/**
 * The repository lock: one writer (a move, a group move, `synth`, the repair of an interrupted
 * command) at a time per repository. `<git dir>/cdk8s-canary.lock`, created with O_EXCL; a second
 * writer fails at once with `RepositoryBusyError` (exit 1); a dead process's lock is taken over
 * (lib/git/lock.ts).
 */
import { Git, NotARepositoryError, withRepositoryLock } from '../git';
import { UsageError } from '../spec/errors';
import { LOCK_NAME, lockPlace } from './places';

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
