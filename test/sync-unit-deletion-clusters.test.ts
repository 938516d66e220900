/**
 * Sync units deleted when the clusters of a project change (lib/review/transition.ts unitsOf): a
 * cluster removed takes its objects from that cluster only (no refusal), a rename over objects that
 * stay is refused, also inside `argocd.mode: applicationSet` (the ApplicationSet deletes the
 * Application whose generated name changed). Real git, the compiled CLI.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli-repo';
import { remoteClustersConfig } from './support/remote-clusters';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';
import { readFiles } from './support/fleet';
import { scopeToChange, wiringChanges } from '../lib/review/transition-gate';

afterAll(() => cleanupTempDirs());

const config = remoteClustersConfig;

/** GIVEN webapp.yaml on `clusters`, synthesized and committed. */
function committed(clusters: readonly string[], extra = ''): string {
  const dir = projectRepo();
  fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(clusters, extra));
  expect(cli(dir, ['synth']).status).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'clusters');
  return dir;
}

function validateWith(dir: string, clusters: readonly string[], extra = ''): { status: number | null; stderr: string } {
  fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(clusters, extra));
  expect(cli(dir, ['synth']).status).toBe(0);
  const r = cli(dir, ['validate']);
  return { status: r.status, stderr: r.stderr };
}

describe('a cluster removed from the project', () => {
  test('GIVEN three clusters WHEN one is removed THEN validate passes (its objects leave that cluster only; the others keep their Applications)', () => {
    const dir = committed(['east', 'west', 'north']);
    const r = validateWith(dir, ['east', 'west']);
    expect(r).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
    // AND the review agrees: `diff` reads webapp's remaining wiring too, so north's Application is
    // no hand-over there either
    const d = cli(dir, ['diff']);
    expect(d.stdout).toMatch(/- Application argocd\/webapp-north /);
    expect(d.stdout).not.toMatch(/UNSAFE/);
  });

  test('fails validate when two clusters become one: the one left is renamed (webapp-east -> webapp), the removed one is not reported', () => {
    const dir = committed(['east', 'west']);
    const r = validateWith(dir, ['east']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unsafe during sync: Argo CD, Application argocd\/webapp-east, Application deleted with its objects/);
    expect(r.stderr).not.toMatch(/webapp-west/);
  });
});

describe('argocd.mode: applicationSet', () => {
  const mode = 'argocd:\n  mode: applicationSet\nflux:\n  enabled: false\n';
  test('fails validate when a second cluster renames the ApplicationSet\'s Application webapp to webapp-east (Argo CD alone)', () => {
    const dir = committed(['east'], mode);
    const r = validateWith(dir, ['east', 'west'], mode);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unsafe during sync: Argo CD, Application \(ApplicationSet cdk8s-canary\) webapp, Application deleted with its objects \(resources finalizer\), wave 3[^\n]*its route is gone/);
    // AND the way out names Argo CD's setting alone (Flux is not enabled)
    expect(r.stderr).toMatch(/first set `argocd\.preserveResourcesOnDeletion: true` in cdk8s-canary\.yaml, commit that alone and let it sync, then make this change/);
    expect(r.stderr).not.toMatch(/deletionPolicy/);
    // AND `diff` reads the releases of an ApplicationSet whose name template changed, as validate does
    const d = cli(dir, ['diff']);
    expect(d.stdout).toMatch(/UNSAFE during sync: Argo CD, Application \(ApplicationSet cdk8s-canary\) webapp, Application deleted with its objects/);
  });

  test('GIVEN preserveResourcesOnDeletion committed first WHEN the second cluster is added THEN validate passes', () => {
    const keep = 'argocd:\n  mode: applicationSet\n  preserveResourcesOnDeletion: true\nflux:\n  enabled: false\n';
    const dir = committed(['east'], keep);
    expect(validateWith(dir, ['east', 'west'], keep)).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });

  test('GIVEN three clusters WHEN one is removed THEN validate passes', () => {
    const dir = committed(['east', 'west', 'north'], mode);
    expect(validateWith(dir, ['east', 'west'], mode)).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });
});

describe('what the gates read when only the wiring changes (scopeToChange)', () => {
  const dist = readFiles(path.join(__dirname, '..', 'dist'));
  test('GIVEN every Application and Kustomization edited in place (preserveResourcesOnDeletion, deletionPolicy) THEN no release is read (nothing of theirs syncs again)', () => {
    const after = new Map([...dist].map(([p, t]) => [p, p.startsWith('argocd/application-') ? t.replace(/\n  finalizers:\n    - resources-finalizer\.argocd\.argoproj\.io/, '') : p.startsWith('flux/kustomization-') && p !== 'flux/kustomization-cdk8s-canary.yaml' ? t.replace(/\n  prune: true/, '\n  deletionPolicy: Orphan\n  prune: true') : t]));
    expect([...after].filter(([p, t]) => dist.get(p) !== t).length).toBeGreaterThan(20);
    const scope = scopeToChange(dist, after);
    expect({ before: scope.before.size, after: scope.after.size }).toEqual({ before: 0, after: 0 });
  });

  test('GIVEN the Application of webapp deleted THEN webapp\'s folders are read (its deletion takes its objects)', () => {
    const after = new Map([...dist].filter(([p]) => p !== 'argocd/application-webapp.yaml'));
    const scope = scopeToChange(dist, after);
    expect([...scope.before.keys()].filter((p) => p.startsWith('webapp/')).length).toBeGreaterThan(0);
  });
});

describe('an ApplicationSet edited (wiringChanges)', () => {
  const appset = (preserve: boolean, name = '"{{.release}}"') => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cdk8s-canary
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - namespace: webapp
            release: webapp
  template:
    metadata:
${preserve ? '' : '      finalizers:\n        - resources-finalizer.argocd.argoproj.io\n'}      name: ${name}
      namespace: argocd
    spec:
      source:
        path: dist/{{.release}}
${preserve ? '  syncPolicy:\n    preserveResourcesOnDeletion: true\n' : ''}`;
  const releases = new Set(['webapp']);
  test('GIVEN preserveResourcesOnDeletion set THEN no release is read (no Application added or deleted)', () => {
    expect(wiringChanges(new Map([['argocd/applicationset-cdk8s-canary.yaml', { before: appset(false), after: appset(true) }]]), releases)).toEqual(new Set());
  });
  test('GIVEN the template name changed (a second cluster) THEN every release is read', () => {
    expect(wiringChanges(new Map([['argocd/applicationset-cdk8s-canary.yaml', { before: appset(false), after: appset(false, '"{{.release}}{{.suffix}}"') }]]), releases)).toBe('all');
  });
});

describe('a release renamed while its namespace and host stay', () => {
  test('fails validate: the old Application deletes the route before the new one serves the same host', () => {
    // GIVEN webapp on one cluster, committed
    const dir = committed(['east']);
    // WHEN it is renamed webapp2 (same namespace, same host): its objects get new names
    const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
    fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
    fs.writeFileSync(path.join(dir, 'releases/webapp2.yaml'), spec.replace(/^name: webapp$/m, 'name: webapp2'));
    expect(cli(dir, ['synth']).status).toBe(0);
    const r = cli(dir, ['validate']);
    // THEN the users' host goes without a route while both sync: refused, each state once
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unsafe during sync: Argo CD, Application argocd\/webapp, Application deleted with its objects \(resources finalizer\), wave 3: deleted HTTPRoute webapp\/webapp: 100% of requests to webapp\.example\.com\/ fail, no route serves it \(before HTTPRoute webapp\/webapp, after HTTPRoute webapp\/webapp2/);
    const lines = r.stderr.split('\n').filter((l) => l.includes('unsafe during sync'));
    expect(new Set(lines).size).toBe(lines.length);
  });

  test('GIVEN preserveResourcesOnDeletion and deletionPolicy: Orphan committed first WHEN the release is renamed THEN validate passes (the old route stays)', () => {
    const keep = 'argocd:\n  preserveResourcesOnDeletion: true\nflux:\n  deletionPolicy: Orphan\n';
    const dir = committed(['east'], keep);
    const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
    fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
    fs.writeFileSync(path.join(dir, 'releases/webapp2.yaml'), spec.replace(/^name: webapp$/m, 'name: webapp2'));
    expect(cli(dir, ['synth']).status).toBe(0);
    const r = cli(dir, ['validate']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
    // AND the review says which old objects stay behind, to be deleted by hand
    const d = cli(dir, ['diff']);
    expect(d.stdout).toMatch(/- HTTPRoute webapp\/webapp `webapp\/webapp\/httproute-webapp\.yaml`: left in the cluster: Argo CD Application argocd\/webapp and Flux Kustomization flux-system\/webapp-webapp go away without deleting it \(preserveResourcesOnDeletion \/ deletionPolicy: Orphan\); delete it by hand once its successor serves/);
  });
});
