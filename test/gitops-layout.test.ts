import * as path from 'path';
import { parse } from 'yaml';
import { parseRelease } from '../lib/spec/loader';
import { defaultProjectConfig } from '../lib/spec/project-config';
import { PROJECT_CHECKS, renderProjectRoots } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { kustomizeBuild, objectsIn, releaseYaml } from './support/gitops-fixtures';

const DIST = path.resolve(__dirname, '../dist');
const REPO = path.resolve(__dirname, '..');
const GITOPS_KINDS = new Set(['AppProject', 'Application', 'ApplicationSet', 'GitRepository', 'Kustomization']);

describe('the committed dist/ as Argo CD and Flux see it', () => {
  const files = readTree(DIST);
  const kustomizations = [...files].filter(([p]) => path.basename(p) === 'kustomization.yaml');

  test('every Application and Kustomization of dist/ points at a folder of this repository that kustomize builds', () => {
    // GIVEN the committed Argo CD and Flux roots
    const apps = objectsIn(DIST, 'argocd').filter((o) => o.kind === 'Application');
    const ks = objectsIn(DIST, 'flux').filter((o) => o.kind === 'Kustomization');
    // (one Application per release: its source is the release's root, which lists its folders)
    const appPaths = apps.map((a) => a.spec.source.path);
    const ksPaths = ks.map((k) => k.spec.path.replace(/^\.\//, ''));
    const paths = [...appPaths, ...ksPaths];
    expect(apps.length).toBeGreaterThan(1);
    expect(ks.length).toBeGreaterThan(1);
    // THEN each path is a kustomize root of this repository and builds
    for (const p of new Set(paths)) {
      expect(files.has(`${path.relative('dist', p)}/kustomization.yaml`)).toBe(true);
      // a checks folder is empty while no canary runs, and so is a canary track folder
      if (!/-(checks|canary)$/.test(p)) expect(kustomizeBuild(path.join(REPO, p)).length).toBeGreaterThan(0);
      else kustomizeBuild(path.join(REPO, p));
    }
    // AND every release folder is a Kustomization of its own, and part of its release's one Application
    const folders = kustomizations.map(([p]) => path.dirname(p)).filter((d) => d.split('/').length === 2);
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) {
      expect(ksPaths.filter((x) => x === `dist/${f}`)).toHaveLength(1);
      expect(appPaths.filter((x) => x === `dist/${f.split('/')[0]}`)).toHaveLength(1);
    }
  });

  test('every folder root lists only its own files; a release root lists only its folders', () => {
    for (const [p, text] of kustomizations) {
      const k = parse(text);
      expect(Object.keys(k).sort()).toEqual(['apiVersion', 'kind', 'resources']);
      const releaseRoot = path.dirname(p).split('/').length === 1 && !['argocd', 'flux'].includes(path.dirname(p));
      for (const r of (k.resources ?? []) as string[]) {
        if (releaseRoot) expect(files.has(`${path.dirname(p)}/${r}/kustomization.yaml`)).toBe(true);
        else {
          expect(r).toMatch(/^[a-z0-9.-]+\.yaml$/);
          expect(files.has(`${path.dirname(p)}/${r}`)).toBe(true);
        }
      }
    }
  });

  test('the argocd/ and flux/ roots hold only GitOps objects', () => {
    for (const root of ['argocd', 'flux']) {
      const kinds = objectsIn(DIST, root).map((o) => o.kind);
      expect(kinds.length).toBeGreaterThan(0);
      expect(kinds.filter((k) => !GITOPS_KINDS.has(k))).toEqual([]);
    }
  });
});

describe('scale', () => {
  test('the roots grow by one Application per release and one Kustomization per folder, nothing more', () => {
    // GIVEN 200 releases of two namespaces each
    const releases = Array.from({ length: 200 }, (_, i) => {
      const r = parseRelease(`releases/app-${i}.yaml`, releaseYaml(`app-${i}`, { production: `app-${i}`, canary: `app-${i}-canary` }), { checks: PROJECT_CHECKS });
      if (!('release' in r)) throw new Error(JSON.stringify(r.problems));
      return r.release;
    });
    // WHEN the project-level roots are rendered
    const files = renderProjectRoots(releases, defaultProjectConfig());
    // THEN argocd/ has the releases' AppProject, the root's AppProject and Application, and 200 release Applications; flux/ a GitRepository and 401 Kustomizations
    const count = (root: string) => [...files.keys()].filter((k) => k.startsWith(`${root}/`) && !k.endsWith('/kustomization.yaml')).length;
    expect(count('argocd')).toBe(3 + 200);
    expect(count('flux')).toBe(1 + 1 + 400);
    // AND no file of a release folder is in them
    expect([...files.keys()].every((k) => k.startsWith('argocd/') || k.startsWith('flux/'))).toBe(true);
  });
});
