/**
 * The oracle's shadowed-route rule (test/support/sync-oracle.ts shadowedIds), written apart from the
 * product's (lib/review/transition.ts, served.ts: the oldest route serves a host and path while two
 * do): the product and the oracle agree on the cases of test/sync-shared-host-scope.test.ts and
 * test/sync-unit-renames.test.ts, played on the same two dist/ trees.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli-repo';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';
import { readFiles } from './support/fleet';
import { oracleCheck } from './support/sync-oracle';
import { twoStepRenameRepo } from './support/two-step-rename';
import { checkTransition } from '../lib/review/transition';

afterAll(() => cleanupTempDirs());

const webapp = fs.readFileSync(path.join(__dirname, '..', 'releases', 'webapp.yaml'), 'utf8');

/** HEAD's dist/ (dist-relative paths -> text). */
function headDist(dir: string): Map<string, string> {
  return new Map(git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'dist').trim().split('\n').map((f) => [f.slice('dist/'.length), git(dir, 'show', `HEAD:${f}`)] as [string, string]));
}

/** The product's verdict and the oracle's, as `engine entry kind` sets, with the product's messages. */
function verdicts(before: Map<string, string>, after: Map<string, string>): { product: string[]; oracle: string[] } {
  const p = checkTransition(before, after);
  const o = oracleCheck(before, after);
  return { product: p.violations.map((v) => v.message), oracle: o.violations.map((v) => `${v.engine} ${v.entry} ${v.what} during ${v.during} (before ${v.before}, after ${v.after})`) };
}

describe('a release with a canary running renamed the two-step way (sync-shared-host-scope): the new route is shadowed by the old one', () => {
  test.each(['webapp2', 'webapp'])('GIVEN nginx webapp at 10%% with the two settings synced WHEN renamed webapp2 in namespace %s THEN neither the product nor the oracle finds a violation', (ns) => {
    const dir = twoStepRenameRepo(ns);
    const before = headDist(dir);
    const after = readFiles(path.join(dir, 'dist'));
    // (the new canary Ingress pairs with the old route's host and path: without the rule the oracle
    // counted the new production Ingress's own shares, `canary webapp 2.0.0` above both ends)
    expect(verdicts(before, after)).toEqual({ product: [], oracle: [] });
  });
});

describe('the renames of sync-unit-renames, where the host is down: both find it, and only the host as users see it', () => {
  test('GIVEN webapp renamed webapp2 and moved (Gateway API) without the two settings THEN both report the host down under both engines and the oracle no shadowed route of its own', () => {
    const dir = projectRepo({ copy: [], specs: { webapp } });
    fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
    fs.writeFileSync(path.join(dir, 'releases/webapp2.yaml'), webapp.replace(/^name: webapp$/m, 'name: webapp2').replace(/^  production: webapp$/m, '  production: webapp2'));
    expect(cli(dir, ['synth']).status).toBe(0);
    const v = verdicts(headDist(dir), readFiles(path.join(dir, 'dist')));
    expect(v.product.some((m) => /^Argo CD, .*100% of requests to webapp\.example\.com\/ fail, no route serves it/.test(m))).toBe(true);
    expect(v.product.some((m) => /^Flux, .*100% of requests to webapp\.example\.com\/ fail, no route serves it/.test(m))).toBe(true);
    expect(new Set(v.oracle.map((x) => x.split(' during ')[0]))).toEqual(new Set([
      'argocd host hr gateway-system/public webapp.example.com / failing', 'flux host hr gateway-system/public webapp.example.com / failing',
    ]));
  });
});
