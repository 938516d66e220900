import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli, copyRepo, git, GIT_ENV, repoState, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * A move refused over uncommitted changes in the generated dist/ files only (a hand edit, a stray
 * file): the hint said "commit them", and the move then refused the committed dist/ as not what the
 * spec synthesizes. It now says they are generated and gives commands that drop them, which work.
 */
describe('a move over hand-edited dist/ files', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => { base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 0\n') }); });
  afterAll(() => base.cleanup());

  test('fails with the commands that drop the edits (not "commit them"), and those commands let the move through', () => {
    const repo = copyRepo(base.root);
    try {
      // GIVEN a hand edit of a generated file and a stray file in the release's dist/ folder
      fs.appendFileSync(path.join(repo.root, 'dist/shop/shop/httproute-shop.yaml'), '# tuned by hand\n');
      repo.write('dist/shop/shop/extra.yaml', 'kind: ConfigMap\n');
      const before = repoState(repo.root);
      // WHEN a step runs
      const r = cli(repo.root, ['step', 'shop']);
      // THEN it is refused, nothing changed, and the hint drops them (or stashes them), never commits them
      expect(r.status).toBe(2);
      const restore = '`git restore --staged --worktree --source=HEAD -- dist/shop/shop/httproute-shop.yaml`';
      const clean = '`git clean -f -- dist/shop/shop/extra.yaml`';
      expect(r.stderr).toBe('error: uncommitted changes in the paths this move would touch: dist/shop/shop/httproute-shop.yaml (modified), dist/shop/shop/extra.yaml (untracked); '
        + `they are generated from releases/shop.yaml (edit the spec, not dist/): drop them with ${restore} and ${clean}, `
        + 'or keep them aside with `git stash push --include-untracked -- dist/shop/shop/httproute-shop.yaml dist/shop/shop/extra.yaml`, then move again\n');
      expect(repoState(repo.root)).toEqual(before);
      // AND the commands it gives work: after them the move goes through
      for (const c of [restore, clean]) execSync(c.slice(1, -1), { cwd: repo.root, env: GIT_ENV, stdio: 'ignore' });
      expect(git(repo.root, 'status', '--porcelain')).toBe('');
      const again = cli(repo.root, ['step', 'shop']);
      expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      repo.cleanup();
    }
  });

  test('fails with "commit them, or stash them" when the spec itself has changes (unchanged)', () => {
    const repo = copyRepo(base.root);
    try {
      fs.appendFileSync(path.join(repo.root, 'releases/shop.yaml'), '# a note\n');
      const r = cli(repo.root, ['step', 'shop']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'error: uncommitted changes in the paths this move would touch: releases/shop.yaml (modified); commit them, or stash them first: `git stash push -- releases/shop.yaml`\n' });
    } finally {
      repo.cleanup();
    }
  });
});
