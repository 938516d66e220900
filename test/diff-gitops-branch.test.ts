import { cli, copyRepo, git, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * `diff` with no base compares with the merge base of HEAD and "main". A project whose GitOps branch
 * is another one (cdk8s-canary.yaml `repository.branch: production`, what Argo CD and Flux sync) got
 * "no main branch found", or, with a `main` beside it, a summary against the wrong branch. The
 * default base is now the merge base with `repository.branch` (then main/master as before).
 */
describe('diff: the default base follows repository.branch', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => {
    // GIVEN a project synced from branch production (its only branch), and a PR branch stepping shop
    base = synthesizedRepo({
      'cdk8s-canary.yaml': 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nrepository:\n  url: https://github.com/acme/deploy.git\n  branch: production\n',
      'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 0\n'),
    });
    git(base.root, 'branch', '-q', '-m', 'main', 'production');
    git(base.root, 'switch', '-q', '-c', 'step-shop');
    const step = cli(base.root, ['step', 'shop']);
    if (step.status !== 0) throw new Error(step.stderr);
  });
  afterAll(() => base.cleanup());

  test('GIVEN no main branch WHEN diff THEN it compares with the merge base with production', () => {
    const r = cli(base.root, ['diff']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const sha = git(base.root, 'rev-parse', '--short', 'production').trim();
    expect(r.stdout).toMatch(new RegExp(`^## cdk8s-canary diff: \`${sha}\` \\(merge base with production\\) -> working tree\\n`));
    expect(r.stdout).toMatch(/shop 1\.0\.0 100% \/ 1\.1\.0 0% -> 75% \/ 25%/);
  });

  test('GIVEN a stale main beside production WHEN diff THEN production is still the base (the branch Argo CD and Flux sync)', () => {
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'branch', '-q', 'main', 'production~1'); // an old main left over
      const r = cli(repo.root, ['diff']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^## cdk8s-canary diff: `[0-9a-f]+` \(merge base with production\) -> working tree\n/);
    } finally {
      repo.cleanup();
    }
  });
  test('fails diff with no base when cdk8s-canary.yaml misspells a repository key (brnach:): it names the file, line, field and fix instead of comparing with a stale main', () => {
    // GIVEN a stale main beside production, and the project file's branch key misspelt
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'branch', '-q', 'main', 'production~1');
      const config = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nrepository:\n  url: https://github.com/acme/deploy.git\n  brnach: production\n';
      repo.write('cdk8s-canary.yaml', config);
      // WHEN diff picks its own base
      const r = cli(repo.root, ['diff']);
      // THEN it refuses (exit 2, nothing on stdout) with the problem at its place and the way around
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr.split('\n')).toEqual([
        'diff compares with the merge base of the branch Argo CD and Flux sync (repository.branch in cdk8s-canary.yaml), and that file is invalid; fix it, or name the base revision (`npx cdk8s-canary diff BASE`):',
        "cdk8s-canary.yaml:5:3: repository.brnach: unknown field 'brnach'; did you mean 'branch'? (allowed: url, branch, path)",
        '1 problem(s) found; nothing was written',
        '',
      ]);
      // AND with the base named, diff needs no branch and runs
      expect(cli(repo.root, ['diff', 'production']).status).toBe(0);
      // AND the right key passes, comparing with production
      repo.write('cdk8s-canary.yaml', config.replace('brnach:', 'branch:'));
      expect(cli(repo.root, ['diff']).stdout).toMatch(/^## cdk8s-canary diff: `[0-9a-f]+` \(merge base with production\) -> working tree\n/);
    } finally {
      repo.cleanup();
    }
  });
});
