import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, expectRefusedUnchanged, git, inCopyOf, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * A move while a git operation is half done in the work tree. It used to write its files and then
 * fail in git with exit 1 ("git write-tree failed: notes.txt: unmerged ...", "git commit failed:
 * fatal: cannot do a partial commit during a merge"), or, on a rebase stopped at a commit, say "HEAD
 * is detached ... `git switch main`", which would strand the rebase. It is now refused up front, exit 2,
 * naming the operation and the commands that finish it or give it up.
 */
describe('a move while a merge, rebase, cherry-pick or revert is in progress', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => {
    // GIVEN shop with a canary, and a branch `other` that edits notes.txt as main does
    base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 0\n'), 'notes.txt': 'a\n' });
    git(base.root, 'switch', '-q', '-c', 'other');
    fs.writeFileSync(path.join(base.root, 'notes.txt'), 'b\n');
    git(base.root, 'commit', '-qam', 'b');
    git(base.root, 'switch', '-q', 'main');
    fs.writeFileSync(path.join(base.root, 'notes.txt'), 'c\n');
    git(base.root, 'commit', '-qam', 'c');
  });
  afterAll(() => base.cleanup());

  const refused = (what: string, file: string, fix: string) =>
    `error: a git ${what} is in progress in this work tree (.git/${file}); a move is a commit of its own on a settled branch: ${fix}, then move again; nothing was written\n`;

  const cases: [string, string[], string][] = [
    ['merge with a conflict', ['merge', '-q', 'other'], refused('merge', 'MERGE_HEAD', 'finish it (resolve, then `git commit`) or give it up (`git merge --abort`)')],
    ['merge --no-commit', ['merge', '-q', '-s', 'ours', '--no-commit', 'other'], refused('merge', 'MERGE_HEAD', 'finish it (resolve, then `git commit`) or give it up (`git merge --abort`)')],
    ['rebase stopped at a conflict', ['rebase', '-q', 'other'], refused('rebase', 'rebase-merge', 'finish it (`git rebase --continue`) or give it up (`git rebase --abort`)')],
    ['cherry-pick stopped at a conflict', ['cherry-pick', 'other'], refused('cherry-pick', 'CHERRY_PICK_HEAD', 'finish it (`git cherry-pick --continue`) or give it up (`git cherry-pick --abort`)')],
  ];

  test.each(cases)('fails step during a %s: exit 2, the operation named with its commands, files, index and history unchanged', (_what, op, message) => inCopyOf(base.root, (repo) => {
    // GIVEN the operation stopped half done (a conflict stops it: that is the state under test)
    try { git(repo.root, ...op); } catch { /* stopped */ }
    // WHEN step THEN refused up front, nothing written
    expectRefusedUnchanged(repo.root, ['step', 'shop'], message);
  }));

  test('fails step during a merge in a linked worktree, naming the merge\'s file in that worktree\'s git dir (there is no .git/MERGE_HEAD)', () => inCopyOf(base.root, (repo) => {
    // GIVEN a linked worktree (git worktree add) whose merge stopped at a conflict
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-worktree-'));
    try {
      const wt = path.join(top, 'side');
      git(repo.root, 'worktree', 'add', '-q', '-b', 'side', wt, 'main');
      try { git(wt, 'merge', '-q', 'other'); } catch { /* conflict */ }
      const mergeHead = path.join(fs.realpathSync(repo.root), '.git', 'worktrees', 'side', 'MERGE_HEAD');
      expect(fs.existsSync(mergeHead)).toBe(true);
      expect(fs.existsSync(path.join(wt, '.git', 'MERGE_HEAD'))).toBe(false); // .git is a file there
      // WHEN step runs in the worktree THEN it is refused, naming the file where it is (as git rev-parse --git-path names it)
      expectRefusedUnchanged(wt, ['step', 'shop'], refused('merge', 'MERGE_HEAD', 'finish it (resolve, then `git commit`) or give it up (`git merge --abort`)').replace('.git/MERGE_HEAD', mergeHead));
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  }));

  test('GIVEN the merge given up (git merge --abort) WHEN step THEN the move is committed', () => inCopyOf(base.root, (repo) => {
    try { git(repo.root, 'merge', '-q', 'other'); } catch { /* conflict */ }
    git(repo.root, 'merge', '--abort');
    const r = cli(repo.root, ['step', 'shop']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shop: canary 1\.1\.0 0% -> 25%\n/);
  }));
});
