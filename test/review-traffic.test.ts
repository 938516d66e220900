import * as path from 'path';
import { run } from '../lib/cli/main';
import { Located } from '../lib/manifests/objects';
import { computeTraffic, EntryTraffic, entriesOf, renderTrafficText, summarize, summaryLine, targetOf } from '../lib/review/traffic';
import { objectsOfTree } from '../lib/manifests/tree';
import { readTree } from '../lib/manifests/files';
import { bufferIo, REPO, tempProject } from './support/project';
import { stateOf } from './support/states';
import { buildGroup } from '../lib/synth/group';
import { renderFolders } from '../lib/synth/build';
import { at, ChangePattern, s3Group } from './support/groups';
import { deployment, gatewayApp, ingress, locate, mushop, s1, S1_HOST, s3, S3_DOMAIN, sampleapp, service, toFiles } from './support/manifests';

/** The entry point of a host (and path, when given). */
function entry(objects: Located[], host: string, p?: string): EntryTraffic {
  const e = computeTraffic(objects).entries.filter((x) => x.host === host && (p === undefined || x.path === p));
  if (e.length !== 1) throw new Error(`expected one entry for ${host}${p ?? ''}, got ${e.map((x) => x.id).join(', ') || 'none'}`);
  return e[0];
}

/** `{app: {version: percent}}` of an entry's user traffic. */
function shares(e: EntryTraffic): Record<string, Record<string, number>> {
  return Object.fromEntries(summarize(e.flows).map((a) => [a.app, Object.fromEntries(a.versions.map((v) => [v.version, Math.round(v.share * 10000) / 100]))]));
}

describe('traffic: S1 guestbook on ingress-nginx', () => {
  test('at the 25% ramp the entry gives v0 75% and v1 25%, and both reach the shared Redis', () => {
    // GIVEN the S1 canary at 25% with a tester header
    const objs = s1({ stable: 'v0', canary: { version: 'v1', weight: 25, header: 'X-Canary' } });
    // WHEN the traffic is computed
    const e = entry(objs, S1_HOST);
    // THEN users split 75/25, and Redis gets every request from both versions
    expect(shares(e)).toEqual({ guestbook: { v0: 75, v1: 25 }, redis: { '7.2-alpine': 100 } });
    expect(e.objects).toEqual(['Ingress ns-prod/guestbook-ingress', 'Ingress ns-canary/guestbook-canary-ingress']);
    expect(e.flows.filter((f) => f.app === 'redis').map((f) => [f.from?.version, f.share])).toEqual([['v0', 0.75], ['v1', 0.25]]);
    // AND the header rules are tester-only paths: always -> canary, never -> production
    expect(e.testers.map((t) => `${t.condition}: ${summaryLine(t.flows.filter((f) => f.hop === 1))}`)).toEqual([
      'header X-Canary: always: guestbook v1 100%',
      'header X-Canary: never: guestbook v0 100%',
    ]);
  });

  test('canary deployed at 0% takes no user traffic; promote and abort give 100% to one version', () => {
    expect(shares(entry(s1({ stable: 'v0', canary: { version: 'v1', weight: 0 } }), S1_HOST)).guestbook).toEqual({ v0: 100, v1: 0 });
    expect(shares(entry(s1({ stable: 'v1' }), S1_HOST)).guestbook).toEqual({ v1: 100 });
    expect(shares(entry(s1({ stable: 'v0' }), S1_HOST)).guestbook).toEqual({ v0: 100 });
  });

  test('header value, cookie and canary-weight-total are honoured', () => {
    // GIVEN a canary at 5 of 1000 with an exact header value and a cookie
    const objs = s1({ stable: 'v0', canary: { version: 'v1', weight: 5, header: 'X-Tester', headerValue: 'qa', cookie: 'canary' } });
    const ing = objs.find((o) => o.obj.metadata.name === 'guestbook-canary-ingress')!;
    (ing.obj.metadata.annotations as Record<string, string>)['nginx.ingress.kubernetes.io/canary-weight-total'] = '1000';
    const e = entry(objs, S1_HOST);
    // THEN 0.5% reaches the canary, and the tester paths say how to reach it
    expect(shares(e).guestbook).toEqual({ v0: 99.5, v1: 0.5 });
    expect(e.testers.map((t) => t.condition)).toEqual(['header X-Tester: qa', 'cookie canary=always', 'cookie canary=never']);
  });

  test('the table names the entry, the objects, and every version with its workload', () => {
    const text = renderTrafficText([entry(s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } }), S1_HOST)]);
    expect(text.slice(0, 4)).toEqual([
      'guestbook.example.com/  (Ingress ns-prod/guestbook-ingress, Ingress ns-canary/guestbook-canary-ingress)',
      '  users: guestbook v0 75% / v1 25%; redis 7.2-alpine 100%',
      '  HOP  APP        VERSION     SHARE  WORKLOAD                               VIA',
      '  1    guestbook  v0          75%    Deployment ns-prod/guestbook           Service ns-prod/guestbook',
    ]);
  });
});

describe('traffic: S3 frontend + backend on OpenShift Routes', () => {
  const F_HOST = `frontend-main-frontend-main.${S3_DOMAIN}`;

  test('lists the entry points users reach first: the Routes the frontend calls come after its own', () => {
    // GIVEN stage 3 of S3 WHEN the traffic report is computed THEN F's Route comes first, then B's two
    const hosts = computeTraffic(s3({ mains: '1.1', canary: '1.2', split: [70, 30] })).entries.map((e) => e.host);
    expect(hosts[0]).toBe(F_HOST);
    expect(hosts.slice(1).sort()).toEqual([`backend-main-backend-main.${S3_DOMAIN}`, `backend-main-canary-backend-main.${S3_DOMAIN}`]);
  });

  test('70/30 at the entry; B 1.2 receives F-canary\'s 30% through the ConfigMap URL of B\'s canary Route', () => {
    // GIVEN stage 3 of S3: canaries 1.2 deployed, F's Route split 70/30
    const objs = s3({ mains: '1.1', canary: '1.2', split: [70, 30] });
    // WHEN the traffic at F's Route is computed
    const e = entry(objs, F_HOST);
    // THEN F splits 70/30 and B follows: 1.1 gets 70%, 1.2 gets 30%
    expect(shares(e)).toEqual({ 'frontend-main': { '1.1': 70, '1.2': 30 }, 'backend-main': { '1.1': 70, '1.2': 30 } });
    const b12 = e.flows.find((f) => f.app === 'backend-main' && f.version === '1.2')!;
    expect(b12).toMatchObject({
      hop: 2, share: 0.3, workload: 'DeploymentConfig backend-main/backend-main-canary', from: { app: 'frontend-main', version: '1.2' },
      via: 'frontend-main 1.2 ConfigMap frontend-main/frontend-main-canary-config backendmain.url -> Route backend-main/backend-main-canary',
    });
  });

  test('mains only: 100% to 1.1; after promotion to the canaries: 100% to 1.2 all the way down', () => {
    expect(shares(entry(s3({ mains: '1.1' }), F_HOST))).toEqual({ 'frontend-main': { '1.1': 100 }, 'backend-main': { '1.1': 100 } });
    const promoted = s3({ mains: '1.1', canary: '1.2', split: [0, 100], backendSplit: [0, 100] });
    expect(shares(entry(promoted, F_HOST))).toEqual({ 'frontend-main': { '1.1': 0, '1.2': 100 }, 'backend-main': { '1.2': 100 } });
    expect(shares(entry(s3({ mains: '1.2' }), F_HOST))).toEqual({ 'frontend-main': { '1.2': 100 }, 'backend-main': { '1.2': 100 } });
  });

  test('a group or release name selects the entry points that reach its workloads', () => {
    const objs = s3({ mains: '1.1', canary: '1.2', split: [70, 30] });
    const report = computeTraffic(objs);
    expect(entriesOf(report, 'frontend-main', objs).map((e) => e.entry)).toEqual(['Route frontend-main/frontend-main']);
    expect(entriesOf(report, 'backend-main', objs).map((e) => e.entry).sort()).toEqual([
      'Route backend-main/backend-main', 'Route backend-main/backend-main-canary', 'Route frontend-main/frontend-main',
    ]);
  });
});

describe('traffic: S4 on Istio', () => {
  test('MuShop storefront 50/50 between subsets original and beta; /api and /assets pass through', () => {
    const objs = mushop({ original: 50, beta: 50 });
    const all = computeTraffic(objs).entries;
    expect(all.map((e) => `${e.host} ${e.path}`)).toEqual(['* /api', '* /assets', '* /']);
    expect(shares(entry(objs, '*', '/'))).toEqual({ storefront: { '2.1.2': 50, '2.1.3-beta.1': 50 } });
    expect(entry(objs, '*', '/').objects).toEqual(['VirtualService mushop/edge', 'Gateway mushop/gateway', 'DestinationRule mushop/mushop-storefront']);
    expect(shares(entry(objs, '*', '/api'))).toEqual({ 'mushop-api.mushop.svc.cluster.local': { external: 100 } });
  });

  test('MuShop rollback: the default route sends 100% to 2.1.2', () => {
    expect(shares(entry(mushop(undefined), '*', '/'))).toEqual({ storefront: { '2.1.2': 100 } });
  });

  test('sample app: 95/5 while the canary branch is live, 100/0 before and after', () => {
    expect(shares(entry(sampleapp({ prod: 95, canary: 5 }), '*', '/'))).toEqual({ sampleapp: { '1a2b3c4': 95, '5d6e7f8': 5 } });
    expect(shares(entry(sampleapp({ prod: 100, canary: 0 }, { canaryDeployed: false }), '*', '/'))).toEqual({ sampleapp: { '1a2b3c4': 100, '(no pods)': 0 } });
    expect(shares(entry(sampleapp({ prod: 100, canary: 0 }, { prodSha: '5d6e7f8', canaryDeployed: false }), '*', '/')).sampleapp['5d6e7f8']).toBe(100);
  });

  test('routes are taken in order: a header route is a tester path, a route after a catch-all is never reached', () => {
    // GIVEN the sample app with a tester route first and a dead /admin route after the catch-all
    const objs = sampleapp({ prod: 95, canary: 5 });
    const vs = objs.find((o) => o.obj.kind === 'VirtualService')!.obj as unknown as { spec: { http: unknown[] } };
    const canaryOnly = { destination: { host: 'sampleapp', subset: 'canary', port: { number: 8080 } } };
    vs.spec.http = [{ match: [{ uri: { prefix: '/' }, headers: { 'x-canary': { exact: 'always' } } }], route: [canaryOnly] }, ...vs.spec.http, { match: [{ uri: { prefix: '/admin' } }], route: [canaryOnly] }];
    // WHEN computed
    const e = entry(objs, '*', '/');
    // THEN users still split 95/5, testers with the header reach the canary only
    expect(shares(e)).toEqual({ sampleapp: { '1a2b3c4': 95, '5d6e7f8': 5 } });
    expect(e.testers.map((t) => `${t.condition}: ${summaryLine(t.flows)}`)).toEqual(['header x-canary: always: sampleapp 5d6e7f8 100%']);
    expect(entry(objs, '*', '/admin').notes).toEqual(['VirtualService sampleapp/sampleapp http[2] (/admin) is never reached: an earlier route already takes every request for /']);
  });
});

describe('traffic: Gateway API and plain Services', () => {
  test('HTTPRoute weights 90/10 across namespaces, header rule as tester path', () => {
    const e = entry(gatewayApp(10), 'shop.example.com');
    expect(shares(e)).toEqual({ shop: { '1.0.0': 90, '1.1.0': 10 } });
    expect(e.objects).toEqual(['HTTPRoute shop/shop', 'ReferenceGrant shop-canary/shop-to-shop-canary']);
    expect(e.testers.map((t) => `${t.condition}: ${summaryLine(t.flows)}`)).toEqual(['header X-Canary: always: shop 1.1.0 100%']);
    expect(shares(entry(gatewayApp(undefined), 'shop.example.com'))).toEqual({ shop: { '1.0.0': 100 } });
  });

  test('a Service selecting two workloads splits by replica count (the 50-replicas point of S4)', () => {
    // GIVEN one Service over a 3-replica stable and a 1-replica canary
    const objs = locate('plain', [
      deployment('plain', 'web', 'web', { app: 'web', version: '1.0' }, 'web:1.0', { replicas: 3 }, { app: 'web', version: '1.0' }),
      deployment('plain', 'web', 'web-canary', { app: 'web', version: '1.1' }, 'web:1.1', { replicas: 1 }, { app: 'web', version: '1.1' }),
      service('plain', 'web', 'web', { app: 'web' }),
      ingress('plain', 'web', 'web', 'web.example.com', '/', 'web', 80),
    ]);
    const e = entry(objs, 'web.example.com');
    // THEN 75/25, and the note says why
    expect(shares(e)).toEqual({ web: { '1.0': 75, '1.1': 25 } });
    expect(e.notes).toEqual(['Service web/web spreads requests over Deployment web/web (3 replicas) and Deployment web/web-canary (1 replicas) by replica count']);
  });

  test('requests to a Service with no pods are reported as failing', () => {
    const objs = locate('x', [service('x', 'web', 'web', { app: 'nothing' }), ingress('x', 'web', 'web', 'web.example.com', '/', 'web', 80)]);
    expect(entry(objs, 'web.example.com').notes).toEqual(['100% of requests fail: Service web/web has no pods']);
  });

  test('config values are read as URLs or dotted host names, nothing else', () => {
    expect(targetOf('http://backend-main-canary-backend-main.192.168.99.100.nip.io/api')).toEqual({ host: 'backend-main-canary-backend-main.192.168.99.100.nip.io', path: '/api' });
    expect(targetOf('redis.ns-prod.svc.cluster.local:6379')).toEqual({ host: 'redis.ns-prod.svc.cluster.local', path: '/' });
    expect(targetOf('info')).toBeUndefined();
    expect(targetOf('1.2.3')).toBeUndefined();
  });
});

describe('cdk8s-canary traffic', () => {
  test('prints the table and --json for one release, from the dist/ on disk', async () => {
    // GIVEN a project whose dist/ holds S1 at 25% and S3 at 70/30
    const p = tempProject();
    try {
      for (const [f, t] of toFiles([...s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } }), ...s3({ mains: '1.1', canary: '1.2', split: [70, 30] })])) p.write(path.join('dist', f), t);
      // WHEN asked for the guestbook
      const b = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', p.root, 'traffic', 'guestbook'], b.io)).toBe(0);
      // THEN one entry point, 75/25
      expect(b.out.join('\n')).toContain('users: guestbook v0 75% / v1 25%; redis 7.2-alpine 100%');
      expect(b.out.join('\n')).not.toContain('frontend-main');
      // AND --json carries the same numbers
      const j = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', p.root, 'traffic', 'frontend-main', '--json'], j.io)).toBe(0);
      const entries = JSON.parse(j.out.join('\n')).entries as EntryTraffic[];
      expect(entries.map((e) => e.entry)).toEqual(['Route frontend-main/frontend-main']);
      expect(summaryLine(entries[0].flows)).toBe('frontend-main 1.1 70% / 1.2 30%; backend-main 1.1 70% / 1.2 30%');
    } finally { p.cleanup(); }
  });

  test('fails with exit code 2 for a name with no entry point, listing the known ones', async () => {
    const p = tempProject();
    try {
      for (const [f, t] of toFiles(s1({ stable: 'v0' }))) p.write(path.join('dist', f), t);
      const b = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', p.root, 'traffic', 'guestbok'], b.io)).toBe(2);
      expect(b.err).toEqual(["error: no entry point found for 'guestbok' in dist/ (working tree); did you mean 'guestbook'? releases with entry points: guestbook"]);
    } finally { p.cleanup(); }
  });
});

describe('traffic over the reference releases rendered by the real synthesis', () => {
  const objectsOf = (files: Map<string, string>) => objectsOfTree(files).objects;
  const withCanary = (release: string, canary?: { version: string; weight: number }, stable?: string) => objectsOf(stateOf(release, (doc) => {
    if (stable) doc.setIn(['stable', 'version'], stable);
    if (canary) doc.set('canary', doc.createNode(canary));
  }).files);

  test('S1 guestbook: 75/25 at the 25% ramp, 100% v1 after promote, 100% v0 after abort', () => {
    expect(shares(entry(withCanary('guestbook', { version: 'v1', weight: 25 }), 'guestbook.example.com')).guestbook).toEqual({ v0: 75, v1: 25 });
    expect(shares(entry(withCanary('guestbook', undefined, 'v1'), 'guestbook.example.com')).guestbook).toEqual({ v1: 100 });
    expect(shares(entry(withCanary('guestbook'), 'guestbook.example.com')).guestbook).toEqual({ v0: 100 });
  });

  test('S4 MuShop as committed in dist/: 50/50 between 2.1.2 and 2.1.3-beta.1', () => {
    const objs = objectsOf(readTree(path.join(REPO, 'dist')));
    expect(shares(entry(objs.filter((o) => o.release === 'mushop-storefront'), '*', '/'))).toEqual({ storefront: { '2.1.2': 50, '2.1.3-beta.1': 50 } });
  });

  test('S4 sample app: 95/5 on the canary branch, 100% to one version on main', () => {
    expect(shares(entry(withCanary('sampleapp', { version: '0.2.0', weight: 5 }), 'sampleapp.example.com', '/'))).toEqual({ sampleapp: { '0.1.0': 95, '0.2.0': 5 } });
    expect(shares(entry(withCanary('sampleapp'), 'sampleapp.example.com', '/'))).toEqual({ sampleapp: { '0.1.0': 100 } });
    expect(shares(entry(withCanary('sampleapp', undefined, '0.2.0'), 'sampleapp.example.com', '/'))).toEqual({ sampleapp: { '0.2.0': 100 } });
  });
});

describe('traffic over the S3 reference group rendered by the real group synthesis', () => {
  const stage = (st: 1 | 2 | 3 | 4 | 5 | 6, pattern: ChangePattern = 'both') =>
    objectsOfTree(renderFolders(buildGroup(at(s3Group(pattern), st, 30)), 'releases/frontend-backend.yaml')).objects;
  const F_HOST = 'frontend-main-frontend-main.192.168.99.100.nip.io';

  test('stage 3 of S3: 70/30 at the entry, and B 1.2 receives 30% through F-canary\'s ConfigMap URL', () => {
    const e = entry(stage(3), F_HOST);
    expect(shares(e)).toEqual({ 'frontend-main': { '1.1': 70, '1.2': 30 }, 'backend-main': { '1.1': 70, '1.2': 30 } });
    expect(e.flows.find((f) => f.app === 'backend-main' && f.version === '1.2')).toMatchObject({
      hop: 2, share: 0.3, workload: 'DeploymentConfig backend-main/backend-main-canary',
      via: 'frontend-main 1.2 ConfigMap frontend-main/frontend-main-canary-config backendmain.url -> Route backend-main/backend-main-canary',
    });
  });

  test.each([
    [1, { 'frontend-main': { '1.1': 100 }, 'backend-main': { '1.1': 100 } }],
    [2, { 'frontend-main': { '1.1': 100 }, 'backend-main': { '1.1': 100 } }],
    [4, { 'frontend-main': { '1.2': 100 }, 'backend-main': { '1.2': 100 } }],
    [6, { 'frontend-main': { '1.2': 100 }, 'backend-main': { '1.2': 100 } }],
  ] as const)('stage %s: 100%% to one version of each app at the entry', (st, expected) => {
    expect(shares(entry(stage(st), F_HOST))).toEqual(expected);
  });

  test('only F changes: B\'s canary runs the production image, so the canary path stays whole at 1.1', () => {
    expect(shares(entry(stage(3, 'F'), F_HOST))).toEqual({ 'frontend-main': { '1.1': 70, '1.2': 30 }, 'backend-main': { '1.1': 100 } });
  });

  test('the group name selects its entry points', () => {
    const objs = stage(3);
    expect(entriesOf(computeTraffic(objs), 'frontend-backend', objs).map((e) => e.entry).sort()).toEqual([
      'Route backend-main/backend-main', 'Route backend-main/backend-main-canary', 'Route frontend-main/frontend-main',
    ]);
  });
});
