/**
 * How a fleet release reaches its clusters (Argo CD Applications or the fleet ApplicationSet, Flux
 * Kustomizations with a kubeconfig per remote cluster), what `status`, `traffic`, `diff` and
 * `validate` show of it cluster by cluster, and that releases without a fleet synthesize byte for
 * byte as before (every committed reference release).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { objectsOfTree } from '../lib/manifests/tree';
import { clusterViews } from '../lib/review/clusters';
import { checkObjects } from '../lib/review/transition';
import { cli } from './support/cli';
import { CLUSTERS, fleetConfig, fleetSpec, kustomizeAll, readFiles } from './support/fleet';
import { cleanupTempDirs, git, initRepo, tempDir } from './support/git-repo';
import { validateObject } from './support/kube-schemas';
import { REPO, webappSpec } from './support/project';

/** The Argo CD destination of each cluster: the hub's own, the remote ones' servers, and in-cluster for the pull cluster's own Argo CD. */
const SERVERS: Record<string, string> = {
  'canary-eu': 'https://kubernetes.default.svc',
  ...Object.fromEntries(CLUSTERS.slice(1, 4).map((c) => [c, `https://${c}.example.com:6443`])),
  'prod-ap-1': 'https://kubernetes.default.svc',
};
const HUB = CLUSTERS.slice(0, 4);
const MIRROR = 'https://git.ap.example.internal/fleet.git';

async function repo(mode: 'applications' | 'applicationSet'): Promise<string> {
  const root = initRepo(tempDir('fleet-wiring-'));
  fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml'), fleetConfig(mode));
  fs.mkdirSync(path.join(root, 'releases'));
  fs.writeFileSync(path.join(root, 'releases/shop.yaml'), fleetSpec());
  fs.writeFileSync(path.join(root, 'releases/blog.yaml'), webappSpec('blog'));
  const r = await cli(root, 'synth');
  if (r.code !== 0) throw new Error(r.err);
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'initial');
  return root;
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: any };
/** The objects of one root folder (its own files, not the pull clusters' roots below it). */
const objectsIn = (root: string, dir: string): Obj[] =>
  [...readFiles(path.join(root, 'dist', dir))].filter(([p]) => !p.includes('/')).map(([, t]) => parse(t.replace(/^#.*\n/, '')) as Obj).filter((o) => o.apiVersion !== 'kustomize.config.k8s.io/v1beta1');

afterAll(() => cleanupTempDirs());

describe('fleet wiring: each cluster gets its own Application and Kustomizations', () => {
  let root: string;
  beforeAll(async () => { root = await repo('applications'); });

  test('Argo CD: one Application per cluster of the fleet, its destination the cluster, its source the cluster folder', () => {
    const apps = objectsIn(root, 'argocd').filter((o) => o.kind === 'Application' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'shop');
    expect(apps.map((a) => [a.metadata.name, a.spec.destination.server, a.spec.source.path, a.metadata.labels!['canary.cdk8s.io/cluster']]).sort()).toEqual(
      HUB.map((c) => [`shop-${c}`, SERVERS[c], `dist/shop/${c}`, c]).sort());
    // AND the release without a fleet keeps one Application per hub cluster over dist/blog, as before
    const blog = objectsIn(root, 'argocd').filter((o) => o.kind === 'Application' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'blog');
    expect(blog.map((a) => [a.metadata.name, a.spec.source.path]).sort()).toEqual([['blog', 'dist/blog'], ...HUB.slice(1).map((c) => [`blog-${c}`, 'dist/blog'])].sort());
    for (const o of [...objectsIn(root, 'argocd'), ...objectsIn(root, 'argocd/prod-ap-1')]) expect(validateObject(o)).toEqual([]);
  });

  test('Argo CD: the AppProject admits each hub cluster with exactly the namespaces deployed there', () => {
    const project = objectsIn(root, 'argocd').find((o) => o.kind === 'AppProject' && o.metadata.name === 'cdk8s-canary')!;
    expect(project.spec.destinations).toEqual(HUB.flatMap((c) => ['blog', 'shop'].map((namespace) => ({ namespace, server: SERVERS[c] }))));
  });

  test('a pull cluster gets its own roots, read from its mirror and applied in-cluster; the hub holds nothing of it and no credential of it exists', () => {
    // Argo CD of prod-ap-1: its AppProject, the Application of each release there, and a root syncing dist/argocd/prod-ap-1
    const argo = objectsIn(root, 'argocd/prod-ap-1');
    expect(argo.map((o) => [o.kind, o.metadata.name, o.spec.source?.path ?? null, o.spec.source?.repoURL ?? o.spec.sourceRepos, o.spec.destination?.server ?? null]).sort()).toEqual([
      ['AppProject', 'cdk8s-canary', null, [MIRROR], null],
      ['AppProject', 'cdk8s-canary-root', null, [MIRROR], null],
      ['Application', 'blog', 'dist/blog', MIRROR, SERVERS['prod-ap-1']],
      ['Application', 'cdk8s-canary-root', 'dist/argocd/prod-ap-1', MIRROR, SERVERS['prod-ap-1']],
      ['Application', 'shop-prod-ap-1', 'dist/shop/prod-ap-1', MIRROR, SERVERS['prod-ap-1']],
    ].sort());
    // its root Application is in the root project, which admits Argo CD's own objects in-cluster and names its folder
    const rootProject = argo.find((o) => o.kind === 'AppProject' && o.metadata.name === 'cdk8s-canary-root')!;
    expect(argo.find((o) => o.metadata.name === 'cdk8s-canary-root' && o.kind === 'Application')!.spec.project).toBe('cdk8s-canary-root');
    expect(rootProject.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }]);
    expect(rootProject.spec.description).toContain('dist/argocd/prod-ap-1/');
    // Flux of prod-ap-1: a GitRepository on the mirror, its folders' Kustomizations without any kubeconfig, a root syncing dist/flux/prod-ap-1
    const flux = objectsIn(root, 'flux/prod-ap-1');
    expect(flux.find((o) => o.kind === 'GitRepository')!.spec.url).toBe(MIRROR);
    expect(flux.filter((o) => o.kind === 'Kustomization').map((k) => [k.metadata.name, k.spec.path, k.spec.kubeConfig ?? null]).sort()).toEqual([
      ['blog-blog', './dist/blog/blog', null], ['blog-blog-canary', './dist/blog/blog-canary', null], ['cdk8s-canary', './dist/flux/prod-ap-1', null],
      ['shop-shop-canary-prod-ap-1', './dist/shop/prod-ap-1/shop-canary', null], ['shop-shop-prod-ap-1', './dist/shop/prod-ap-1/shop', null],
    ]);
    for (const o of flux) expect(validateObject(o)).toEqual([]);
    // the hub's roots never name it
    const hub = [...objectsIn(root, 'argocd'), ...objectsIn(root, 'flux')];
    expect(JSON.stringify(hub)).not.toContain('prod-ap-1');
  });

  test('Flux: a Kustomization per folder and hub cluster; a remote cluster gets its kubeconfig Secret, the hub none; dependsOn stays inside the cluster', () => {
    const ks = objectsIn(root, 'flux').filter((o) => o.kind === 'Kustomization' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'shop');
    expect(ks.map((k) => [k.metadata.name, k.spec.path, k.spec.kubeConfig?.secretRef ?? null, (k.spec.dependsOn ?? []).map((d: { name: string }) => d.name)]).sort()).toEqual(HUB.flatMap((c) => {
      const secret = c === 'canary-eu' ? null : { name: `${c}-kubeconfig`, ...(c === 'prod-us-1' ? { key: 'value.yaml' } : {}) };
      return [[`shop-shop-${c}`, `./dist/shop/${c}/shop`, secret, []], [`shop-shop-canary-${c}`, `./dist/shop/${c}/shop-canary`, secret, [`shop-shop-${c}`]]];
    }).sort());
    for (const o of objectsIn(root, 'flux')) expect(validateObject(o)).toEqual([]);
    kustomizeAll(path.join(root, 'dist'));
  });

  test('the sync model finds, for each cluster, its Application and its two Kustomizations', () => {
    // GIVEN a start in wave 1, rendered by the CLI without committing
    const before = objectsOfTree(readFiles(path.join(root, 'dist'))).objects;
    const after = (() => {
      const copy = tempDir('fleet-wiring-copy-');
      fs.cpSync(root, copy, { recursive: true });
      return copy;
    })();
    return cli(after, 'start', 'shop', '--version', '1.1.0', '--no-commit').then((r) => {
      expect(r.code).toBe(0);
      const [vb, va] = clusterViews(before, objectsOfTree(readFiles(path.join(after, 'dist'))).objects);
      const canary = vb.findIndex((v) => v.cluster === 'canary-eu');
      const units: string[] = [];
      const report = checkObjects(vb[canary].objects, va[canary].objects, { onState: (s) => { if (!units.includes(s.unit)) units.push(s.unit); } });
      // THEN it walks that cluster's own units, and no state is unsafe
      expect(units.sort()).toEqual(['Application argocd/shop-canary-eu', 'Kustomization flux-system/shop-shop-canary-canary-eu', 'Kustomization flux-system/shop-shop-canary-eu'].sort());
      expect(report.violations).toEqual([]);
    });
  });

  /**
   * A copy of the repository after start, promote and next-wave (wave 2 open), each checked to exit
   * 0: the first case that needs it makes the moves, the next one gets a copy of that state.
   */
  let wave2Open: string | undefined;
  async function copyAtWave2(prefix: string): Promise<string> {
    const copy = tempDir(prefix);
    if (wave2Open) {
      fs.cpSync(wave2Open, copy, { recursive: true });
      return copy;
    }
    fs.cpSync(root, copy, { recursive: true });
    for (const args of [['start', 'shop', '--version', '1.1.0'], ['promote', 'shop'], ['next-wave', 'shop']]) expect((await cli(copy, ...args)).code).toBe(0);
    wave2Open = tempDir('fleet-wave2-');
    fs.cpSync(copy, wave2Open, { recursive: true });
    return copy;
  }

  test('status shows the cluster x wave table; status --json has it too', async () => {
    const copy = await copyAtWave2('fleet-status-');
    expect((await cli(copy, 'set-weight', 'shop', '25')).code).toBe(0);
    const text = (await cli(copy, 'status', 'shop')).out;
    expect(text.split('\n')).toEqual([
      'shop (gatewayApi, releases/shop.yaml)',
      '  stable  1.0.0  ghcr.io/example/shop:1.0.0',
      '  canary  1.1.0 at 25%  ghcr.io/example/shop:1.1.0',
      '  ladder  0% 10% 50% 100%  (off the ladder, after step 2/4)',
      '  fleet   5 cluster(s) in 3 wave(s); wave 2/3 (eu), canary 1.1.0',
      '    WAVE      CLUSTER    RUNS                         STATE',
      '    1 canary  canary-eu  1.1.0                        new version',
      '    2 eu      prod-eu-1  1.0.0 + canary 1.1.0 at 25%  canary',
      '    3 rest    prod-eu-2  1.0.0                        not reached',
      '    3 rest    prod-us-1  1.0.0                        not reached',
      '    3 rest    prod-ap-1  1.0.0                        not reached',
      '  next: step -> 50% in wave 2/3 (`npx cdk8s-canary step shop`)',
    ]);
    const json = JSON.parse((await cli(copy, 'status', 'shop', '--json')).out) as { releases: { fleet: { phase: string; wave: unknown; clusters: { name: string; state: string; canary: { weight: number } | null }[] } }[] };
    const f = json.releases[0].fleet;
    expect([f.phase, f.wave]).toEqual(['canary', { index: 2, of: 3, name: 'eu' }]);
    expect(f.clusters.map((c) => [c.name, c.state, c.canary?.weight ?? null])).toEqual([
      ['canary-eu', 'promoted', null], ['prod-eu-1', 'canary', 25], ['prod-eu-2', 'waiting', null], ['prod-us-1', 'waiting', null], ['prod-ap-1', 'waiting', null],
    ]);
    // traffic: one line of user shares per cluster; --cluster: one cluster's hops
    expect((await cli(copy, 'traffic', 'shop')).out.split('\n')).toEqual([
      'shop.example.com/  (HTTPRoute shop/shop) on 5 cluster(s)',
      '  CLUSTER    USERS',
      '  canary-eu  shop 1.1.0 100%',
      '  prod-ap-1  shop 1.0.0 100%',
      '  prod-eu-1  shop 1.0.0 75% / 1.1.0 25%',
      '  prod-eu-2  shop 1.0.0 100%',
      '  prod-us-1  shop 1.0.0 100%',
    ]);
    const one = await cli(copy, 'traffic', 'shop', '--cluster', 'prod-eu-1');
    expect(one.out).toContain('users: shop 1.0.0 75% / 1.1.0 25%');
    expect(one.out).toContain('Deployment shop/shop-canary');
    const bad = await cli(copy, 'traffic', '--cluster', 'mars');
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--cluster mars: no fleet release has folders for that cluster in dist\/ \(working tree\); clusters: canary-eu, prod-ap-1, prod-eu-1, prod-eu-2, prod-us-1/)]);
    // diff of the last move: one section, for the one cluster it moved
    const diff = (await cli(copy, 'diff', 'HEAD~1', 'HEAD')).out;
    expect(diff).toMatch(/### shop on cluster prod-eu-1\n\n\*\*Traffic\*\*\n\n- `shop\.example\.com\/` \(HTTPRoute shop\/shop\): shop 1\.0\.0 100% \/ 1\.1\.0 0% -> 75% \/ 25%/);
    expect(diff.match(/^### /gm)).toHaveLength(1);
    // validate checks the sync from HEAD cluster by cluster
    expect((await cli(copy, 'validate')).code).toBe(0);
  });

  test('diff groups clusters whose change is the same (wave 3 opens on three clusters)', async () => {
    const copy = await copyAtWave2('fleet-diff-');
    for (const args of [['promote', 'shop'], ['next-wave', 'shop']]) expect((await cli(copy, ...args)).code).toBe(0);
    const diff = (await cli(copy, 'diff', 'HEAD~1', 'HEAD')).out;
    expect(diff.match(/^### .*$/gm)).toEqual(['### shop on clusters prod-ap-1, prod-eu-2, prod-us-1']);
    expect(diff).toContain('`shop/<cluster>/shop-canary/deployment-shop-canary.yaml`');
  });
});

describe('fleet wiring in applicationSet mode', () => {
  test('a second ApplicationSet lists one element per cluster of each fleet release; the sync model expands it into their Applications', async () => {
    const root = await repo('applicationSet');
    const sets = objectsIn(root, 'argocd').filter((o) => o.kind === 'ApplicationSet');
    expect(sets.map((s) => s.metadata.name).sort()).toEqual(['cdk8s-canary', 'cdk8s-canary-fleet']);
    const fleet = sets.find((s) => s.metadata.name === 'cdk8s-canary-fleet')!;
    expect(fleet.spec.generators).toEqual([{ list: { elements: HUB.map((c) => ({ cluster: c, namespace: 'shop', release: 'shop', server: SERVERS[c] })) } }]);
    expect(fleet.spec.template.spec.source.path).toBe('dist/{{.release}}/{{.cluster}}');
    expect(fleet.spec.template.spec.destination).toEqual({ namespace: '{{.namespace}}', server: '{{.server}}' });
    // the other ApplicationSet lists only the release without a fleet
    expect(JSON.stringify(sets.find((s) => s.metadata.name === 'cdk8s-canary')!.spec.generators)).not.toContain('"shop"');
    for (const s of sets) expect(validateObject(s)).toEqual([]);
    const [views] = clusterViews(objectsOfTree(readFiles(path.join(root, 'dist'))).objects);
    const apps = views.filter((v) => v.cluster).map((v) => v.objects.filter((o) => o.obj.kind === 'Application').map((o) => [o.obj.metadata.name, (o.obj.spec as any).source.path, (o.obj.spec as any).destination.server]));
    expect(apps).toEqual([...CLUSTERS].sort().map((c) => [[`shop-${c}`, 'dist/shop', SERVERS[c]]]));
  });
});

describe('releases without a fleet synthesize byte for byte as before', () => {
  test('every committed reference release and the wiring: synth into a copy gives the committed dist/', async () => {
    const root = tempDir('fleet-reference-');
    fs.cpSync(path.join(REPO, 'releases'), path.join(root, 'releases'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'cdk8s-canary.yaml'), path.join(root, 'cdk8s-canary.yaml'));
    fs.cpSync(path.join(REPO, 'test/fixtures'), path.join(root, 'test/fixtures'), { recursive: true }); // manifests folders the releases name
    const r = await cli(root, 'synth');
    expect(r.code).toBe(0);
    const got = readFiles(path.join(root, 'dist'));
    const committed = readFiles(path.join(REPO, 'dist'));
    expect([...got.keys()].sort()).toEqual([...committed.keys()].sort());
    for (const [p, text] of committed) expect({ p, same: got.get(p) === text }).toEqual({ p, same: true });
  });
});
