import * as path from 'path';
import { parse } from 'yaml';
import { parseRelease } from '../lib/spec/loader';
import { defaultProjectConfig } from '../lib/spec/project-config';
import { PROJECT_CHECKS, renderProjectRoots } from '../lib/synth/project';
import { readTree } from '../lib/synth/write';
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
    // (an Application of a folder with smoke checks has two sources: the folder and its checks folder)
    const paths = [...apps.flatMap((a) => (a.spec.sources ?? [a.spec.source]).map((src: { path: string }) => src.path)), ...ks.map((k) => k.spec.path.replace(/^\.\//, ''))];
    expect(apps.length).toBeGreaterThan(1);
    expect(ks.length).toBeGreaterThan(1);
    // THEN each path is a kustomize root of this repository and builds
    for (const p of new Set(paths)) {
      expect(files.has(`${path.relative('dist', p)}/kustomization.yaml`)).toBe(true);
      // a checks folder is empty while no canary runs
      if (!p.endsWith('-checks')) expect(kustomizeBuild(path.join(REPO, p)).length).toBeGreaterThan(0);
      else kustomizeBuild(path.join(REPO, p));
    }
    // AND every release folder is wired to both engines
    const folders = kustomizations.map(([p]) => path.dirname(p)).filter((d) => d.includes('/'));
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) {
      expect(paths).toContain(`dist/${f}`);
      expect(paths.filter((x) => x === `dist/${f}`)).toHaveLength(2);
    }
  });

  test('every kustomize root lists only the files of its own folder: no root includes another', () => {
    for (const [p, text] of kustomizations) {
      const k = parse(text);
      expect(Object.keys(k).sort()).toEqual(['apiVersion', 'kind', 'resources']);
      for (const r of k.resources as string[]) {
        expect(r).toMatch(/^[a-z0-9.-]+\.yaml$/);
        expect(files.has(`${path.dirname(p)}/${r}`)).toBe(true);
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
  test('the roots grow by one Application and one Kustomization per folder, nothing more', () => {
    // GIVEN 200 releases of two namespaces each
    const releases = Array.from({ length: 200 }, (_, i) => {
      const r = parseRelease(`releases/app-${i}.yaml`, releaseYaml(`app-${i}`, { production: `app-${i}`, canary: `app-${i}-canary` }), { checks: PROJECT_CHECKS });
      if (!('release' in r)) throw new Error(JSON.stringify(r.problems));
      return r.release;
    });
    // WHEN the project-level roots are rendered
    const files = renderProjectRoots(releases, defaultProjectConfig());
    // THEN argocd/ has the releases' AppProject, the root's AppProject and Application, and 400 folder Applications; flux/ a GitRepository and 401 Kustomizations
    const count = (root: string) => [...files.keys()].filter((k) => k.startsWith(`${root}/`) && !k.endsWith('/kustomization.yaml')).length;
    expect(count('argocd')).toBe(3 + 400);
    expect(count('flux')).toBe(1 + 1 + 400);
    // AND no file of a release folder is in them
    expect([...files.keys()].every((k) => k.startsWith('argocd/') || k.startsWith('flux/'))).toBe(true);
  });
});
