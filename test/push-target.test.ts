import { cli, expectRefusedUnchanged, git, inCopyOf, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * `--push` in a repository with nowhere to push (no upstream, no `origin`: a fresh `git init`, a
 * scratch clone whose remote was removed): the move used to be committed and then fail to push
 * (exit 1, "the move is committed locally ..."). It is now refused before anything is written.
 */
describe('--push without a remote', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => { base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 0\n') }); });
  afterAll(() => base.cleanup());

  const message = '--push: branch main has no upstream and this repository has no remote \'origin\', so there is nowhere to push; '
    + 'add it (`git remote add origin URL`, then `git push -u origin main` once), or drop --push; nothing was written';

  test.each([
    ['step', ['step', 'shop', '--push']],
    ['set-weight', ['set-weight', 'shop', '10', '--push']],
    ['advance', ['advance', '--push']],
  ])('fails %s --push with exit 2 before writing: files, index and history unchanged', (_what, args) => inCopyOf(base.root, (repo) => {
    // GIVEN a repository without remotes
    expect(git(repo.root, 'remote')).toBe('');
    // WHEN a move runs with --push THEN it is refused up front, saying how to add the remote; nothing is committed
    expectRefusedUnchanged(repo.root, args, `error: ${message}\n`);
  }));

  test('GIVEN the same repository WHEN step --dry-run --push THEN the dry run still prints the diff (nothing would be pushed)', () => inCopyOf(base.root, (repo) => {
    const r = cli(repo.root, ['step', 'shop', '--dry-run', '--push']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/dry run: would commit "shop: canary 1\.1\.0 0% -> 25%" changing 2 file\(s\); nothing was written/);
  }));
});
