import { parseRelease } from '../lib/spec/loader';
import { ReleaseFolder } from '../lib/synth/build';
import { FOLDER_TRANSFORMS, PROJECT_CHECKS, releaseFolders, renderProject } from '../lib/synth/project';
import { SYNC_WAVE_ANNOTATION, syncWaveOf, withSyncWave, withSyncWaves } from '../lib/gitops/sync-waves';
import { workloadTypes } from '../lib/workloads/registry';
import { releaseYaml } from './support/gitops-fixtures';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, annotations?: Record<string, string>) =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations ? { annotations } : {}) } });
const waveOf = (o: { metadata: { annotations?: Record<string, string> } }) => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0);

/** The production and canary folders of a guestbook with Redis, as the workloads and routers build them. */
const GUESTBOOK_PROD = [
  obj('v1', 'Namespace', 'ns-prod'),
  obj('apps/v1', 'StatefulSet', 'redis', 'ns-prod'),
  obj('v1', 'Service', 'redis', 'ns-prod'),
  obj('networking.k8s.io/v1', 'NetworkPolicy', 'redis', 'ns-prod'),
  obj('apps/v1', 'Deployment', 'guestbook', 'ns-prod'),
  obj('v1', 'Service', 'guestbook', 'ns-prod'),
  obj('networking.k8s.io/v1', 'Ingress', 'guestbook-ingress', 'ns-prod'),
];
const GUESTBOOK_CANARY = [
  obj('v1', 'Namespace', 'ns-canary'),
  obj('apps/v1', 'Deployment', 'guestbook-canary', 'ns-canary'),
  obj('v1', 'Service', 'guestbook-canary', 'ns-canary'),
  obj('networking.k8s.io/v1', 'Ingress', 'guestbook-canary', 'ns-canary'),
];
const ISTIO = [
  obj('networking.istio.io/v1', 'VirtualService', 'sampleapp', 'sampleapp'),
  obj('networking.istio.io/v1', 'DestinationRule', 'sampleapp', 'sampleapp'),
  obj('networking.istio.io/v1', 'Gateway', 'sampleapp-gateway', 'sampleapp'),
  obj('apps/v1', 'Deployment', 'sampleapp', 'sampleapp'),
  obj('apps/v1', 'Deployment', 'sampleapp-canary', 'sampleapp'),
  obj('v1', 'Service', 'sampleapp', 'sampleapp'),
];

describe('sync waves inside a folder', () => {
  test('namespaces and Redis come before the guestbook that uses them, routes last', () => {
    // GIVEN the guestbook's production folder WHEN the waves are added
    const folder = withSyncWaves({ objects: GUESTBOOK_PROD });
    const w = Object.fromEntries(folder.objects.map((o) => [`${o.kind}/${o.metadata.name}`, waveOf(o)]));
    // THEN the namespace is first, then every Redis object, then the frontend, then the Ingress
    expect(w['Namespace/ns-prod']).toBeLessThan(w['StatefulSet/redis']);
    for (const redis of ['StatefulSet/redis', 'Service/redis', 'NetworkPolicy/redis']) {
      expect(w[redis]).toBeLessThan(w['Deployment/guestbook']);
      expect(w[redis]).toBeLessThan(w['Service/guestbook']);
    }
    expect(w['Service/guestbook']).toBeLessThan(w['Ingress/guestbook-ingress']);
  });

  test('the canary Service comes before the route that references it', () => {
    const w = Object.fromEntries(withSyncWaves({ objects: GUESTBOOK_CANARY }).objects.map((o) => [`${o.kind}/${o.metadata.name}`, waveOf(o)]));
    expect(w['Service/guestbook-canary']).toBeLessThan(w['Ingress/guestbook-canary']);
    expect(w['Namespace/ns-canary']).toBeLessThan(w['Deployment/guestbook-canary']);
  });

  test('Istio: DestinationRule and Gateway before the VirtualService, the shared Service before both', () => {
    const w = Object.fromEntries(withSyncWaves({ objects: ISTIO }).objects.map((o) => [`${o.kind}/${o.metadata.name}`, waveOf(o)]));
    expect(w['DestinationRule/sampleapp']).toBeLessThan(w['VirtualService/sampleapp']);
    expect(w['Gateway/sampleapp-gateway']).toBeLessThan(w['VirtualService/sampleapp']);
    expect(w['Service/sampleapp']).toBeLessThan(w['DestinationRule/sampleapp']);
  });

  test('objects with their own waves keep them, and namespaces still come first', () => {
    // GIVEN Istio objects annotated by their router (routes before pods) and a Namespace
    const own = (kind: string, name: string, wave: string) => obj('networking.istio.io/v1', kind, name, 'mushop', { [SYNC_WAVE_ANNOTATION]: wave });
    const folder = withSyncWaves({ objects: [obj('v1', 'Namespace', 'mushop'), own('DestinationRule', 'storefront', '-2'), own('VirtualService', 'edge', '-1')] });
    const w = Object.fromEntries(folder.objects.map((o) => [o.kind, waveOf(o)]));
    // THEN their waves are untouched and the Namespace is below all of them
    expect(w).toEqual({ Namespace: -3, DestinationRule: -2, VirtualService: -1 });
  });

  test('routes of every router come after the Services and ReferenceGrants they reference', () => {
    for (const route of ['HTTPRoute', 'Ingress', 'Route', 'VirtualService']) {
      expect(syncWaveOf({ kind: 'Service', metadata: { name: 'x' } })).toBeLessThan(syncWaveOf({ kind: route, metadata: { name: 'x' } }));
      expect(syncWaveOf({ kind: 'ReferenceGrant', metadata: { name: 'x' } })).toBeLessThan(syncWaveOf({ kind: route, metadata: { name: 'x' } }));
    }
  });

  test('a wave depends on kind and name only', () => {
    // GIVEN two objects of the same kind and name that differ in everything else
    const a = { ...obj('apps/v1', 'Deployment', 'redis', 'x'), spec: { replicas: 1, template: { image: 'redis:7' } } };
    const b = { ...obj('apps/v1', 'Deployment', 'redis', 'y'), spec: { replicas: 9, weight: 50 } };
    expect(syncWaveOf(a)).toBe(syncWaveOf(b));
    expect(syncWaveOf(obj('apps/v1', 'Deployment', 'guestbook'))).not.toBe(syncWaveOf(a));
  });

  test('an existing wave and Argo CD hooks are left alone, and the input is not changed', () => {
    const own = obj('apps/v1', 'Deployment', 'x', 'x', { [SYNC_WAVE_ANNOTATION]: '5' });
    const hook = obj('batch/v1', 'Job', 'smoke', 'x', { 'argocd.argoproj.io/hook': 'PostSync' });
    const ns = obj('v1', 'Namespace', 'y');
    expect(withSyncWave(own)).toBe(own);
    expect(withSyncWave(hook)).toBe(hook);
    const out = withSyncWave(ns);
    // a Namespace is never pruned by either engine (deleting it deletes everything in it)
    expect(out.metadata).toEqual({ annotations: { [SYNC_WAVE_ANNOTATION]: '-3', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }, name: 'y' });
    expect(ns.metadata).toEqual({ name: 'y' });
  });

  test('canary-track objects come after the stable ones and are pruned last; routes are not PruneLast', () => {
    const canary = { ...obj('apps/v1', 'Deployment', 'web-canary', 'x'), spec: { template: { metadata: { labels: { 'canary.cdk8s.io/track': 'canary' } } } } };
    const svc = { ...obj('v1', 'Service', 'web-canary', 'x'), spec: { selector: { 'canary.cdk8s.io/track': 'canary' } } };
    const ing = { ...obj('networking.k8s.io/v1', 'Ingress', 'web-canary', 'x', {}), metadata: { name: 'web-canary', namespace: 'x', labels: { 'canary.cdk8s.io/track': 'canary' } } };
    expect(withSyncWave(canary).metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '1', 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
    expect(withSyncWave(svc).metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '1', 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
    expect(withSyncWave(ing as ReturnType<typeof obj>).metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '3' });
    expect(withSyncWave(obj('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', 'x')).metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '2', 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
  });

  test('objects in the default wave get no annotation', () => {
    const d = obj('apps/v1', 'Deployment', 'web', 'x');
    expect(withSyncWave(d)).toBe(d);
  });

  test('the transform is registered in FOLDER_TRANSFORMS and runs on every synthesized folder', () => {
    // GIVEN a release synthesized through the project pipeline
    const r = parseRelease('releases/shop.yaml', releaseYaml('shop', { production: 'shop', canaryWeight: 10 }), { checks: PROJECT_CHECKS });
    if (!('release' in r)) throw new Error(JSON.stringify(r.problems));
    const [folder] = releaseFolders(r.release);
    // THEN its Namespace and HTTPRoute carry waves, and FOLDER_TRANSFORMS holds the transform
    const w = Object.fromEntries(folder.objects.map((o) => [o.kind, waveOf(o)]));
    expect(w).toMatchObject({ Namespace: -3, Deployment: 0, Service: 0, HTTPRoute: 3 });
    expect(FOLDER_TRANSFORMS.length).toBeGreaterThan(0);
  });

  (workloadTypes().includes('guestbook') ? test : test.skip)('the real guestbook: Redis before the frontends that use it', () => {
    // GIVEN the guestbook workload (with Redis in ns-prod) once it is registered
    const spec = releaseYaml('guestbook', { production: 'ns-prod', canary: 'ns-canary', canaryWeight: 25 }).replace('type: webapp', 'type: guestbook');
    const r = parseRelease('releases/guestbook.yaml', spec, { checks: PROJECT_CHECKS });
    if (!('release' in r)) throw new Error(JSON.stringify(r.problems));
    const prod = releaseFolders(r.release).find((f: ReleaseFolder) => f.namespace === 'ns-prod')!;
    const redis = prod.objects.filter((o) => o.metadata.name === 'redis');
    const frontends = prod.objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'redis');
    // THEN Redis exists there and every Redis object is in an earlier wave than every frontend
    expect(redis.map((o) => o.kind)).toEqual(expect.arrayContaining(['StatefulSet', 'Service']));
    for (const a of redis) for (const b of frontends) expect(waveOf(a)).toBeLessThan(waveOf(b));
  });
});

describe('a weight step changes only weight lines', () => {
  test('dist/ at two weights differs in weight lines only, and the GitOps roots not at all', () => {
    // GIVEN one release rendered at canary weights 10 and 50 (same ladder, same everything else)
    const render = (weight: number) => {
      const r = parseRelease('releases/shop.yaml', releaseYaml('shop', { production: 'shop-prod', canary: 'shop-canary', canaryWeight: weight }), { checks: PROJECT_CHECKS });
      if (!('release' in r)) throw new Error(JSON.stringify(r.problems));
      return renderProject([r.release]);
    };
    const a = render(10);
    const b = render(50);
    // THEN the same files exist, and every changed line is a weight line
    expect([...b.keys()]).toEqual([...a.keys()]);
    const changed: string[] = [];
    for (const [file, text] of a) {
      const x = text.split('\n');
      const y = b.get(file)!.split('\n');
      expect(y.length).toBe(x.length);
      x.forEach((line, i) => { if (line !== y[i]) changed.push(`${file}: ${line.trim()} -> ${y[i].trim()}`); });
    }
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((c) => !/: weight: \d+ -> weight: \d+$/.test(c))).toEqual([]);
    expect(changed.some((c) => c.startsWith('argocd/') || c.startsWith('flux/'))).toBe(false);
  });
});
