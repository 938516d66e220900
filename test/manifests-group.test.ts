import { cli, git } from './support/cli-repo';
import { checkDist, distOf, fixtureFiles, objectsOf, ok, synthesizedRepoInProcess } from './support/manifests-repo';

/** A release group of scenario S3's shape: the generated storefront calls catalog, which brings its own manifests. */
const GROUP = `# yaml-language-server: $schema=../lib/spec/schema/group.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: ReleaseGroup
name: shop
domain: apps.example.com
entry: storefront
steps: [30]
stage: 1
apps:
  - name: storefront
    project: shop-front
    image: quay.io/example/storefront
    version: "1.1"
    newVersion: "1.2"
    replicas: 3
    calls:
      - app: catalog
        configKey: catalog.url
  - name: catalog
    project: shop-catalog
    manifests:
      path: apps/catalog
      service: catalog
      containers: [catalog, migrate]
    version: 2.0.0
    newVersion: 2.1.0
    canaryReplicas: 1
existingSecrets:
  - name: catalog-db
    keys: [password]
`;
const TRACK = 'canary.cdk8s.io/track';

/** The catalog Route's backends as `service=weight`. */
function routeOf(objs: Map<string, any>, name: string): string[] {
  const r = objs.get(`Route shop-catalog/${name}`);
  return r ? [r.spec.to, ...(r.spec.alternateBackends ?? [])].map((b: any) => `${b.name}=${b.weight}`) : [];
}

describe('a release group with one app that brings its own manifests (S3 stages)', () => {
  test('next walks stages 1-6: Routes, canaries and promotion of the manifests app, each state valid and built', async () => {
    // GIVEN the group at stage 1, synthesized and committed
    const repo = await synthesizedRepoInProcess({ ...fixtureFiles('catalog', 'apps/catalog'), 'releases/shop.yaml': GROUP });
    try {
      const seen: Record<number, unknown> = {};
      for (let stage = 1; stage <= 6; stage++) {
        if (stage > 1) await ok(repo.root, ['next', 'shop']);
        const objs = objectsOf(distOf(repo.root, 'shop'));
        const main = objs.get('Deployment shop-catalog/catalog');
        const canary = objs.get('Deployment shop-catalog/catalog-canary');
        seen[stage] = {
          route: routeOf(objs, 'catalog'),
          canaryRoute: routeOf(objs, 'catalog-canary'),
          main: `${main.spec.template.spec.containers[0].image} version=${main.spec.template.metadata.labels.version}`,
          canary: canary ? `${canary.spec.template.spec.containers[0].image} version=${canary.spec.template.metadata.labels.version} replicas=${canary.spec.replicas}` : 'none',
          frontCanaryCalls: objs.get('ConfigMap shop-front/storefront-canary-config')?.data['catalog.url'] ?? 'none',
        };
        // THEN every state validates strictly against the schemas and every folder builds
        expect({ stage, problems: checkDist(repo.root, 'shop').problems }).toEqual({ stage, problems: [] });
        // the main Service is narrowed to the stable track; no Template for an app whose objects are its own
        expect(objs.get('Service shop-catalog/catalog').spec.selector).toEqual({ 'app.kubernetes.io/name': 'catalog', [TRACK]: 'stable' });
        expect([...objs.keys()].filter((k) => k.startsWith('Template shop-catalog/'))).toEqual([]);
      }
      const v = (tag: string, version: string) => `ghcr.io/example/catalog:${tag} version=${version}`;
      expect(seen).toEqual({
        1: { route: ['catalog=100'], canaryRoute: [], main: v('2.0.0', '2.0.0'), canary: 'none', frontCanaryCalls: 'none' },
        2: { route: ['catalog=100'], canaryRoute: ['catalog-canary=100'], main: v('2.0.0', '2.0.0'), canary: `${v('2.1.0', 'canary')} replicas=1`, frontCanaryCalls: 'http://catalog-canary-shop-catalog.apps.example.com' },
        3: { route: ['catalog=100'], canaryRoute: ['catalog-canary=100'], main: v('2.0.0', '2.0.0'), canary: `${v('2.1.0', 'canary')} replicas=1`, frontCanaryCalls: 'http://catalog-canary-shop-catalog.apps.example.com' },
        4: { route: ['catalog=0', 'catalog-canary=100'], canaryRoute: ['catalog-canary=100'], main: v('2.1.0', '2.1.0'), canary: `${v('2.1.0', 'canary')} replicas=1`, frontCanaryCalls: 'http://catalog-canary-shop-catalog.apps.example.com' },
        5: { route: ['catalog=0', 'catalog-canary=100'], canaryRoute: ['catalog-canary=100'], main: v('2.1.0', '2.1.0'), canary: `${v('2.1.0', 'canary')} replicas=1`, frontCanaryCalls: 'none' },
        6: { route: ['catalog=100'], canaryRoute: [], main: v('2.1.0', '2.1.0'), canary: 'none', frontCanaryCalls: 'none' },
      });
    } finally {
      repo.cleanup();
    }
  });

  test('sync waves order a stage as in S3: canary objects before the Routes move, main Route before the main upgrade, canaries pruned last', async () => {
    const repo = await synthesizedRepoInProcess({ ...fixtureFiles('catalog', 'apps/catalog'), 'releases/shop.yaml': GROUP.replace('stage: 1', 'stage: 4') });
    try {
      const objs = objectsOf(distOf(repo.root, 'shop'));
      const wave = (k: string) => objs.get(k).metadata.annotations['argocd.argoproj.io/sync-wave'];
      expect(['Deployment shop-catalog/catalog-canary', 'Service shop-catalog/catalog-canary', 'Route shop-catalog/catalog-canary', 'Route shop-catalog/catalog', 'Deployment shop-catalog/catalog', 'ConfigMap shop-catalog/catalog-config'].map(wave))
        .toEqual(['10', '10', '11', '21', '31', '0']);
      expect(objs.get('Deployment shop-catalog/catalog-canary').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('PruneLast=true');
    } finally {
      repo.cleanup();
    }
  });

  test('abort from stage 3: the manifests app\'s canary and its Route go, its main keeps its version', async () => {
    const repo = await synthesizedRepoInProcess({ ...fixtureFiles('catalog', 'apps/catalog'), 'releases/shop.yaml': GROUP.replace('stage: 1', 'stage: 3\nweight: 30') });
    try {
      await ok(repo.root, ['abort', 'shop']);
      const objs = objectsOf(distOf(repo.root, 'shop'));
      expect([...objs.keys()].filter((k) => k.includes('canary'))).toEqual([]);
      expect(objs.get('Deployment shop-catalog/catalog').spec.template.spec.containers[0].image).toBe('ghcr.io/example/catalog:2.0.0');
      expect(checkDist(repo.root, 'shop').problems).toEqual([]);
    } finally {
      repo.cleanup();
    }
  });

  test.each([
    ['a manifests app that calls another app', GROUP.replace('  - name: catalog\n    project: shop-catalog\n', '  - name: catalog\n    project: shop-catalog\n    calls:\n      - app: storefront\n        configKey: front.url\n'),
      /releases\/shop\.yaml:\d+:\d+: apps\[1\]\.calls: app 'catalog' brings its own manifests, so the group cannot point its canary at the callees' canaries/],
    ['an app with both an image and manifests', GROUP.replace('    manifests:\n      path: apps/catalog\n', '    image: ghcr.io/example/catalog\n    manifests:\n      path: apps/catalog\n'),
      /releases\/shop\.yaml:\d+:\d+: apps\[1\]\.manifests: app 'catalog' has both an image and manifests/],
    ['a manifests app setting a generated pod\'s port', GROUP.replace('    canaryReplicas: 1\n', '    canaryReplicas: 1\n    port: 8080\n'),
      /releases\/shop\.yaml:\d+:\d+: apps\[1\]\.port: port describes a pod the group generates, but app 'catalog' brings its own manifests/],
    ['a manifests app whose folder has no such Deployment', GROUP.replace('      service: catalog\n', '      service: catalog\n      deployment: catalog-api\n'),
      /releases\/shop\.yaml:\d+:\d+: apps\[1\]\.manifests\.deployment: no Deployment named 'catalog-api' in apps\/catalog \(Deployments: catalog\)/],
  ])('fails on %s: exit 2, positioned, nothing written', async (_name, text, says) => {
    const repo = await synthesizedRepoInProcess({ ...fixtureFiles('catalog', 'apps/catalog'), 'releases/shop.yaml': GROUP });
    try {
      repo.write('releases/shop.yaml', text);
      git(repo.root, 'commit', '-qam', 'bad');
      const before = git(repo.root, 'status', '--porcelain');
      const r = cli(repo.root, ['synth']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(says) });
      expect(git(repo.root, 'status', '--porcelain')).toBe(before);
    } finally {
      repo.cleanup();
    }
  });
});
