import * as fs from 'fs';
import * as path from 'path';
import { loadRelease } from '../lib/spec/loader';
import { PROJECT_CHECKS, projectPaths, ProjectPaths, synthOneRelease, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { releaseYaml, removeProject, tempProject } from './support/gitops-fixtures';

const CONFIG = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nrepository:\n  url: https://git.example.com/shop.git\n';

/** Rewrites a release spec on disk and loads it as the rollout CLI would. */
function edit(p: ProjectPaths, name: string, text: string) {
  const file = path.join(p.releasesDir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return loadRelease(file, { checks: PROJECT_CHECKS, relativeTo: p.root });
}

/** dist/ as a fresh full synth of the same project would write it. */
function fullSynth(p: ProjectPaths): Map<string, string> {
  const out = projectPaths(p.root, path.join(p.root, 'dist-fresh'));
  synthProject(out);
  return readTree(out.distDir);
}

describe('synthOneRelease and the GitOps roots', () => {
  let p: ProjectPaths;
  beforeEach(() => {
    p = tempProject({
      guestbook: releaseYaml('guestbook', { production: 'ns-prod', canary: 'ns-canary', canaryWeight: 0 }),
      webapp: releaseYaml('webapp', { production: 'webapp' }),
    }, CONFIG);
    synthProject(p);
  });
  afterEach(() => removeProject(p));

  test('a weight step rewrites the release folders only; dist/argocd/ and dist/flux/ are not touched', () => {
    // GIVEN the inodes of the roots (an atomic rewrite would swap them)
    const ino = (d: string) => fs.statSync(path.join(p.distDir, d)).ino;
    const before = { argocd: ino('argocd'), flux: ino('flux') };
    // WHEN the guestbook steps to 25%
    const written = synthOneRelease(p, edit(p, 'guestbook', releaseYaml('guestbook', { production: 'ns-prod', canary: 'ns-canary', canaryWeight: 25 })));
    // THEN only guestbook/ files were written, the roots are the same folders, and dist/ equals a full synth
    expect([...written.keys()].every((k) => k.startsWith('guestbook/'))).toBe(true);
    expect({ argocd: ino('argocd'), flux: ino('flux') }).toEqual(before);
    expect(readTree(p.distDir)).toEqual(fullSynth(p));
  });

  test('a new release also writes the roots, and dist/ equals a full synth', () => {
    // GIVEN a release that dist/ does not hold yet
    const shop = edit(p, 'shop', releaseYaml('shop', { production: 'shop' }));
    // WHEN it is synthesized on its own
    const written = synthOneRelease(p, shop);
    // THEN its Application and Kustomization were written with it
    expect([...written.keys()].filter((k) => !k.startsWith('shop/')).sort()).toEqual(expect.arrayContaining([
      'argocd/application-shop.yaml', 'argocd/appproject-cdk8s-canary.yaml', 'flux/kustomization-shop-shop.yaml', 'flux/kustomization-shop-shop-canary.yaml',
    ]));
    expect(readTree(p.distDir)).toEqual(fullSynth(p));
  });

  test('a release whose namespaces changed re-renders the roots and drops its old folder', () => {
    const moved = edit(p, 'guestbook', releaseYaml('guestbook', { production: 'ns-prod', canary: 'ns-preview', canaryWeight: 0 }));
    synthOneRelease(p, moved);
    const files = readTree(p.distDir);
    expect([...files.keys()].some((k) => k.startsWith('guestbook/ns-canary/'))).toBe(false);
    expect(files.get('flux/kustomization-guestbook-ns-preview.yaml')).toMatch(/dependsOn:\n\s+- name: guestbook-ns-prod/);
    expect(files.get('argocd/appproject-cdk8s-canary.yaml')).toMatch(/namespace: ns-preview/);
    expect(files.get('argocd/appproject-cdk8s-canary.yaml')).not.toMatch(/namespace: ns-canary/);
    expect(files).toEqual(fullSynth(p));
  });
});
