import * as fs from 'fs';
import * as path from 'path';
import { cli, copyRepo, git, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * A release whose name is another release's plus `-...` (guestbook-gateway beside guestbook) deleted
 * with `git rm`: synth warned "this Argo CD Application of guestbook leaves dist/ while guestbook
 * stays ... deleting it deletes them first", about a release nobody touched, because the owner of
 * application-guestbook-gateway.yaml was read from its file name's longest release-name prefix. The
 * owner now comes from the unit's `app.kubernetes.io/part-of` label; a release that left says nothing.
 */
describe('synth after a release is deleted whose name extends another release\'s', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => {
    base = synthesizedRepo({
      'releases/shop.yaml': webappSpec('shop'),
      'releases/shop-admin.yaml': webappSpec('shop-admin', 'canary:\n  version: 1.1.0\n  weight: 25\n'),
    });
  });
  afterAll(() => base.cleanup());

  test('GIVEN shop and shop-admin WHEN shop-admin is removed and synth runs THEN no warning blames shop, and its wiring leaves dist/', () => {
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'rm', '-q', 'releases/shop-admin.yaml');
      const r = cli(repo.root, ['synth']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(fs.existsSync(path.join(repo.root, 'dist/argocd/application-shop-admin.yaml'))).toBe(false);
      expect(fs.existsSync(path.join(repo.root, 'dist/argocd/application-shop.yaml'))).toBe(true);
    } finally {
      repo.cleanup();
    }
  });
});
