/**
 * A route renamed in place (router.routeName): Argo CD prunes the old route in its mirrored prune
 * wave, before or while the same sync creates the new one. The refusal gives the two-step the other
 * renames get: `argocd.pruneLast: true` (Application-wide PruneLast=true) committed and synced first.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli-repo';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';
import { readFiles } from './support/fleet';
import { gateTransition } from '../lib/review/transition-gate';

afterAll(() => cleanupTempDirs());

const webapp = fs.readFileSync(path.join(__dirname, '..', 'releases', 'webapp.yaml'), 'utf8');
const renamed = webapp.replace(/^  hostnames:\n/m, '  routeName: webapp-v2\n  hostnames:\n');
const HINT = 'a route renamed in place (HTTPRoute webapp/webapp becomes HTTPRoute webapp/webapp-v2): Argo CD prunes the old route in its mirrored prune wave, before or while the same sync creates the new one; first set `argocd.pruneLast: true` in cdk8s-canary.yaml, commit that alone and let it sync, then make this change (rename the route in a commit of its own, not with the Deployment or Service it sends to), and set it back afterwards, see the README "What happens during a sync"';

/** GIVEN webapp committed with `config` as cdk8s-canary.yaml (none: no file); WHEN its route is renamed webapp-v2: validate. */
function renameRoute(config?: string): { status: number | null; stderr: string; dir: string } {
  const dir = projectRepo({ copy: [], specs: { webapp } });
  if (config !== undefined) {
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config);
    expect(cli(dir, ['synth']).status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'config');
  }
  fs.writeFileSync(path.join(dir, 'releases/webapp.yaml'), renamed);
  expect(cli(dir, ['synth']).status).toBe(0);
  const r = cli(dir, ['validate']);
  return { status: r.status, stderr: r.stderr, dir };
}

describe('a route renamed in place under Argo CD', () => {
  test('fails validate with the two-step hint: Argo CD prunes HTTPRoute webapp/webapp in wave 3 with (or before) webapp-v2\'s creation', () => {
    const r = renameRoute();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`unsafe during sync: Argo CD, Application argocd/webapp, wave 3: only deleted HTTPRoute webapp/webapp so far: 100% of requests to webapp.example.com/ fail, no route serves it (before HTTPRoute webapp/webapp, after HTTPRoute webapp/webapp-v2; before 0%, after 0%); ${HINT}`);
    // AND not the generic hint
    expect(r.stderr).not.toMatch(/set-weight 0 before abort/);
  });

  test('GIVEN argocd.pruneLast: true committed first THEN the Applications prune last and the rename passes validate', () => {
    const r = renameRoute('apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nargocd:\n  pruneLast: true\n');
    expect(fs.readFileSync(path.join(r.dir, 'dist/argocd/application-webapp.yaml'), 'utf8')).toMatch(/    syncOptions:\n      - CreateNamespace=true\n      - PruneLast=true\n/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('GIVEN the route renamed with its Deployment and Service (sync-unit-renames) THEN the Argo CD refusal gives the same hint, the Flux one the generic one', () => {
    const before = readFiles(path.join(__dirname, '..', 'dist'));
    const rename = (t: string) => t.replace(/^  name: webapp$/m, '  name: webapp-v2').replace(/^          name: webapp$/m, '          name: webapp-v2');
    const after = new Map([...before].map(([p, t]) => [p, /^webapp\/webapp\/(deployment|service|httproute)-webapp\.yaml$/.test(p) ? rename(t) : t]));
    const refusals = gateTransition(before, after).refusals;
    expect(refusals.filter((x) => x.startsWith('unsafe during sync: Argo CD')).map((x) => x.endsWith(HINT))).toEqual([true]);
    expect(refusals.filter((x) => x.startsWith('unsafe during sync: Flux')).map((x) => /split the change into commits that are each safe/.test(x))).toEqual([true]);
  });
});
