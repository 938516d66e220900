import * as path from 'path';
import { parse } from 'yaml';
import { ProjectPaths, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { SpecError } from '../lib/spec/errors';
import {
  blockProjects, dirsInCommit, kustomizeBuild, kustomizeRootInCommit, objectsIn, releaseYaml, TWO_RELEASES as RELEASES,
} from './support/gitops-fixtures';
import { validateObject } from './support/kube-schemas';

const CONFIG = (extra = '') => `apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: https://git.example.com/team/shop.git
  branch: main
  path: dist
${extra}`;

const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);
/** The AppProject of the releases (the root Application has a project of its own, `<project>-root`). */
const releasesProject = (objs: any[], name = 'cdk8s-canary') => objs.find((o) => o.kind === 'AppProject' && o.metadata.name === name);

describe('Argo CD wiring (dist/argocd/)', () => {
  const { project, committed } = blockProjects();

  describe('one Application per release', () => {
    let p: ProjectPaths;
    let commit: string;
    let objs: any[];
    beforeAll(() => {
      ({ p, commit, objs } = committed(RELEASES, CONFIG(), 'argocd'));
    });

    test('every Application points at a folder that exists in the commit and kustomize builds it', () => {
      // GIVEN a synthesized project committed to git
      const apps = byKind(objs, 'Application');
      // THEN there is one Application per release plus the root: Argo CD orders a sync by waves only inside one Application
      expect(apps.map((a) => a.metadata.name).sort()).toEqual(['cdk8s-canary-root', 'guestbook', 'webapp']);
      for (const a of apps) {
        // AND its repository, branch and path are the configured ones and exist in the commit
        expect(a.spec.source.repoURL).toBe('https://git.example.com/team/shop.git');
        expect(a.spec.source.targetRevision).toBe('main');
        expect(kustomizeRootInCommit(p.root, commit, a.spec.source.path)).toBe(true);
        // AND real kustomize builds the folder
        expect(kustomizeBuild(path.join(p.root, a.spec.source.path)).length).toBeGreaterThan(0);
      }
    });

    test('release Applications sync automatically with prune, self-heal, CreateNamespace and retry with backoff; the objects say what is pruned last', () => {
      const app = objs.find((o) => o.kind === 'Application' && o.metadata.name === 'guestbook');
      expect(app.spec.project).toBe('cdk8s-canary');
      expect(app.spec.source.path).toBe('dist/guestbook');
      expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'ns-prod' });
      expect(app.spec.syncPolicy).toEqual({
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      });
      // the release root lists both namespace folders
      expect(parse(readTree(p.distDir).get('guestbook/kustomization.yaml')!).resources).toEqual(['ns-canary', 'ns-prod']);
      expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
      expect(app.metadata.labels['app.kubernetes.io/part-of']).toBe('guestbook');
    });

    test('the AppProject admits exactly this repository and every destination used, nothing else', () => {
      // GIVEN the AppProject and everything the release Applications deploy
      const proj = releasesProject(objs);
      const used = new Set<string>();
      for (const a of byKind(objs, 'Application').filter((x) => x.spec.project === proj.metadata.name)) {
        used.add(`${a.spec.destination.server} ${a.spec.destination.namespace}`);
        // every namespaced object of the folder lands in an admitted namespace
        for (const o of kustomizeBuild(path.join(p.root, a.spec.source.path))) {
          if (o.kind !== 'Namespace') used.add(`${a.spec.destination.server} ${o.metadata.namespace ?? a.spec.destination.namespace}`);
        }
      }
      // THEN the destinations are exactly the used ones
      const admitted = proj.spec.destinations.map((d: any) => `${d.server} ${d.namespace}`);
      expect(new Set(admitted)).toEqual(used);
      expect(admitted).toHaveLength(used.size);
      expect(proj.spec.sourceRepos).toEqual(['https://git.example.com/team/shop.git']);
      // AND the only cluster-scoped kind is Namespace, which the releases create
      expect(proj.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
      // AND the namespaced kinds are exactly those the folders hold (test/gitops-projects.test.ts covers every state)
      const kinds = new Set(byKind(objs, 'Application').filter((a) => a.spec.project === proj.metadata.name).flatMap((a) => kustomizeBuild(path.join(p.root, a.spec.source.path)))
        .filter((o) => o.kind !== 'Namespace').map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
      const listed = proj.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`);
      expect(listed).toEqual(expect.arrayContaining([...kinds]));
      // kinds of other states (a cross-namespace ReferenceGrant) and of every web app (the config ConfigMap) may be listed ahead
      expect(listed.filter((k: string) => !kinds.has(k)).every((k: string) => ['/ConfigMap', 'gateway.networking.k8s.io/ReferenceGrant'].includes(k))).toBe(true);
    });

    test('every object of dist/argocd/ passes the upstream CRD schema strictly', () => {
      expect(objs.length).toBe(5); // two AppProjects (the releases' and the root's), the root and one Application per release
      expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
    });

    test('the root is small: only Argo CD objects, and kustomize builds it', () => {
      expect(new Set(objs.map((o) => o.kind))).toEqual(new Set(['AppProject', 'Application']));
      expect(kustomizeBuild(path.join(p.distDir, 'argocd'))).toHaveLength(objs.length);
    });

    test('the AppProject syncs before the Applications that reference it; the Applications need no waves of their own', () => {
      const wave = (name: string) => Number(objs.find((o) => o.metadata.name === name).metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      expect(wave('cdk8s-canary')).toBeLessThan(wave('guestbook'));
      expect(wave('guestbook')).toBe(0);
    });

    test('the root Application syncs dist/argocd/ itself, in-cluster, without a cascading finalizer', () => {
      const root = objs.find((o) => o.kind === 'Application' && o.metadata.name === 'cdk8s-canary-root');
      expect(root.spec.source.path).toBe('dist/argocd');
      expect(kustomizeRootInCommit(p.root, commit, root.spec.source.path)).toBe(true);
      expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
      expect(root.metadata.finalizers).toBeUndefined();
    });
  });

  test('releases that do not create namespaces get no Namespace permission and no CreateNamespace', () => {
    // GIVEN releases whose namespaces are managed elsewhere
    const p = project({ webapp: releaseYaml('webapp', { production: 'webapp', createNamespaces: false }) });
    synthProject(p);
    const objs = objectsIn(p.distDir, 'argocd');
    // THEN the AppProject admits no cluster-scoped kind and no Application asks to create a namespace
    expect(releasesProject(objs).spec.clusterResourceWhitelist).toBeUndefined();
    expect(objs.find((o) => o.metadata.name === 'webapp').spec.syncPolicy.syncOptions).toBeUndefined();
  });

  test('without a config file the defaults apply, with the placeholder repository URL', () => {
    const p = project(RELEASES);
    synthProject(p);
    const app = objectsIn(p.distDir, 'argocd').find((o) => o.metadata.name === 'webapp');
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/example/cdk8s-canary.git', targetRevision: 'main', path: 'dist/webapp' });
    expect(app.metadata.namespace).toBe('argocd');
  });

  test('a nested dist path and custom names are used everywhere', () => {
    const p = project(RELEASES, CONFIG('argocd:\n  namespace: gitops\n  project: shop\n').replace('path: dist', 'path: deploy/dist'));
    synthProject(p);
    const objs = objectsIn(p.distDir, 'argocd');
    expect(objs.every((o) => o.metadata.namespace === 'gitops')).toBe(true);
    expect(objs.find((o) => o.metadata.name === 'webapp').spec).toMatchObject({ project: 'shop', source: { path: 'deploy/dist/webapp' } });
    expect(objs.find((o) => o.kind === 'Application' && o.metadata.name === 'shop-root').spec.source.path).toBe('deploy/dist/argocd');
  });

  describe('several clusters', () => {
    const clusters = `clusters:
  - name: in-cluster
  - name: prod-eu
    server: https://prod-eu.example.com:6443
    kubeConfigSecretRef: { name: prod-eu-kubeconfig }
`;
    let objs: any[];
    beforeAll(() => {
      const p = project(RELEASES, CONFIG(clusters));
      synthProject(p);
      objs = objectsIn(p.distDir, 'argocd');
    });

    test('each release gets one Application per cluster; only remote ones carry the cluster in their name', () => {
      const apps = byKind(objs, 'Application').filter((a) => a.spec.project === 'cdk8s-canary');
      expect(apps.map((a) => `${a.metadata.name} -> ${a.spec.destination.server}`).sort()).toEqual([
        'guestbook -> https://kubernetes.default.svc',
        'guestbook-prod-eu -> https://prod-eu.example.com:6443',
        'webapp -> https://kubernetes.default.svc',
        'webapp-prod-eu -> https://prod-eu.example.com:6443',
      ]);
    });

    test('the AppProject admits each namespace on each cluster, and nothing else', () => {
      const admitted = releasesProject(objs).spec.destinations.map((d: any) => `${d.server} ${d.namespace}`).sort();
      const servers = byKind(objs, 'Application').filter((a) => a.spec.project === 'cdk8s-canary').map((a) => a.spec.destination.server);
      const used = [...new Set(servers)].flatMap((srv) => ['ns-canary', 'ns-prod', 'webapp'].map((ns) => `${srv} ${ns}`));
      expect(admitted).toEqual([...new Set(used)].sort());
      expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
    });
  });

  describe('applicationSet mode', () => {
    let p: ProjectPaths;
    let commit: string;
    let objs: any[];
    let appsMode: any[];
    beforeAll(() => {
      const q = project(RELEASES, CONFIG());
      synthProject(q);
      appsMode = byKind(objectsIn(q.distDir, 'argocd'), 'Application').filter((a) => a.spec.project === 'cdk8s-canary');
      ({ p, commit, objs } = committed(RELEASES, CONFIG('argocd:\n  mode: applicationSet\n'), 'argocd'));
    });

    test('one ApplicationSet replaces the release Applications and passes the upstream CRD schema strictly', () => {
      expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['AppProject/cdk8s-canary', 'AppProject/cdk8s-canary-root', 'Application/cdk8s-canary-root', 'ApplicationSet/cdk8s-canary']);
      expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
    });

    test('the strict check catches a field the hand-written ApplicationSet type could get wrong', () => {
      const set = objs.find((o) => o.kind === 'ApplicationSet');
      const broken = { ...set, spec: { ...set.spec, generators: [{ git: { repoUrl: 'x', revision: 'main', directories: [] } }] } };
      expect(validateObject(broken).join('\n')).toMatch(/repoUrl/);
    });

    test('its list generator has one element per release of the commit and names them like the Applications', () => {
      // GIVEN the generator's elements and the commit's release folders
      const set = objs.find((o) => o.kind === 'ApplicationSet');
      const elements = set.spec.generators[0].list.elements;
      expect(elements.map((e: any) => e.release).sort()).toEqual(dirsInCommit(p.root, commit, 'dist').filter((d) => d !== 'argocd' && d !== 'flux').sort());
      // WHEN the template is evaluated for each element (the Go template expressions it uses)
      const evaluate = (s: string, e: Record<string, string>) => s.replace(/\{\{\.(\w+)\}\}/g, (_, k) => e[k]);
      const generated = elements.map((e: any) => ({
        name: evaluate(set.spec.template.metadata.name, e),
        path: evaluate(set.spec.template.spec.source.path, e),
        namespace: evaluate(set.spec.template.spec.destination.namespace, e),
        release: evaluate(set.spec.template.metadata.labels['app.kubernetes.io/part-of'], e),
      }));
      // THEN they are the Applications of the applications mode, each on a buildable folder
      expect(generated.map((g: any) => `${g.name} ${g.path} ${g.namespace} ${g.release}`).sort()).toEqual(
        appsMode.map((a) => `${a.metadata.name} ${a.spec.source.path} ${a.spec.destination.namespace} ${a.metadata.labels['app.kubernetes.io/part-of']}`).sort());
      for (const g of generated) expect(kustomizeBuild(path.join(p.root, g.path)).length).toBeGreaterThan(0);
      // AND the generated Applications sync like the individual ones
      expect(set.spec.template.spec.syncPolicy).toEqual(appsMode[0].spec.syncPolicy);
      expect(set.spec.template.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    });

    test('with several clusters it uses a matrix of the releases and a list of the clusters', () => {
      const q = project(RELEASES, CONFIG(`argocd:\n  mode: applicationSet\nclusters:\n  - name: a\n  - name: b\n    server: https://b.example.com\n    kubeConfigSecretRef: { name: b }\n`));
      synthProject(q);
      const set = objectsIn(q.distDir, 'argocd').find((o) => o.kind === 'ApplicationSet');
      expect(validateObject(set)).toEqual([]);
      expect(set.spec.generators[0].matrix.generators[1].list.elements).toEqual([
        { cluster: 'a', server: 'https://kubernetes.default.svc', suffix: '' },
        { cluster: 'b', server: 'https://b.example.com', suffix: '-b' },
      ]);
      expect(set.spec.template.spec.destination.server).toBe('{{.server}}');
    });
  });

  test('fails when a release would get the name of the root Application', () => {
    // GIVEN a release named like the root Application (<project>-root)
    const p = project({ 'cdk8s-canary-root': releaseYaml('cdk8s-canary-root', { production: 'c' }) });
    // WHEN synthesized THEN a positioned problem names the clash, and nothing is written
    expect(() => synthProject(p)).toThrow(SpecError);
    expect(() => synthProject(p)).toThrow(/cdk8s-canary\.yaml: argocd\.project: Application name 'cdk8s-canary-root' of the root Application that syncs argocd\/ is also the name of release cdk8s-canary-root .*choose another name here or rename the release/);
    expect(readTree(p.distDir).size).toBe(0);
  });

  test('fails when a release takes the name of a GitOps root folder', () => {
    const p = project({ argocd: releaseYaml('argocd', { production: 'tools' }) });
    expect(() => synthProject(p)).toThrow(/releases\/argocd\.yaml:\d+:\d+: name: release name 'argocd' is reserved: dist\/argocd\/ holds the Argo CD wiring .*choose another release name/);
  });

  test('argocd.enabled: false leaves dist/argocd/ out', () => {
    const p = project(RELEASES, CONFIG('argocd:\n  enabled: false\n'));
    synthProject(p);
    expect([...readTree(p.distDir).keys()].some((k) => k.startsWith('argocd/'))).toBe(false);
    expect(parse(readTree(p.distDir).get('flux/kustomization.yaml')!).resources.length).toBeGreaterThan(0);
  });
});
