import * as fs from 'fs';
import * as path from 'path';
import { run } from '../lib/cli/main';
import { declaredExternal, ExternalRefs } from '../lib/lint/external';
import { lintTree } from '../lib/lint/report';
import { LintFinding, lintObjects } from '../lib/lint/rules';
import { Located, Manifest } from '../lib/manifests/objects';
import { formatProblem, SpecError } from '../lib/spec/errors';
import { FolderTransform } from '../lib/synth/build';
import { FOLDER_TRANSFORMS, loadProjectWithConfig, projectPaths, renderProject, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { deployment, gatewayApp, locate, mushop, s1, s3, sampleapp, service, toFiles } from './support/manifests';
import { bufferIo, REPO, tempProject, webappSpec } from './support/project';
import { stateOf } from './support/states';
import { buildGroup } from '../lib/synth/group';
import { renderFolders } from '../lib/synth/build';
import { at, s3Group } from './support/groups';

/** What the S4 MuShop spec names as pass-through route hosts (declared external). */
const MUSHOP_EXTERNALS: ExternalRefs = declaredExternal([{ router: { routes: [
  { match: { prefix: '/api' }, destination: { host: 'mushop-api.mushop.svc.cluster.local' } },
  { match: { prefix: '/assets' }, rewrite: '/', destination: { host: 'mushop-assets.mushop.svc.cluster.local' } },
] } }]);

const errors = (fs_: LintFinding[]) => fs_.filter((f) => f.severity === 'error');
const edit = (objs: Located[], kind: string, name: string, change: (o: any) => void): Located[] => {
  const hit = objs.find((o) => o.obj.kind === kind && o.obj.metadata.name === name);
  if (!hit) throw new Error(`no ${kind} ${name}`);
  change(hit.obj);
  return objs;
};

describe('lint passes on the reference releases and scenario states', () => {
  test('every reference release on main: validate, synth and the committed dist/ are clean', async () => {
    // GIVEN the repository's own releases WHEN rendered (renderProject runs the lint) THEN nothing is thrown
    const { releases, groups, config } = loadProjectWithConfig(projectPaths(REPO));
    const warnings: string[] = [];
    expect(() => renderProject(releases, config, groups, { onWarning: (p) => warnings.push(formatProblem(p)) })).not.toThrow();
    expect(warnings).toEqual([]);
    // AND the committed dist/ lints clean with the specs' declared externals
    const report = lintTree(readTree(path.join(REPO, 'dist')), { external: declaredExternal([...releases, ...groups].map((r) => r.source.toJS())) });
    expect(report.errors.map(formatProblem)).toEqual([]);
    expect(report.findings.length).toBe(0);
  });

  test.each([
    ['S1 first release', () => s1({ stable: 'v0' })],
    ['S1 canary at 0% with a tester header', () => s1({ stable: 'v0', canary: { version: 'v1', weight: 0, header: 'X-Canary' } })],
    ['S1 canary at 25%', () => s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } })],
    ['S1 promoted', () => s1({ stable: 'v1' })],
    ['S3 mains only', () => s3({ mains: '1.1' })],
    ['S3 canaries at 70/30', () => s3({ mains: '1.1', canary: '1.2', split: [70, 30] })],
    ['S3 all traffic to the canaries', () => s3({ mains: '1.1', canary: '1.2', split: [0, 100], backendSplit: [0, 100] })],
    ['S4 MuShop 50/50', () => mushop({ original: 50, beta: 50 })],
    ['S4 sample app 95/5', () => sampleapp({ prod: 95, canary: 5 })],
    ['Gateway API at 10% across namespaces', () => gatewayApp(10)],
  ])('%s: no finding', (_name, build) => {
    expect(lintObjects(build(), { external: MUSHOP_EXTERNALS })).toEqual([]);
  });

  test.each([
    ['guestbook', 'v1', 0], ['guestbook', 'v1', 25], ['guestbook-gateway', 'v1', 25],
    ['sampleapp', '0.2.0', 0], ['sampleapp', '0.2.0', 5], ['mushop-storefront', null, 0],
  ])('the real %s with canary %s at %s%% (rendered from releases/) has no finding', (release, version, weight) => {
    // GIVEN a reference release in a canary state (or, for null, with its canary removed: rollback)
    const s = stateOf(release as string, (doc) => { if (version === null) doc.delete('canary'); else doc.set('canary', doc.createNode({ version, weight })); });
    // WHEN its files are linted with what its spec declares external THEN nothing is found
    expect(lintTree(s.files, { external: declaredExternal([s.release.source.toJS()]) }).findings).toEqual([]);
  });

  test.each([1, 2, 3, 4, 5, 6].flatMap((st) => (['both', 'F', 'B'] as const).map((p) => [st, p] as const)))('the real S3 group at stage %s (changing %s) has no finding', (st, pattern) => {
    const files = renderFolders(buildGroup(at(s3Group(pattern), st as 1 | 2 | 3 | 4 | 5 | 6, 30)), 'releases/frontend-backend.yaml');
    expect(lintTree(files).findings).toEqual([]);
  });

  test('a subset without pods is no finding while no route uses it (S4 after rollback keeps subset beta), a warning at weight 0', () => {
    // GIVEN MuShop rolled back: the default route has no subset, the DestinationRule still lists beta
    expect(lintObjects(mushop(undefined), { external: MUSHOP_EXTERNALS })).toEqual([]);
    // AND the sample app at 100/0 whose canary subset has no pods yet
    const f = lintObjects(sampleapp({ prod: 100, canary: 0 }, { canaryDeployed: false }));
    expect(f.map((x) => `${x.severity} ${x.rule}: ${x.message}`)).toEqual([
      "warning istio-subset: DestinationRule sampleapp/sampleapp subset 'canary' (version=canary) matches no pods of Service sampleapp/sampleapp; Deployment sampleapp/sampleapp has pod labels app=sampleapp, version=prod (VirtualService sampleapp/sampleapp routes to it with weight 0)",
    ]);
  });
});

describe('lint catches planted mistakes', () => {
  test('fails on a Service selector typo, naming the Service, the nearest Deployment and the field', () => {
    // GIVEN S1 whose production Service selects app=guestbok
    const objs = edit(s1({ stable: 'v0' }), 'Service', 'guestbook', (o) => { o.spec.selector.app = 'guestbok'; });
    // WHEN the dist tree is linted
    const r = lintTree(toFiles(objs));
    // THEN one error positioned on spec.selector of the Service file
    expect(r.errors.map(formatProblem)).toEqual([
      'dist/guestbook/ns-prod/service-guestbook.yaml:12:5: spec.selector: Service ns-prod/guestbook selects no pods: no workload in namespace ns-prod has the pod labels app=guestbok, canary.cdk8s.io/track=stable; nearest is Deployment ns-prod/guestbook with pod labels app=guestbook, canary.cdk8s.io/track=stable, version=v0 (got "app=guestbok, canary.cdk8s.io/track=stable"); make spec.selector of Service ns-prod/guestbook match spec.template.metadata.labels of Deployment ns-prod/guestbook (generated from releases/guestbook.yaml)',
    ]);
    expect(r.findings[0]).toMatchObject({ rule: 'service-selector', related: 'Deployment ns-prod/guestbook', field: ['spec', 'selector'] });
  });

  test('fails on an Istio subset with no pods that a route sends traffic to', () => {
    // GIVEN MuShop at 50/50 whose subset beta asks for version 2.1.3-beta.2 (the pods run 2.1.3-beta.1)
    const f = lintObjects(mushop({ original: 50, beta: 50 }, { betaSubsetVersion: '2.1.3-beta.2' }), { external: MUSHOP_EXTERNALS });
    // THEN an error naming the DestinationRule, the Deployment the subset was meant for, and the VirtualService
    expect(f.map((x) => `${x.severity} ${x.rule} ${x.field.join('.')}: ${x.message}`)).toEqual([
      "error istio-subset spec.subsets.1.labels: DestinationRule mushop/mushop-storefront subset 'beta' (version=2.1.3-beta.2) matches no pods of Service mushop/mushop-storefront; Deployment mushop/mushop-storefront has pod labels app=storefront, app.kubernetes.io/instance=mushop, app.kubernetes.io/name=storefront, version=2.1.2, yet VirtualService mushop/edge sends traffic to it (503s)",
    ]);
  });

  test('fails on a route to a subset no DestinationRule defines', () => {
    const objs = edit(sampleapp({ prod: 95, canary: 5 }), 'VirtualService', 'sampleapp', (o) => { o.spec.http[0].route[1].destination.subset = 'canry'; });
    expect(errors(lintObjects(objs)).map((x) => x.message)).toEqual([
      "VirtualService sampleapp/sampleapp routes to subset 'canry' of sampleapp, which DestinationRule sampleapp/sampleapp does not define (subsets: prod, canary)",
    ]);
  });

  test('fails on a missing backend Service of a canary Ingress, an HTTPRoute and a Route', () => {
    // GIVEN three routers pointing at Services that do not exist
    const nginx = edit(s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } }), 'Ingress', 'guestbook-canary-ingress', (o) => { o.spec.rules[0].http.paths[0].backend.service.name = 'guestbook-canry'; });
    const gw = edit(gatewayApp(10), 'HTTPRoute', 'shop', (o) => { o.spec.rules[1].backendRefs[0].port = 9999; });
    const os = edit(s3({ mains: '1.1' }), 'Route', 'backend-main', (o) => { o.spec.to.name = 'backend'; });
    // THEN each names the router object, the missing Service and the field
    expect(errors(lintObjects(nginx)).map((x) => `${x.field.join('.')}: ${x.message}; ${x.hint}`)).toEqual([
      'spec.rules.0.http.paths.0.backend.service.name: Ingress ns-canary/guestbook-canary-ingress sends guestbook.example.com/ to Service ns-canary/guestbook-canry, which does not exist; use one of the Services of namespace ns-canary (guestbook-canary) or generate Service guestbook-canry',
    ]);
    expect(errors(lintObjects(gw)).map((x) => x.message)).toEqual(['HTTPRoute shop/shop sends traffic to port 9999 of Service shop/shop, which has no such port (ports: 8080/http)']);
    expect(errors(lintObjects(os)).map((x) => x.message)).toEqual(['Route backend-main/backend-main sends traffic to Service backend-main/backend, which does not exist']);
  });

  test('fails on a Route whose backend Service lives in another namespace', () => {
    const objs = edit(s3({ mains: '1.1' }), 'Route', 'frontend-main', (o) => { o.spec.to.name = 'backend-main'; });
    expect(errors(lintObjects(objs)).map((x) => `${x.rule}: ${x.message}`)).toEqual([
      'route-namespace: Route frontend-main/frontend-main sends traffic to Service backend-main, but that Service is Service backend-main/backend-main in another namespace; a Route reaches only Services of its own namespace frontend-main',
    ]);
  });

  test('fails on a cross-namespace HTTPRoute backend without a ReferenceGrant', () => {
    const objs = gatewayApp(10).filter((o) => o.obj.kind !== 'ReferenceGrant');
    expect(errors(lintObjects(objs)).map((x) => x.message)).toEqual([
      'HTTPRoute shop/shop refers to Service shop-canary/shop-canary in another namespace, but no ReferenceGrant in namespace shop-canary allows HTTPRoutes of namespace shop to reach it',
      'HTTPRoute shop/shop refers to Service shop-canary/shop-canary in another namespace, but no ReferenceGrant in namespace shop-canary allows HTTPRoutes of namespace shop to reach it',
    ]);
  });

  test('fails on a canary Ingress with no production Ingress for the same host and path', () => {
    const objs = edit(s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } }), 'Ingress', 'guestbook-canary-ingress', (o) => { o.spec.rules[0].http.paths[0].path = '/v2'; });
    expect(errors(lintObjects(objs)).map((x) => `${x.rule}: ${x.message}; ${x.hint}`)).toEqual([
      "canary-ingress: canary Ingress ns-canary/guestbook-canary-ingress serves guestbook.example.com/v2 (class 'nginx'), but no production Ingress serves that host and path; Ingress ns-prod/guestbook-ingress serves guestbook.example.com with paths / (class 'nginx'); ingress-nginx ignores a canary without a production Ingress for the same host and path: use the production host, path and ingress class",
    ]);
  });

  test('fails on two canary Ingresses for one host and path', () => {
    const objs = s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } });
    const second = JSON.parse(JSON.stringify(objs.find((o) => o.obj.metadata.name === 'guestbook-canary-ingress')!.obj)) as Manifest & { metadata: { name: string } };
    second.metadata.name = 'guestbook-canary-2';
    const all = [...objs, ...locate('guestbook', [second])];
    expect(errors(lintObjects(all)).map((x) => x.message)).toEqual([
      'Ingress ns-canary/guestbook-canary-2 and Ingress ns-canary/guestbook-canary-ingress are both canaries of guestbook.example.com/; ingress-nginx applies only one canary per host and path',
    ]);
  });

  test('fails on a Secret that is neither generated nor declared; passes once the spec names it', () => {
    // GIVEN a Deployment reading a password from Secret redis-auth
    const dep = deployment('x', 'web', 'web', { app: 'web' }, 'web:1', { env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } }] });
    const objs = locate('x', [dep, service('x', 'web', 'web', { app: 'web' })]);
    // THEN without a declaration it is an error naming both objects
    expect(errors(lintObjects(objs)).map((x) => `${x.field.join('.')}: ${x.message}`)).toEqual([
      'spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.name: Deployment web/web uses Secret web/redis-auth, which is neither in dist/ nor declared external by a release spec',
    ]);
    // AND a spec naming it (workload.redis.passwordSecret) declares it external
    const ext = declaredExternal([{ workload: { redis: { passwordSecret: { name: 'redis-auth', key: 'password' } } } }]);
    expect(lintObjects(objs, { external: ext })).toEqual([]);
  });

  test('fails on a ConfigMap key that the generated ConfigMap lacks, and on a missing ConfigMap', () => {
    // GIVEN S3 whose F reads backendmain.url: one ConfigMap lost its key, the canary lost its ConfigMap
    const objs = edit(s3({ mains: '1.1', canary: '1.2', split: [70, 30] }), 'DeploymentConfig', 'frontend-main', (o) => {
      o.spec.template.spec.containers[0].env = [{ name: 'BACKEND', valueFrom: { configMapKeyRef: { name: 'frontend-main-config', key: 'backend.url' } } }];
    }).filter((o) => o.obj.metadata.name !== 'frontend-main-canary-config');
    expect(errors(lintObjects(objs)).map((x) => x.message)).toEqual([
      'DeploymentConfig frontend-main/frontend-main-canary uses ConfigMap frontend-main/frontend-main-canary-config, which is neither in dist/ nor declared external by a release spec',
      "DeploymentConfig frontend-main/frontend-main reads key 'backend.url' of ConfigMap frontend-main/frontend-main-config, which has no such key (keys: backendmain.url)",
    ]);
  });

  test('fails on a named target port no selected container has', () => {
    const objs = edit(s1({ stable: 'v0' }), 'Service', 'guestbook', (o) => { o.spec.ports[0].targetPort = 'web'; });
    expect(errors(lintObjects(objs)).map((x) => x.message)).toEqual([
      "Service ns-prod/guestbook sends port 80 to the container port named 'web', but Deployment ns-prod/guestbook has no container port of that name",
    ]);
  });

  test('fails on a NetworkPolicy that protects no pods', () => {
    const objs = [...s1({ stable: 'v0' }), ...locate('guestbook', [{
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'redis-from-guestbook', namespace: 'ns-prod' },
      spec: { podSelector: { matchLabels: { app: 'rediss' } }, policyTypes: ['Ingress'] },
    }])];
    expect(errors(lintObjects(objs)).map((x) => x.message)).toEqual([
      'NetworkPolicy ns-prod/redis-from-guestbook protects no pods: its podSelector app=rediss matches no workload in namespace ns-prod; nearest is StatefulSet ns-prod/redis with pod labels app=redis',
    ]);
  });
});

describe('synth and validate run the lint', () => {
  /** A folder transform that breaks the production Service's selector, as a buggy construct would. */
  const breakSelector: FolderTransform = (folder) => ({
    ...folder,
    objects: folder.objects.map((o) => (o.kind === 'Service' ? { ...o, spec: { ...(o.spec as object), selector: { app: 'shopp', 'canary.cdk8s.io/track': 'stable' } } } : o)),
  });
  let p: ReturnType<typeof tempProject>;
  beforeEach(() => { p = tempProject({ 'releases/shop.yaml': webappSpec('shop') }); });
  afterEach(() => {
    p.cleanup();
    const i = FOLDER_TRANSFORMS.indexOf(breakSelector);
    if (i >= 0) FOLDER_TRANSFORMS.splice(i, 1);
  });

  test('fails synth with a positioned error, exit code 2 through the CLI, and writes nothing', async () => {
    // GIVEN a synthesized project, then a construct bug that breaks a selector
    synthProject(projectPaths(p.root));
    const before = readTree(path.join(p.root, 'dist'));
    FOLDER_TRANSFORMS.push(breakSelector);
    // WHEN synthesized THEN a SpecError with the dist file position
    expect(() => synthProject(projectPaths(p.root))).toThrow(SpecError);
    expect(() => synthProject(projectPaths(p.root))).toThrow(/^dist\/shop\/shop\/service-shop\.yaml:\d+:\d+: spec\.selector: Service shop\/shop selects no pods: no workload in namespace shop has the pod labels app=shopp/);
    // AND the CLI exits 2 for synth and validate, leaving dist/ as it was
    for (const cmd of ['synth', 'validate']) {
      const b = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', p.root, cmd], b.io)).toBe(2);
      expect(b.err.join('\n')).toContain('spec.selector: Service shop/shop selects no pods');
      expect(b.err.join('\n')).toMatch(/^dist\/shop\/shop\/service-shop\.yaml:\d+:\d+: spec\.selector: /m);
      expect(b.err[b.err.length - 1]).toBe('1 problem(s) found; nothing was written');
    }
    expect(readTree(path.join(p.root, 'dist'))).toEqual(before);
    expect(fs.existsSync(path.join(p.root, 'dist/shop/shop/service-shop.yaml'))).toBe(true);
  });
});
