import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { git } from './cli-repo';

/**
 * One prepared repository that the cases of a suite share instead of a copy each (`copyRepo`): a
 * copy and its removal cost a file operation per file of the work tree and of .git, where `reset()`
 * is a few git calls. `reset()` puts the repository back exactly as it was when `reusedRepo` was
 * called: HEAD (the branch) at the prepared commit, the index and the work tree as that commit has
 * them, no untracked or ignored file (swap leftovers like `.dist.tmp-*` included), and .git's
 * cdk8s-canary files (the repository lock, the move journal, the caches) as they were; git's own lock
 * files a kill may leave are removed. It checks that `git status` is then empty, so a case cannot
 * start from what the previous one left.
 */
export function reusedRepo(root: string): { root: string; head: string; reset(to?: string): void; write(rel: string, content: string | Buffer): string; cleanup(): void } {
  const head = git(root, 'rev-parse', 'HEAD').trim();
  const branch = git(root, 'symbolic-ref', 'HEAD').trim();
  if (git(root, 'status', '--porcelain', '--ignored', '--untracked-files=all')) throw new Error(`reusedRepo: ${root} is not clean`);
  const gitDir = path.join(root, '.git');
  // .git/cdk8s-canary (caches written by the set-up's commands) and .git/cdk8s-canary.lock, kept beside the repository
  const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-saved-'));
  const OWN = ['cdk8s-canary', 'cdk8s-canary.lock'];
  for (const f of OWN) if (fs.existsSync(path.join(gitDir, f))) fs.cpSync(path.join(gitDir, f), path.join(saved, f), { recursive: true });
  // `to`: another commit to put the branch at (one a case reached from the prepared one), with the
  // rest as above; the default is the prepared commit
  const reset = (to = head) => {
    for (const f of [...OWN, 'index.lock', 'HEAD.lock', `${branch}.lock`]) fs.rmSync(path.join(gitDir, f), { recursive: true, force: true });
    for (const f of OWN) if (fs.existsSync(path.join(saved, f))) fs.cpSync(path.join(saved, f), path.join(gitDir, f), { recursive: true });
    git(root, 'symbolic-ref', 'HEAD', branch);
    git(root, 'reset', '-q', '--hard', to);
    git(root, 'clean', '-qfdx');
    const left = git(root, 'status', '--porcelain', '--ignored', '--untracked-files=all');
    if (left) throw new Error(`reusedRepo: not clean after reset:\n${left}`);
  };
  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  return { root, head, reset, write, cleanup: () => { fs.rmSync(root, { recursive: true, force: true }); fs.rmSync(saved, { recursive: true, force: true }); } };
}
