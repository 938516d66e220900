import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { SpecError } from '../lib/spec/errors';
import { projectPaths, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { recoverTree, writeTreeAtomic } from '../lib/synth/write';
import { validateTree } from './support/kube-schemas';
import { tempProject, webappSpec } from './support/project';

describe('synth', () => {
  let p: ReturnType<typeof tempProject>;
  beforeEach(() => { p = tempProject({ 'releases/shop.yaml': webappSpec('shop'), 'releases/blog.yaml': webappSpec('blog', 'canary:\n  version: 1.1.0\n  weight: 10\n') }); });
  afterEach(() => p.cleanup());

  test('writes one folder per release and namespace, each a kustomize root with one file per object', () => {
    // GIVEN two releases WHEN synthesized
    const r = synthProject(projectPaths(p.root));
    // THEN dist/ holds exactly their folders and files
    expect(r.releases.map((x) => x.model.name)).toEqual(['blog', 'shop']);
    const tree = readTree(path.join(p.root, 'dist'));
    // (dist/argocd/ and dist/flux/ are checked in test/gitops-*.test.ts)
    // (a canary in the production namespace has a folder of its own, <namespace>-canary: Flux prunes it after production moved)
    expect([...tree.keys()].filter((k) => !/^(argocd|flux)\//.test(k)).sort()).toEqual([
      'blog/blog-canary/deployment-blog-canary.yaml', 'blog/blog-canary/kustomization.yaml', 'blog/blog-canary/service-blog-canary.yaml',
      'blog/blog/deployment-blog.yaml', 'blog/blog/httproute-blog.yaml', 'blog/blog/kustomization.yaml',
      'blog/blog/namespace-blog.yaml', 'blog/blog/service-blog.yaml', 'blog/kustomization.yaml',
      'shop/kustomization.yaml', 'shop/shop-canary/kustomization.yaml',
      'shop/shop/deployment-shop.yaml', 'shop/shop/httproute-shop.yaml', 'shop/shop/kustomization.yaml', 'shop/shop/namespace-shop.yaml', 'shop/shop/service-shop.yaml',
    ]);
    expect(parse(tree.get('blog/kustomization.yaml')!).resources).toEqual(['blog', 'blog-canary']);
    expect(parse(tree.get('shop/shop/kustomization.yaml')!)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization',
      resources: ['deployment-shop.yaml', 'httproute-shop.yaml', 'namespace-shop.yaml', 'service-shop.yaml'],
    });
    // AND every folder builds with real kustomize
    for (const dir of ['blog/blog', 'shop/shop', 'blog/blog-canary', 'blog']) {
      const out = execFileSync('kubectl', ['kustomize', path.join(p.root, 'dist', dir)], { encoding: 'utf8' });
      expect(out).toContain('kind: Deployment');
    }
    // AND every object passes strict validation against the upstream schemas
    expect(validateTree(path.join(p.root, 'dist')).problems).toEqual([]);
  });

  test('names, labels and selectors are explicit: no construct-path hashes anywhere', () => {
    synthProject(projectPaths(p.root));
    const all = [...readTree(path.join(p.root, 'dist')).values()].join('\n');
    expect(all).not.toMatch(/-c8[0-9a-f]{6}\b/);
    expect(all).not.toMatch(/cdk8s\.io\/metadata\.addr/);
    const dep = parse(fs.readFileSync(path.join(p.root, 'dist/blog/blog-canary/deployment-blog-canary.yaml'), 'utf8'));
    expect(dep.metadata.name).toBe('blog-canary');
    expect(dep.spec.selector.matchLabels).toEqual({ app: 'blog', 'canary.cdk8s.io/track': 'canary' });
    const svc = parse(fs.readFileSync(path.join(p.root, 'dist/blog/blog/service-blog.yaml'), 'utf8'));
    expect(svc.spec.selector).toEqual({ app: 'blog', 'canary.cdk8s.io/track': 'stable' });
  });

  test('is byte-identical from run to run', () => {
    synthProject(projectPaths(p.root));
    const first = readTree(path.join(p.root, 'dist'));
    synthProject(projectPaths(p.root));
    expect(readTree(path.join(p.root, 'dist'))).toEqual(first);
  });

  test('files of a removed release disappear', () => {
    synthProject(projectPaths(p.root));
    fs.rmSync(path.join(p.root, 'releases/blog.yaml'));
    synthProject(projectPaths(p.root));
    expect(fs.existsSync(path.join(p.root, 'dist/blog'))).toBe(false);
    expect(fs.existsSync(path.join(p.root, 'dist/shop/shop/deployment-shop.yaml'))).toBe(true);
  });

  test('fails on a bad spec and writes nothing', () => {
    // GIVEN a synthesized dist/ and then a broken spec
    synthProject(projectPaths(p.root));
    const before = readTree(path.join(p.root, 'dist'));
    p.write('releases/shop.yaml', webappSpec('shop').replace('  port: 8080', '  port: 8080\n  replicaz: 2'));
    // WHEN synthesized THEN it throws with the problem and dist/ is untouched
    expect(() => synthProject(projectPaths(p.root))).toThrow(/releases\/shop\.yaml:11:3: workload\.replicaz: unknown field 'replicaz'/);
    expect(readTree(path.join(p.root, 'dist'))).toEqual(before);
  });

  test('fails when two releases generate the same object', () => {
    p.write('releases/shop2.yaml', webappSpec('shop2').replace('production: shop2', 'production: shop'));
    expect(() => synthProject(projectPaths(p.root))).toThrow(SpecError);
    expect(() => synthProject(projectPaths(p.root))).toThrow(/Namespace shop is generated by both releases\/shop\.yaml and this release; set createNamespaces: false in one of the two releases/);
    expect(fs.existsSync(path.join(p.root, 'dist'))).toBe(false);
  });
});

describe('atomic tree writes', () => {
  let p: ReturnType<typeof tempProject>;
  beforeEach(() => { p = tempProject(); });
  afterEach(() => p.cleanup());

  test('replaces a tree with exactly the new files', () => {
    const target = path.join(p.root, 'dist');
    writeTreeAtomic(target, new Map([['a/x.yaml', '1'], ['b/y.yaml', '2']]));
    writeTreeAtomic(target, new Map([['a/x.yaml', '3']]));
    expect(readTree(target)).toEqual(new Map([['a/x.yaml', '3']]));
    expect(fs.readdirSync(p.root).sort()).toEqual(['dist', 'releases']);
  });

  test('an interrupted swap (old tree moved away, new not yet in place) is repaired to the old tree', () => {
    // GIVEN a crash between the two renames: dist/ missing, the old copy and a half-written temp left behind
    const target = path.join(p.root, 'dist');
    writeTreeAtomic(target, new Map([['a/x.yaml', 'old']]));
    fs.renameSync(target, path.join(p.root, '.dist.old-123-abc'));
    fs.mkdirSync(path.join(p.root, '.dist.tmp-123-abc/a'), { recursive: true });
    fs.writeFileSync(path.join(p.root, '.dist.tmp-123-abc/a/x.yaml'), 'half');
    // WHEN recovered
    recoverTree(target);
    // THEN the old tree is back whole and the leftovers are gone
    expect(readTree(target)).toEqual(new Map([['a/x.yaml', 'old']]));
    expect(fs.readdirSync(p.root).sort()).toEqual(['dist', 'releases']);
  });
});
