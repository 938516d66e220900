/**
 * The smoke-check folder as Argo CD and Flux see it: Flux gates it behind the canary (dependsOn,
 * wait); Argo CD syncs it with the canary's Application so the PostSync hook runs after the canary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { loadRelease } from '../lib/spec/loader';
import { PROJECT_CHECKS, ProjectPaths, synthOneRelease, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { validateObject } from './support/kube-schemas';
import { kustomizeBuild, releaseYaml, removeProject, tempProject } from './support/gitops-fixtures';

const CONFIG = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nrepository:\n  url: https://git.example.com/shop.git\n';
const CHECKS = 'checks:\n  - name: health\n    path: /healthz\n';

/** The fixture's release with checks (and a tester header, so `verify` could run too). */
function withChecks(name: string, o: Parameters<typeof releaseYaml>[1]): string {
  return `${releaseYaml(name, o).replace('      namespace: gateway-system\n', '      namespace: gateway-system\n  header:\n    name: X-Canary\n')}${CHECKS}`;
}

describe('the smoke-check folder in the GitOps wiring', () => {
  let p: ProjectPaths;
  afterEach(() => removeProject(p));
  const obj = (rel: string) => parse(fs.readFileSync(path.join(p.distDir, rel), 'utf8'));

  test('Flux applies the checks after the canary folder is Ready and waits for the Job: a failing check leaves it not Ready', () => {
    // GIVEN a release with checks, its canary in its own namespace, at 0%
    p = tempProject({ shop: withChecks('shop', { production: 'shop', canary: 'shop-canary', canaryWeight: 0 }) }, CONFIG);
    // WHEN synthesized
    synthProject(p);
    // THEN the checks folder has its own Kustomization that depends on the canary folder's and waits
    const k = obj('flux/kustomization-shop-shop-canary-checks.yaml');
    expect(k.spec).toMatchObject({
      path: './dist/shop/shop-canary-checks',
      dependsOn: [{ name: 'shop-shop-canary' }],
      wait: true,
      prune: true,
      // edited checks of the same version change the Job's immutable pod template: recreate it
      force: true,
    });
    // AND the canary folder's Kustomization is unchanged (after production, no force)
    expect(obj('flux/kustomization-shop-shop-canary.yaml').spec).toMatchObject({ dependsOn: [{ name: 'shop-shop' }], wait: true });
    expect(obj('flux/kustomization-shop-shop-canary.yaml').spec.force).toBeUndefined();
    // AND the folder it syncs holds the Job, and every Flux object passes the upstream CRD strictly
    expect(kustomizeBuild(path.join(p.distDir, 'shop/shop-canary-checks')).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Job/shop-checks-v1']);
    for (const [f, text] of readTree(path.join(p.distDir, 'flux'))) if (f !== 'kustomization.yaml') expect(validateObject(parse(text))).toEqual([]);
  });

  test('with stable and canary in one namespace, the checks wait for the canary track folder', () => {
    p = tempProject({ shop: withChecks('shop', { production: 'shop', canaryWeight: 0 }) }, CONFIG);
    synthProject(p);
    expect(obj('flux/kustomization-shop-shop-checks.yaml').spec).toMatchObject({ path: './dist/shop/shop-checks', dependsOn: [{ name: 'shop-shop-canary' }], wait: true });
    expect(obj('flux/kustomization-shop-shop-canary.yaml').spec.dependsOn).toEqual([{ name: 'shop-shop' }]);
    expect(obj('flux/kustomization-shop-shop.yaml').spec.dependsOn).toBeUndefined();
  });

  test('Argo CD syncs the checks in the release\'s one Application, so its PostSync hook runs once every folder is healthy', () => {
    p = tempProject({ shop: withChecks('shop', { production: 'shop', canary: 'shop-canary', canaryWeight: 0 }) }, CONFIG);
    synthProject(p);
    const files = [...readTree(path.join(p.distDir, 'argocd')).keys()];
    // THEN the release has one Application, whose source (the release root) lists the checks folder
    expect(files.filter((f) => f.startsWith('application-shop'))).toEqual(['application-shop.yaml']);
    const app = obj('argocd/application-shop.yaml');
    expect(app.spec.source.path).toBe('dist/shop');
    expect(obj('shop/kustomization.yaml').resources).toEqual(['shop', 'shop-canary', 'shop-canary-checks']);
    expect(kustomizeBuild(path.join(p.distDir, 'shop')).map((o) => `${o.kind}/${o.metadata.name}`)).toContain('Job/shop-checks-v1');
    // AND the Job is the PostSync hook
    expect(obj('shop/shop-canary-checks/job-shop-checks-v1.yaml').metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect(validateObject(app)).toEqual([]);
  });

  test('in applicationSet mode the release with checks is generated like any other: one Application over the release root', () => {
    p = tempProject({
      shop: withChecks('shop', { production: 'shop', canary: 'shop-canary', canaryWeight: 0 }),
      blog: releaseYaml('blog', { production: 'blog' }),
    }, `${CONFIG}argocd:\n  mode: applicationSet\n`);
    synthProject(p);
    const set = obj('argocd/applicationset-cdk8s-canary.yaml');
    expect(set.spec.generators[0].list.elements).toEqual([{ release: 'blog', namespace: 'blog' }, { release: 'shop', namespace: 'shop' }]);
    const files = [...readTree(path.join(p.distDir, 'argocd')).keys()].filter((f) => f.startsWith('application-'));
    expect(files).toEqual(['application-cdk8s-canary-root.yaml']);
    for (const [f, text] of readTree(path.join(p.distDir, 'argocd'))) if (f !== 'kustomization.yaml') expect(validateObject(parse(text))).toEqual([]);
  });

  test('a rollout move leaves the roots alone: the checks folder is one of the folders dist/ already holds', () => {
    // GIVEN a synthesized project with checks and no canary
    p = tempProject({ shop: withChecks('shop', { production: 'shop', canary: 'shop-canary' }) }, CONFIG);
    synthProject(p);
    const roots = { argocd: readTree(path.join(p.distDir, 'argocd')), flux: readTree(path.join(p.distDir, 'flux')) };
    // WHEN the canary starts (one release re-synthesized, as `start` does)
    const file = path.join(p.releasesDir, 'shop.yaml');
    fs.writeFileSync(file, withChecks('shop', { production: 'shop', canary: 'shop-canary', canaryWeight: 0 }));
    const written = synthOneRelease(p, loadRelease(file, { checks: PROJECT_CHECKS, relativeTo: p.root }));
    // THEN only the release's folders were written, the Job among them, and the roots are as they were
    expect([...written.keys()].every((k) => k.startsWith('shop/'))).toBe(true);
    expect(written.has('shop/shop-canary-checks/job-shop-checks-v1.yaml')).toBe(true);
    expect(readTree(path.join(p.distDir, 'argocd'))).toEqual(roots.argocd);
    expect(readTree(path.join(p.distDir, 'flux'))).toEqual(roots.flux);
  });
});
