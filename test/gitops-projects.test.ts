import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { fluxServiceAccount } from '../lib/gitops/flux-tenants';
import { rollout } from './support/rollout-states';
import { parseProjectConfig } from '../lib/spec/project-config';
import { loadProjectWithConfig, projectPaths, renderProjectRoots } from '../lib/synth/project';
import { groupFolders } from '../lib/synth/project';
import { REPO } from './support/project';

/**
 * Argo CD and Flux run what dist/ holds with the rights they are given: the AppProject of the
 * releases admits exactly the kinds the tool generates, the root Application runs in a project of
 * its own limited to Argo CD's objects, and Flux Kustomizations can impersonate a tenant's account.
 */

const objectsOf = (files: Map<string, string>, prefix: string) =>
  [...files].filter(([p]) => p.startsWith(prefix) && !p.endsWith('/kustomization.yaml')).flatMap(([, c]) => parseAllDocuments(c).map((d) => d.toJS()));

describe('Argo CD projects', () => {
  const { releases, groups, config } = loadProjectWithConfig(projectPaths(REPO));
  const roots = renderProjectRoots(releases, config, groups);
  const argo = objectsOf(roots, 'argocd/');
  const project = argo.find((o) => o.kind === 'AppProject' && o.metadata.name === config.argocd.project);
  const rootProject = argo.find((o) => o.kind === 'AppProject' && o.metadata.name === `${config.argocd.project}-root`);
  const root = argo.find((o) => o.kind === 'Application' && o.metadata.name === `${config.argocd.project}-root`);

  test('the releases\' AppProject whitelists the namespaced kinds the releases generate, and no others', () => {
    // GIVEN the reference releases THEN the project lists kinds, sorted, and RoleBinding, Secret and the like are not among them
    const listed = (project.spec.namespaceResourceWhitelist as { group: string; kind: string }[]).map((k) => `${k.group}/${k.kind}`);
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining(['/Service', '/ConfigMap', 'apps/Deployment', 'networking.k8s.io/Ingress', 'gateway.networking.k8s.io/HTTPRoute', 'networking.istio.io/VirtualService', 'route.openshift.io/Route', 'batch/Job']));
    for (const forbidden of ['rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/Role', '/Secret', '/Pod']) expect(listed).not.toContain(forbidden);
    // a release that brings its own manifests (catalog) brings its kinds too, and only those
    const own = releases.flatMap((r) => (r.model.workload.manifests?.objects ?? []).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    expect(listed).toEqual(expect.arrayContaining(own.filter((k) => k !== '/Namespace')));
    expect(own).toContain('/ServiceAccount');
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  test('every object of every reference release, in every rollout state, is of a whitelisted kind', () => {
    // GIVEN every reference release in each state of its rollout (start, each step, promote, abort) and every group stage
    const allowed = new Set((project.spec.namespaceResourceWhitelist as { group: string; kind: string }[]).map((k) => `${k.group}/${k.kind}`));
    const seen = new Set<string>();
    const check = (o: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }, where: string) => {
      if (o.kind === 'Namespace') return;
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      seen.add(`${group}/${o.kind}`);
      // THEN Argo CD would admit it
      if (!allowed.has(`${group}/${o.kind}`)) throw new Error(`${where}: ${o.kind} ${o.metadata.name} (${group || 'core'}) is not in the AppProject's namespaceResourceWhitelist`);
    };
    for (const r of releases) for (const s of rollout(r)) for (const o of s.objects) check(o, `${r.model.name} ${s.label}`);
    for (const g of groups) for (const f of groupFolders(g)) for (const o of f.objects) check(o as never, g.model.name);
    // AND the test saw the kinds that come and go with the state (a canary's Job, a cross-namespace grant)
    expect([...seen]).toEqual(expect.arrayContaining(['batch/Job', 'gateway.networking.k8s.io/ReferenceGrant']));
  });

  test('the root Application runs in its own project: this repository, the Argo CD namespace, Argo CD objects only', () => {
    expect(root.spec.project).toBe(`${config.argocd.project}-root`);
    expect(rootProject.metadata.namespace).toBe(config.argocd.namespace);
    expect(rootProject.spec).toEqual({
      description: expect.stringContaining('root Application'),
      sourceRepos: [config.repository.url],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: config.argocd.namespace }],
      namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'Application' }],
    });
    // AND no Application uses Argo CD's built-in, unrestricted project
    expect(argo.filter((o) => o.kind === 'Application' && o.spec.project === 'default')).toEqual([]);
  });

  test('fails on argocd.project: default', () => {
    const r = parseProjectConfig('cdk8s-canary.yaml', 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nargocd:\n  project: default\n');
    expect('problems' in r && r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`)).toEqual([expect.stringMatching(/^4:12 argocd\.project: 'default' is Argo CD's built-in project/)]);
  });
});

describe('Flux service accounts', () => {
  const base = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n';
  const configOf = (text: string) => {
    const r = parseProjectConfig('cdk8s-canary.yaml', base + text);
    if ('problems' in r) throw new Error(JSON.stringify(r.problems));
    return r.config;
  };

  test('by default the Kustomizations run as the controller (no serviceAccountName)', () => {
    const { releases, groups, config } = loadProjectWithConfig(projectPaths(REPO));
    const flux = objectsOf(renderProjectRoots(releases, config, groups), 'flux/').filter((o) => o.kind === 'Kustomization');
    expect(flux.length).toBeGreaterThan(3);
    expect(flux.filter((k) => k.spec.serviceAccountName !== undefined)).toEqual([]);
  });

  test('a tenant\'s releases impersonate the tenant\'s account, the others the project default, the root Kustomization neither', () => {
    // GIVEN a default account and a tenant owning the guestbook
    const config = configOf('flux:\n  serviceAccountName: cdk8s-deployer\n  tenants:\n    - serviceAccountName: team-guestbook\n      releases: [guestbook]\n');
    const { releases, groups } = loadProjectWithConfig(projectPaths(REPO));
    // WHEN the Flux root is rendered
    const flux = objectsOf(renderProjectRoots(releases, config, groups), 'flux/').filter((o) => o.kind === 'Kustomization');
    const sa = Object.fromEntries(flux.map((k) => [k.metadata.name, k.spec.serviceAccountName ?? null]));
    // THEN
    expect(sa['guestbook-ns-prod']).toBe('team-guestbook');
    expect(sa['guestbook-ns-canary']).toBe('team-guestbook');
    expect(sa['webapp-webapp']).toBe('cdk8s-deployer');
    expect(sa[config.flux.name]).toBeNull();
    expect(fluxServiceAccount(config, 'frontend-backend')).toBe('cdk8s-deployer');
  });

  test('fails on a tenant naming an unknown release, and on a release in two tenants', () => {
    const config = configOf('flux:\n  tenants:\n    - serviceAccountName: a\n      releases: [guestbook, nosuch]\n    - serviceAccountName: b\n      releases: [guestbook]\n');
    const { releases, groups } = loadProjectWithConfig(projectPaths(REPO));
    expect(() => renderProjectRoots(releases, config, groups)).toThrow(/flux\.tenants\[0\]\.releases\[1\]: no release or release group is named 'nosuch'[\s\S]*flux\.tenants\[1\]\.releases\[0\]: release 'guestbook' is already in flux\.tenants\[0\]/);
  });
});

test('the committed dist/argocd/ holds the root project (dist/ is what synth writes)', () => {
  expect(fs.existsSync(path.join(REPO, 'dist/argocd/appproject-cdk8s-canary-root.yaml'))).toBe(true);
});
