import * as path from 'path';
import { parseDocument } from 'yaml';
import { MAX_ALTERNATE_BACKENDS, MAX_ROUTE_WEIGHT, routeBackends, RouteRuleError } from '../lib/routers/openshift-route';
import { formatProblem } from '../lib/spec/errors';
import { parseRelease } from '../lib/spec/loader';
import { ReleaseModel } from '../lib/spec/model';
import { buildRelease, KubeObject, renderFolders } from '../lib/synth/build';
import { PROJECT_CHECKS } from '../lib/synth/project';
import { validateObject } from './support/kube-schemas';

const ROOT = path.resolve(__dirname, '..');
const SHOP = `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: shop
namespaces:
  production: shop
workload:
  type: webapp
  kind: DeploymentConfig
  image: quay.io/example/shop
  portName: 8080-tcp
  replicas: 3
stable:
  version: "1.1"
canary:
  version: "1.2"
  weight: 30
router:
  type: openshiftRoute
  domain: 192.168.99.100.nip.io
  canaryRoute: true
`;

/** The shop release with edits (path -> value; undefined deletes). */
function shopText(edits: [(string | number)[], unknown][] = []): string {
  const doc = parseDocument(SHOP);
  for (const [p, v] of edits) {
    if (v === undefined) doc.deleteIn(p);
    else doc.setIn(p, v);
  }
  return doc.toString();
}

function load(text: string): { model?: ReleaseModel; problems: string[] } {
  const r = parseRelease(path.join(ROOT, 'releases/shop.yaml'), text, { checks: PROJECT_CHECKS, relativeTo: ROOT });
  return 'problems' in r ? { problems: r.problems.map(formatProblem) } : { model: r.release.model, problems: [] };
}

function objects(text: string): KubeObject[] {
  const { model, problems } = load(text);
  if (!model) throw new Error(problems.join('\n'));
  return buildRelease(model).flatMap((f) => f.objects);
}

function get(objs: readonly KubeObject[], kind: string, name: string): any {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

describe('Route weight rules (routeBackends)', () => {
  test('shares become to + alternateBackends with the percentages as relative weights', () => {
    // GIVEN a 70/30 split WHEN turned into Route backends
    const r = routeBackends('shop', [{ service: 'shop', namespace: 'shop', percent: 70 }, { service: 'shop-canary', namespace: 'shop', percent: 30 }]);
    // THEN `to` carries the main Service and the canary is the one alternate backend
    expect(r).toEqual({ to: { kind: 'Service', name: 'shop', weight: 70 }, alternateBackends: [{ kind: 'Service', name: 'shop-canary', weight: 30 }] });
  });

  test('three alternate backends are the most a Route holds, and are accepted', () => {
    const shares = ['a', 'b', 'c', 'd'].map((s) => ({ service: s, namespace: 'ns', percent: 25 }));
    expect(routeBackends('ns', shares).alternateBackends).toHaveLength(MAX_ALTERNATE_BACKENDS);
  });

  test('fails with 4 alternate backends', () => {
    const shares = ['a', 'b', 'c', 'd', 'e'].map((s) => ({ service: s, namespace: 'ns', percent: 20 }));
    expect(() => routeBackends('ns', shares)).toThrow(RouteRuleError);
    expect(() => routeBackends('ns', shares)).toThrow('a route holds at most 3 alternate backends (got 4: b, c, d, e); split the traffic over fewer services');
  });

  test('fails when a backend service is in another namespace than the route', () => {
    expect(() => routeBackends('shop', [{ service: 'shop', namespace: 'shop', percent: 90 }, { service: 'shop-canary', namespace: 'shop-canary', percent: 10 }]))
      .toThrow("backend service 'shop-canary' is in namespace 'shop-canary', not in the route's namespace 'shop'; a route only sends traffic to services of its own namespace, so run it in 'shop'");
  });

  test('fails when the weights do not sum to 100, or a weight is not a whole number in 0..256', () => {
    expect(() => routeBackends('ns', [{ service: 'a', namespace: 'ns', percent: 60 }, { service: 'b', namespace: 'ns', percent: 30 }]))
      .toThrow('route weights are percentages and must sum to 100 (got 90: a=60, b=30); adjust the shares');
    expect(() => routeBackends('ns', [{ service: 'a', namespace: 'ns', percent: 300 }]))
      .toThrow(`weight of backend 'a' must be an integer between 0 and ${MAX_ROUTE_WEIGHT} (got 300)`);
    expect(() => routeBackends('ns', [{ service: 'a', namespace: 'ns', percent: 12.5 }, { service: 'b', namespace: 'ns', percent: 87.5 }]))
      .toThrow(/must be an integer between 0 and 256 \(got 12\.5\); use a whole percentage/);
    expect(() => routeBackends('ns', [{ service: 'a', namespace: 'ns', percent: 50 }, { service: 'a', namespace: 'ns', percent: 50 }]))
      .toThrow("backend service 'a' appears twice");
  });
});

describe('OpenShift Route router on a release', () => {
  test('a running canary: the Route goes to the main Service with the canary as alternate backend, and the canary has its own Route', () => {
    // GIVEN shop at 30% with canaryRoute: true WHEN synthesized
    const objs = objects(SHOP);
    const route = get(objs, 'Route', 'shop');
    // THEN the main Route splits 70/30, roundrobin, wildcardPolicy None, on the named port
    expect(route.metadata.annotations).toEqual({ 'haproxy.router.openshift.io/balance': 'roundrobin' });
    expect(route.spec).toEqual({
      host: 'shop-shop.192.168.99.100.nip.io',
      to: { kind: 'Service', name: 'shop', weight: 70 },
      alternateBackends: [{ kind: 'Service', name: 'shop-canary', weight: 30 }],
      port: { targetPort: '8080-tcp' },
      wildcardPolicy: 'None',
    });
    // AND the canary's own Route (CANARY_URL_REQ) sends everything to the canary Service
    expect(get(objs, 'Route', 'shop-canary').spec).toMatchObject({ host: 'shop-canary-shop.192.168.99.100.nip.io', to: { kind: 'Service', name: 'shop-canary', weight: 100 } });
  });

  test('no canary: one Route, all to the main Service, no alternate backends and no canary Route', () => {
    const objs = objects(shopText([[['canary'], undefined]]));
    expect(objs.filter((o) => o.kind === 'Route').map((o) => o.metadata.name)).toEqual(['shop']);
    expect(get(objs, 'Route', 'shop').spec.to).toEqual({ kind: 'Service', name: 'shop', weight: 100 });
    expect(get(objs, 'Route', 'shop').spec.alternateBackends).toBeUndefined();
  });

  test('the balance annotation follows router.balance', () => {
    expect(get(objects(shopText([[['router', 'balance'], 'leastconn']])), 'Route', 'shop').metadata.annotations).toEqual({ 'haproxy.router.openshift.io/balance': 'leastconn' });
  });

  test('every weight of the ladder gives Route weights in 0..256 summing to 100', () => {
    for (const w of [0, 1, 25, 50, 99, 100]) {
      const spec = get(objects(shopText([[['canary', 'weight'], w]])), 'Route', 'shop').spec;
      const weights = [spec.to.weight, ...spec.alternateBackends.map((b: { weight: number }) => b.weight)];
      expect(weights.reduce((a: number, b: number) => a + b, 0)).toBe(100);
      expect(weights.every((x: number) => x >= 0 && x <= MAX_ROUTE_WEIGHT)).toBe(true);
    }
  });

  test('a weight step changes only weight lines of dist/', () => {
    // GIVEN the same release at 25% and at 50%
    const render = (w: number) => {
      const { model } = load(shopText([[['canary', 'weight'], w]]));
      return renderFolders(buildRelease(model as ReleaseModel), 'releases/shop.yaml');
    };
    const a = render(25);
    const b = render(50);
    // WHEN the files are compared line by line
    const changed: string[] = [];
    for (const [file, content] of a) {
      const x = content.split('\n');
      const y = (b.get(file) ?? '').split('\n');
      x.forEach((line, i) => { if (line !== y[i]) changed.push(`${file}: ${line.trim()} -> ${y[i].trim()}`); });
    }
    // THEN only the two weight lines of the Route moved
    expect(changed).toEqual(['shop/shop/route-shop.yaml: weight: 25 -> weight: 50', 'shop/shop/route-shop.yaml: weight: 75 -> weight: 50']);
  });

  test('kind DeploymentConfig: a DeploymentConfig with ConfigChange and ImageChange triggers and its ImageStream, per track', () => {
    const objs = objects(SHOP);
    const dc = get(objs, 'DeploymentConfig', 'shop');
    expect(dc.apiVersion).toBe('apps.openshift.io/v1');
    expect(dc.spec.replicas).toBe(3);
    expect(dc.spec.selector).toEqual({ 'app': 'shop', 'canary.cdk8s.io/track': 'stable' });
    expect(dc.spec.triggers).toEqual([
      { type: 'ConfigChange' },
      { type: 'ImageChange', imageChangeParams: { automatic: true, containerNames: ['app'], from: { kind: 'ImageStreamTag', name: 'shop:1.1' } } },
    ]);
    expect(get(objs, 'ImageStream', 'shop').spec.tags).toEqual([{ name: '1.1', from: { kind: 'DockerImage', name: 'quay.io/example/shop:1.1' }, importPolicy: { scheduled: false }, referencePolicy: { type: 'Source' } }]);
    expect(get(objs, 'ImageStream', 'shop-canary').spec.tags[0].name).toBe('1.2');
    // AND the pod template is the shared one: restricted pod security
    const pod = dc.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
  });

  test('kind Deployment (the successor of DeploymentConfig) gives apps/v1 Deployments and no ImageStream', () => {
    const objs = objects(shopText([[['workload', 'kind'], 'Deployment']]));
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'Deployment', 'Namespace', 'Route', 'Route', 'Service', 'Service']);
  });

  test('every generated object passes strict schema validation (Route, DeploymentConfig, ImageStream)', () => {
    for (const text of [SHOP, shopText([[['canary'], undefined]]), shopText([[['workload', 'kind'], 'Deployment']])]) {
      const objs = objects(text);
      expect(objs.flatMap((o) => validateObject(o))).toEqual([]);
    }
  });

  test('the strict validator catches a mistake in a DeploymentConfig and a Route weight over 256', () => {
    const dc = JSON.parse(JSON.stringify(get(objects(SHOP), 'DeploymentConfig', 'shop')));
    dc.spec.triggers[1].imageChangeParams.fromm = dc.spec.triggers[1].imageChangeParams.from;
    expect(validateObject(dc).join('\n')).toMatch(/fromm/);
    const route = JSON.parse(JSON.stringify(get(objects(SHOP), 'Route', 'shop')));
    route.spec.to.weight = 300;
    expect(validateObject(route).join('\n')).toMatch(/\/spec\/to\/weight must be <= 256/);
  });
});

describe('OpenShift Route router: what a Route cannot do', () => {
  test('fails with header routing on a route, positioned at router.header', () => {
    // GIVEN a release asking the Route router for a tester header
    const { problems } = load(shopText([[['router', 'header'], { name: 'X-Canary', value: 'always' }]]));
    // THEN the router refuses with a positioned, actionable error
    expect(problems).toEqual(['releases/shop.yaml:22:3: router.header: an openshift route cannot route by header: it matches on host and path only; '
      + 'remove router.header; to let testers reach the canary at any weight, set router.canaryRoute: true (the canary gets its own URL)']);
  });

  test('fails with cookie routing on a route', () => {
    const { problems } = load(shopText([[['router', 'cookie'], 'canary']]));
    expect(problems).toEqual([expect.stringMatching(/^releases\/shop\.yaml:22:11: router\.cookie: an openshift route cannot route by cookie: it matches on host and path only \(got "canary"\)/)]);
  });

  test('fails with the canary in another namespace', () => {
    const { problems } = load(shopText([[['namespaces', 'canary'], 'shop-canary']]));
    expect(problems).toEqual([`releases/shop.yaml:7:11: namespaces.canary: the canary namespace differs from the route's namespace 'shop' (got "shop-canary"); a route only sends traffic to services of its own namespace: remove namespaces.canary or set it to shop`]);
  });

  test('fails with a weight total other than 100 (Route weights are written as percentages)', () => {
    const { problems } = load(shopText([[['weightTotal'], 1000]]));
    expect(problems.join('\n')).toMatch(/weightTotal: route weights are written as whole percentages \(got 1000\); remove weightTotal \(default 100\) or set it to 100/);
  });

  test('fails with an option the Route router does not have (schema), naming the allowed ones', () => {
    const { problems } = load(shopText([[['router', 'path'], '/']]));
    expect(problems.join('\n')).toMatch(/router\.path: unknown field 'path'; remove it \(allowed: type, domain, host, routeName, canaryRoute, balance, header, cookie\)/);
  });
});
