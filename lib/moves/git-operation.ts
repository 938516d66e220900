/**
 * A git operation left half done in the work tree (a merge with conflicts or `--no-commit`, a
 * rebase stopped at a commit, a cherry-pick, a revert, `git am`): a move is a commit of its own on a
 * settled branch, so it refuses to start then. Without this check a move wrote its files, then
 * failed in `git write-tree` (unmerged paths) or `git commit` ("cannot do a partial commit during a
 * merge") with git's raw message and exit 1, and on a stopped rebase it said "HEAD is detached ...
 * `git switch main`", which would leave the rebase behind. The state files are git's own
 * (git-scm.com/docs/gitrepository-layout; `git status` reads the same ones).
 */
import * as fs from 'fs';
import * as path from 'path';

/** What is in progress, the file that says so, and how to finish or leave it. */
export interface GitOperation {
  /** `merge`, `rebase`, `cherry-pick`, `revert`, `am`. */
  readonly what: string;
  /** The state file or folder, relative to the work tree's git dir (`MERGE_HEAD`; `Git.gitPath` names it for a message: a linked worktree's git dir is not `.git`). */
  readonly file: string;
  /** The commands that finish it or give it up. */
  readonly fix: string;
}

/** The git operation in progress in the work tree whose git dir is `gitDir`, or undefined. */
export function gitOperationInProgress(gitDir: string): GitOperation | undefined {
  const has = (f: string) => fs.existsSync(path.join(gitDir, f));
  if (has('rebase-merge') || (has('rebase-apply') && !has('rebase-apply/applying'))) {
    return { what: 'rebase', file: has('rebase-merge') ? 'rebase-merge' : 'rebase-apply', fix: 'finish it (`git rebase --continue`) or give it up (`git rebase --abort`)' };
  }
  if (has('rebase-apply')) return { what: 'am', file: 'rebase-apply', fix: 'finish it (`git am --continue`) or give it up (`git am --abort`)' };
  if (has('MERGE_HEAD')) return { what: 'merge', file: 'MERGE_HEAD', fix: 'finish it (resolve, then `git commit`) or give it up (`git merge --abort`)' };
  if (has('CHERRY_PICK_HEAD')) return { what: 'cherry-pick', file: 'CHERRY_PICK_HEAD', fix: 'finish it (`git cherry-pick --continue`) or give it up (`git cherry-pick --abort`)' };
  if (has('REVERT_HEAD')) return { what: 'revert', file: 'REVERT_HEAD', fix: 'finish it (`git revert --continue`) or give it up (`git revert --abort`)' };
  return undefined;
}
