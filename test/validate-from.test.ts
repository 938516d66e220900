import { cli, copyRepo, git, repoState, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * `validate --from REV`: the sync a PR makes when it lands (or a `git revert` already committed) goes
 * from REV's dist/ to the head's, but plain `validate` checks the sync from HEAD's dist/ only, so in
 * CI, on a PR's head, it saw no change at all and passed a revert of a promote that `diff` marks
 * UNSAFE. `--from` names the revision the sync starts from (the PR's merge base).
 */
describe('validate --from REV', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => {
    // GIVEN shop promoted from 1.0.0 to 1.1.0, and that promote reverted in a commit (HEAD)
    base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 100\n') });
    const promote = cli(base.root, ['promote', 'shop']);
    if (promote.status !== 0) throw new Error(promote.stderr);
    git(base.root, 'revert', '--no-edit', 'HEAD');
  });
  afterAll(() => base.cleanup());

  test('GIVEN a committed revert of a promote WHEN validate --from HEAD~1 THEN exit 2 naming the unsafe states, where plain validate sees no change', () => {
    const repo = copyRepo(base.root);
    try {
      const before = repoState(repo.root);
      expect(cli(repo.root, ['validate']).status).toBe(0); // HEAD's dist/ is the head: nothing to sync
      const r = cli(repo.root, ['validate', '--from', 'HEAD~1']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: the change from HEAD~1's dist\/ is not safe to sync:\n {2}unsafe during sync: /);
      expect(r.stderr).toMatch(/only created Deployment shop\/shop-canary so far; new pods not ready yet: 100% of requests to shop\.example\.com\/ \(HTTPRoute shop\/shop\) fail/);
      expect(repoState(repo.root)).toEqual(before);
    } finally {
      repo.cleanup();
    }
  });

  test('GIVEN the same repository WHEN validate --from the commit before the promote THEN it is valid (the same dist/ at both ends)', () => {
    const r = cli(base.root, ['validate', '--from', 'HEAD~2']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^1 release\(s\) valid\n$/);
  });

  test('GIVEN a safe PR of two steps WHEN validate --from its merge base THEN the line names the revision it synced from', () => {
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'reset', '-q', '--hard', 'HEAD~2'); // shop at 1.1.0 100%, before the promote
      expect(cli(repo.root, ['set-weight', 'shop', '25']).status).toBe(0);
      expect(cli(repo.root, ['set-weight', 'shop', '0']).status).toBe(0);
      const r = cli(repo.root, ['validate', '--from', 'HEAD~2']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toMatch(/^syncing from HEAD~2: \d+ Argo CD and \d+ Flux state\(s\), no failing request, no canary above its share before and after\n1 release\(s\) valid\n$/);
    } finally {
      repo.cleanup();
    }
  });

  test('GIVEN a spec edited back to REV\'s weight without synth WHEN validate --from REV THEN the stale-dist warning names the weight file (HEAD\'s copy on disk)', () => {
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'reset', '-q', '--hard', 'HEAD~2'); // shop at 1.1.0 100%
      expect(cli(repo.root, ['set-weight', 'shop', '0']).status).toBe(0);
      const spec = require('fs').readFileSync(`${repo.root}/releases/shop.yaml`, 'utf8') as string;
      repo.write('releases/shop.yaml', spec.replace('weight: 0', 'weight: 100')); // dist/ on disk is HEAD's, the rendering is HEAD~1's
      const r = cli(repo.root, ['validate', '--from', 'HEAD~1']);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('warning: dist/ is not what the specs synthesize (1 file(s): dist/shop/shop/httproute-shop.yaml); run `npx cdk8s-canary synth` and commit dist/ with the specs\n');
    } finally {
      repo.cleanup();
    }
  });

  test('fails with an unknown revision: exit 2, nothing written', () => {
    const before = repoState(base.root);
    const r = cli(base.root, ['validate', '--from', 'no-such-rev']);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: '', stderr: "error: unknown revision 'no-such-rev'; name a commit, branch or tag that exists (see git log --oneline)\n" });
    expect(repoState(base.root)).toEqual(before);
  });

  test('fails validate NAME --from: one spec is checked without synthesizing, so there is no sync to check', () => {
    const r = cli(base.root, ['validate', 'shop', '--from', 'HEAD~1']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'error: validate shop checks one spec without synthesizing, so it has no sync to check from HEAD~1: drop shop to check the whole project from HEAD~1\n' });
  });
});
