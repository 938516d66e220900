import * as path from 'path';
import { ProjectPaths, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { blockProjects, kustomizeBuild, kustomizeRootInCommit, objectsIn, TWO_RELEASES as RELEASES } from './support/gitops-fixtures';
import { validateObject } from './support/kube-schemas';

const CONFIG = (extra = '') => `apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: ssh://git@git.example.com/team/shop.git
  branch: release
${extra}`;

const kustomizations = (objs: any[]) => objs.filter((o) => o.kind === 'Kustomization');

describe('Flux wiring (dist/flux/)', () => {
  const { project, committed } = blockProjects();

  describe('one Kustomization per release folder', () => {
    let p: ProjectPaths;
    let commit: string;
    let objs: any[];
    beforeAll(() => {
      ({ p, commit, objs } = committed(RELEASES, CONFIG(), 'flux'));
    });

    test('a GitRepository follows the configured repository and branch, fetching only dist/', () => {
      const [repo] = objs.filter((o) => o.kind === 'GitRepository');
      expect(repo.metadata).toMatchObject({ name: 'cdk8s-canary', namespace: 'flux-system' });
      expect(repo.spec).toEqual({ url: 'ssh://git@git.example.com/team/shop.git', ref: { branch: 'release' }, interval: '1m', sparseCheckout: ['dist'] });
    });

    test('every Kustomization points at a folder that exists in the commit, from that GitRepository, and kustomize builds it', () => {
      const ks = kustomizations(objs);
      // (webapp's canary runs in its production namespace: its canary track has a folder of its own, applied after production)
      expect(ks.map((k) => k.metadata.name).sort()).toEqual(['cdk8s-canary', 'guestbook-ns-canary', 'guestbook-ns-prod', 'webapp-webapp', 'webapp-webapp-canary']);
      for (const k of ks) {
        expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'cdk8s-canary' });
        expect(k.spec.path).toMatch(/^\.\//);
        const dir = k.spec.path.slice(2);
        expect(kustomizeRootInCommit(p.root, commit, dir)).toBe(true);
        // the canary track folder is empty while no canary runs
        if (!dir.endsWith('-canary')) expect(kustomizeBuild(path.join(p.root, dir)).length).toBeGreaterThan(0);
        else kustomizeBuild(path.join(p.root, dir));
      }
    });

    test('release Kustomizations prune, wait, and have an interval, a retry interval and a timeout', () => {
      const k = objs.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'guestbook-ns-prod');
      expect(k.spec).toMatchObject({ prune: true, wait: true, interval: '10m', retryInterval: '1m', timeout: '5m', path: './dist/guestbook/ns-prod' });
      expect(k.spec.targetNamespace).toBeUndefined();
      expect(k.metadata.labels['app.kubernetes.io/part-of']).toBe('guestbook');
    });

    test('a canary folder dependsOn its production folder; production folders depend on nothing', () => {
      const deps: Record<string, string[]> = Object.fromEntries(kustomizations(objs).map((k) => [k.metadata.name, (k.spec.dependsOn ?? []).map((d: any) => d.name)]));
      expect(deps).toEqual({ 'cdk8s-canary': [], 'guestbook-ns-canary': ['guestbook-ns-prod'], 'guestbook-ns-prod': [], 'webapp-webapp': [], 'webapp-webapp-canary': ['webapp-webapp'] });
      // every dependency is a Kustomization of this root, in the same namespace
      const names = new Set(Object.keys(deps));
      expect(Object.values(deps).flat().every((d) => names.has(d))).toBe(true);
    });

    test('every object of dist/flux/ passes the upstream CRD schema strictly, and kustomize builds the root', () => {
      expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
      expect(new Set(objs.map((o) => o.kind))).toEqual(new Set(['GitRepository', 'Kustomization']));
      expect(kustomizeBuild(path.join(p.distDir, 'flux'))).toHaveLength(objs.length);
    });

    test('the self-managed Kustomization syncs dist/flux/ itself without waiting for the releases', () => {
      const k = objs.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'cdk8s-canary');
      expect(k.spec).toMatchObject({ path: './dist/flux', prune: true, wait: false });
    });

    test('deleting the self-managed Kustomization (flux.name renamed, selfManaged off) orphans the release Kustomizations; deleting a release\'s deletes its objects (the default)', () => {
      const root = objs.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'cdk8s-canary');
      expect(root.spec.deletionPolicy).toBe('Orphan');
      const release = objs.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'guestbook-ns-prod');
      expect(release.spec.deletionPolicy).toBeUndefined();
    });
  });

  test('several clusters: remote clusters get a kubeConfig and their own dependsOn chain', () => {
    // GIVEN a local cluster and a remote one reached through a kubeconfig Secret
    const p = project(RELEASES, CONFIG(`clusters:
  - name: hub
  - name: prod-eu
    server: https://prod-eu.example.com:6443
    kubeConfigSecretRef: { name: prod-eu-kubeconfig, key: value.yaml }
flux:
  secretRef: { name: git-credentials }
`));
    synthProject(p);
    const objs = objectsIn(p.distDir, 'flux');
    // THEN each folder has one Kustomization per cluster and dependencies stay within a cluster
    const ks = Object.fromEntries(kustomizations(objs).map((k) => [k.metadata.name, k.spec]));
    expect(Object.keys(ks).sort()).toEqual(['cdk8s-canary', 'guestbook-ns-canary', 'guestbook-ns-canary-prod-eu', 'guestbook-ns-prod', 'guestbook-ns-prod-prod-eu', 'webapp-webapp', 'webapp-webapp-canary', 'webapp-webapp-canary-prod-eu', 'webapp-webapp-prod-eu']);
    expect(ks['guestbook-ns-canary-prod-eu'].dependsOn).toEqual([{ name: 'guestbook-ns-prod-prod-eu' }]);
    expect(ks['guestbook-ns-prod-prod-eu'].kubeConfig).toEqual({ secretRef: { name: 'prod-eu-kubeconfig', key: 'value.yaml' } });
    expect(ks['guestbook-ns-prod'].kubeConfig).toBeUndefined();
    expect(objs.find((o) => o.kind === 'GitRepository').spec.secretRef).toEqual({ name: 'git-credentials' });
    expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('flux.enabled: false leaves dist/flux/ out', () => {
    const p = project(RELEASES, CONFIG('flux:\n  enabled: false\n'));
    synthProject(p);
    expect([...readTree(p.distDir).keys()].some((k) => k.startsWith('flux/'))).toBe(false);
  });

  test('fails when the self-managed Kustomization takes the name of a folder Kustomization', () => {
    // GIVEN flux.name guestbook-ns-prod, the name of the guestbook's production folder
    const p = project(RELEASES, CONFIG('flux:\n  name: guestbook-ns-prod\n'));
    // THEN the clash is reported at the guestbook release
    expect(() => synthProject(p)).toThrow(/releases\/guestbook\.yaml:\d+:\d+: name: Kustomization name 'guestbook-ns-prod' of folder guestbook\/ns-prod is also the name of the Kustomization that syncs flux\//);
  });
});
