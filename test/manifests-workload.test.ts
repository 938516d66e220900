import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { cli, git } from './support/cli-repo';
import {
  catalogSpec, changedLines, checkDist, distOf, fixtureFiles, ISTIO_ROUTER, NGINX_ROUTER, objectsOf, ok, podinfoSpec, synthesizedRepo, synthesizedRepoInProcess, touched,
} from './support/manifests-repo';
import { REPO } from './support/project';
import { find, snapshotOf, stateOf } from './support/states';
import { restrictedViolations } from './support/pod-security';

const TRACK = 'canary.cdk8s.io/track';
const PODINFO = fixtureFiles('podinfo', 'apps/podinfo');
const CATALOG = fixtureFiles('catalog', 'apps/catalog');

/** The folder's own Deployment, as kubectl kustomize builds it (the input the stable object must equal, but for what the tool applies). */
function kustomized(kind: string, name: string): any {
  const files = fixtureFiles('podinfo', 'x');
  const doc = files[`x/${kind === 'Deployment' ? 'deployment' : kind === 'Service' ? 'service' : 'hpa'}.yaml`];
  const o = parse(doc, { version: '1.1' });
  if (o.metadata.name !== name) throw new Error('test bug');
  return o;
}

/** An object minus what the tool applies to a stable object: its namespace, its labels (tool's), the track label in selectors, the image. */
function withoutToolFields(o: any): any {
  const c = JSON.parse(JSON.stringify(o));
  delete c.metadata.namespace;
  delete c.metadata.labels;
  if (c.spec?.selector?.matchLabels) delete c.spec.selector.matchLabels[TRACK];
  if (c.kind === 'Service') delete c.spec.selector[TRACK];
  if (c.spec?.template) {
    delete c.spec.template.metadata.labels[TRACK];
    delete c.spec.template.metadata.labels.version;
    for (const ct of c.spec.template.spec.containers) delete ct.image;
  }
  return c;
}

describe('podinfo from its real kustomize base on NGINX: the S1 flow (start, step, promote, abort)', () => {
  let repo: ReturnType<typeof synthesizedRepo>;
  beforeAll(async () => {
    // GIVEN the podinfo kustomize base in apps/podinfo and a release on NGINX across two namespaces, synthesized and committed
    repo = await synthesizedRepoInProcess({ ...PODINFO, 'releases/podinfo.yaml': podinfoSpec(NGINX_ROUTER) });
  });
  afterAll(() => repo.cleanup());

  test('first release: the folder as given, plus the tool\'s labels, the track and the stable image; valid, builds, snapshot', () => {
    const dist = distOf(repo.root, 'podinfo');
    const objs = objectsOf(dist);
    expect([...objs.keys()].sort()).toEqual([
      'Deployment podinfo/podinfo', 'HorizontalPodAutoscaler podinfo/podinfo', 'Ingress podinfo/podinfo-ingress',
      'Namespace undefined/podinfo', 'Namespace undefined/podinfo-canary', 'Service podinfo/podinfo',
    ]);
    const dep = objs.get('Deployment podinfo/podinfo');
    // the Deployment is the folder's, field for field, but for what the tool applies
    expect(withoutToolFields(dep)).toEqual(withoutToolFields(kustomized('Deployment', 'podinfo')));
    expect(dep.spec.selector.matchLabels).toEqual({ app: 'podinfo', [TRACK]: 'stable' });
    expect(dep.spec.template.metadata.labels).toEqual({ app: 'podinfo', [TRACK]: 'stable', version: '6.1.1' });
    expect(dep.spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.1.1');
    expect(dep.spec.replicas).toBeUndefined(); // left to the HPA, as the folder has it
    // the Service is narrowed to the stable track; the HPA is the folder's (comments dropped, fields kept)
    expect(objs.get('Service podinfo/podinfo').spec.selector).toEqual({ app: 'podinfo', [TRACK]: 'stable' });
    expect(withoutToolFields(objs.get('HorizontalPodAutoscaler podinfo/podinfo'))).toEqual(withoutToolFields(kustomized('HPA', 'podinfo')));
    expect(objs.get('Namespace undefined/podinfo').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(checkDist(repo.root, 'podinfo')).toEqual({ objects: 6, problems: [], built: 2 });
    expect(snapshotOf(dist)).toMatchSnapshot();
  });

  test('start: the derived canary (copy of the Deployment, canary image, canaryReplicas, track label) and its Service at 0%', async () => {
    await ok(repo.root, ['start', 'podinfo', '--version', '6.2.0']);
    const objs = objectsOf(distOf(repo.root, 'podinfo'));
    const canary = objs.get('Deployment podinfo-canary/podinfo-canary');
    const stable = objs.get('Deployment podinfo/podinfo');
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.selector.matchLabels).toEqual({ app: 'podinfo', [TRACK]: 'canary' });
    expect(canary.spec.template.metadata.labels).toEqual({ app: 'podinfo', [TRACK]: 'canary', version: '6.2.0' });
    expect(canary.spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.2.0');
    // everything else in the pod template is the stable one's
    const podOf = (d: any) => ({ ...d.spec.template.spec, containers: d.spec.template.spec.containers.map((c: any) => ({ ...c, image: undefined })) });
    expect(podOf(canary)).toEqual(podOf(stable));
    expect(canary.spec.template.metadata.annotations).toEqual(stable.spec.template.metadata.annotations);
    const svc = objs.get('Service podinfo-canary/podinfo-canary');
    expect(svc.spec).toEqual({ ports: objs.get('Service podinfo/podinfo').spec.ports, selector: { app: 'podinfo', [TRACK]: 'canary' }, type: 'ClusterIP' });
    const ing = objs.get('Ingress podinfo-canary/podinfo-canary-ingress');
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('0');
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'podinfo-canary', port: { number: 9898 } });
    // no canary HPA: a fixed count was chosen
    expect([...objs.keys()].filter((k) => k.startsWith('HorizontalPodAutoscaler'))).toEqual(['HorizontalPodAutoscaler podinfo/podinfo']);
    expect(checkDist(repo.root, 'podinfo').problems).toEqual([]);
    expect(snapshotOf(distOf(repo.root, 'podinfo'))).toMatchSnapshot();
  });

  test('step: one commit that changes exactly the weight lines', async () => {
    await ok(repo.root, ['step', 'podinfo']);
    expect(touched(repo.root)).toEqual(['dist/podinfo/podinfo-canary/ingress-podinfo-canary-ingress.yaml', 'releases/podinfo.yaml']);
    expect(changedLines(repo.root, 'HEAD', 'dist')).toEqual([
      '-    nginx.ingress.kubernetes.io/canary-weight: "0"',
      '+    nginx.ingress.kubernetes.io/canary-weight: "25"',
    ]);
    expect(changedLines(repo.root, 'HEAD', 'releases')).toEqual(['-  weight: 0', '+  weight: 25']);
    expect(checkDist(repo.root, 'podinfo').problems).toEqual([]);
  });

  test('promote: the stable Deployment changes only its image and version lines; the canary objects go', async () => {
    await ok(repo.root, ['step', 'podinfo']);
    await ok(repo.root, ['promote', 'podinfo']);
    expect(changedLines(repo.root, 'HEAD', 'dist/podinfo/podinfo/deployment-podinfo.yaml')).toEqual([
      '-    version: 6.1.1', '+    version: 6.2.0',
      '-        version: 6.1.1', '+        version: 6.2.0',
      '-          image: ghcr.io/stefanprodan/podinfo:6.1.1', '+          image: ghcr.io/stefanprodan/podinfo:6.2.0',
    ]);
    expect(touched(repo.root).filter((f) => f.startsWith('dist/podinfo/podinfo/'))).toEqual(['dist/podinfo/podinfo/deployment-podinfo.yaml']);
    expect([...distOf(repo.root, 'podinfo').keys()].filter((f) => f.startsWith('podinfo-canary/')).sort()).toEqual(['podinfo-canary/kustomization.yaml', 'podinfo-canary/namespace-podinfo-canary.yaml']);
    expect(checkDist(repo.root, 'podinfo').problems).toEqual([]);
    expect(snapshotOf(distOf(repo.root, 'podinfo'))).toMatchSnapshot();
  });

  test('abort: the stable objects are untouched; the canary, its Service and its Ingress go', async () => {
    await ok(repo.root, ['start', 'podinfo', '--version', '6.3.0']);
    await ok(repo.root, ['step', 'podinfo']);
    await ok(repo.root, ['abort', 'podinfo']);
    expect(touched(repo.root)).toEqual([
      'dist/podinfo/podinfo-canary/deployment-podinfo-canary.yaml', 'dist/podinfo/podinfo-canary/ingress-podinfo-canary-ingress.yaml',
      'dist/podinfo/podinfo-canary/kustomization.yaml', 'dist/podinfo/podinfo-canary/service-podinfo-canary.yaml', 'releases/podinfo.yaml',
    ]);
    expect(objectsOf(distOf(repo.root, 'podinfo')).get('Deployment podinfo/podinfo').spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.2.0');
  });
});

describe('podinfo on Istio: the S4 flow, subsets on the derived version label', () => {
  let repo: ReturnType<typeof synthesizedRepo>;
  beforeAll(async () => {
    repo = await synthesizedRepoInProcess({ ...PODINFO, 'releases/podinfo.yaml': podinfoSpec(ISTIO_ROUTER, { namespaces: '  production: podinfo\n', workload: '  canaryAutoscaling: {maxReplicas: 2}\n  podSecurity:\n    profile: baseline\n' }).replace('steps: [0, 25, 100]', 'steps: [0, 50, 100]') });
  });
  afterAll(() => repo.cleanup());

  test('the shared Service stays the folder\'s; pods carry the version label the subsets select; the canary gets its own HPA', async () => {
    const first = objectsOf(distOf(repo.root, 'podinfo'));
    expect(first.get('Service podinfo/podinfo').spec.selector).toEqual({ app: 'podinfo' });
    expect(first.get('DestinationRule podinfo/podinfo').spec.subsets).toEqual([
      { name: 'stable', labels: { version: '6.1.1' } }, { name: 'canary', labels: { version: '6.1.1' } },
    ]);
    await ok(repo.root, ['start', 'podinfo', '--version', '6.2.0']);
    let objs = objectsOf(distOf(repo.root, 'podinfo'));
    expect(objs.get('Deployment podinfo/podinfo-canary').spec.template.metadata.labels).toEqual({ app: 'podinfo', [TRACK]: 'canary', version: '6.2.0' });
    expect(objs.get('Deployment podinfo/podinfo-canary').spec.replicas).toBeUndefined();
    const hpa = objs.get('HorizontalPodAutoscaler podinfo/podinfo-canary');
    expect([hpa.spec.scaleTargetRef.name, hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics]).toEqual(['podinfo-canary', 2, 2, objs.get('HorizontalPodAutoscaler podinfo/podinfo').spec.metrics]);
    expect(objs.has('Service podinfo/podinfo-canary')).toBe(false); // one Service, split by subset
    expect(objs.get('DestinationRule podinfo/podinfo').spec.subsets.map((s: any) => s.labels.version)).toEqual(['6.1.1', '6.2.0']);
    expect(checkDist(repo.root, 'podinfo').problems).toEqual([]);
    await ok(repo.root, ['step', 'podinfo']);
    // (the edge VirtualService and the mesh one: issue 13, finding 3)
    expect(changedLines(repo.root, 'HEAD', 'dist').sort()).toEqual(['+          weight: 50', '+          weight: 50', '+          weight: 50', '+          weight: 50', '-          weight: 0', '-          weight: 0', '-          weight: 100', '-          weight: 100']);
    objs = objectsOf(distOf(repo.root, 'podinfo'));
    expect(objs.get('VirtualService podinfo/podinfo').spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 50], ['canary', 50]]);
    expect(snapshotOf(distOf(repo.root, 'podinfo'))).toMatchSnapshot();
    await ok(repo.root, ['step', 'podinfo']);
    await ok(repo.root, ['promote', 'podinfo']);
    objs = objectsOf(distOf(repo.root, 'podinfo'));
    expect([...objs.keys()].filter((k) => k.includes('canary'))).toEqual([]);
    expect(objs.get('VirtualService podinfo/podinfo').spec.http[0].route).toEqual([{ destination: { host: 'podinfo.podinfo.svc.cluster.local', port: { number: 9898 }, subset: 'stable' } }]);
    expect(objs.get('Deployment podinfo/podinfo').spec.template.metadata.labels.version).toBe('6.2.0');
    expect(checkDist(repo.root, 'podinfo').problems).toEqual([]);
    await ok(repo.root, ['start', 'podinfo', '--version', '6.3.0']);
    await ok(repo.root, ['abort', 'podinfo']);
    expect(objectsOf(distOf(repo.root, 'podinfo')).get('DestinationRule podinfo/podinfo').spec.subsets.map((s: any) => s.labels.version)).toEqual(['6.2.0', '6.2.0']);
  });
});

describe('catalog (a plain folder): init container, sidecar, volumes, ServiceAccount, ConfigMaps, Secret reference, PDB', () => {
  test('same namespace: companions shared, the PDB narrowed to stable, the version set on the named containers only', async () => {
    const repo = await synthesizedRepoInProcess({ ...CATALOG, 'releases/catalog.yaml': catalogSpec('  type: gatewayApi\n  parentRefs:\n    - name: public\n      namespace: gateway-system\n', { extra: 'canary:\n  version: 2.1.0\n  weight: 10\n' }) });
    try {
      const objs = objectsOf(distOf(repo.root, 'catalog'));
      const canary = objs.get('Deployment catalog/catalog-canary');
      const images = (d: any) => [...d.spec.template.spec.initContainers, ...d.spec.template.spec.containers].map((c: any) => `${c.name}=${c.image}`);
      expect(images(objs.get('Deployment catalog/catalog'))).toEqual(['migrate=ghcr.io/example/catalog:2.0.0', 'catalog=ghcr.io/example/catalog:2.0.0', 'log-shipper=cr.fluentbit.io/fluent/fluent-bit:3.1.9']);
      expect(images(canary)).toEqual(['migrate=ghcr.io/example/catalog:2.1.0', 'catalog=ghcr.io/example/catalog:2.1.0', 'log-shipper=cr.fluentbit.io/fluent/fluent-bit:3.1.9']);
      expect(canary.spec.replicas).toBe(4); // the Deployment's own count (no HPA, no canaryReplicas)
      expect(canary.spec.template.spec.volumes).toEqual(objs.get('Deployment catalog/catalog').spec.template.spec.volumes);
      expect(canary.spec.template.spec.serviceAccountName).toBe('catalog');
      // shared, never copied: one ServiceAccount, one of each ConfigMap; no Secret anywhere
      expect([...objs.keys()].filter((k) => /^(ServiceAccount|ConfigMap|Secret) /.test(k)).sort()).toEqual([
        'ConfigMap catalog/catalog-config', 'ConfigMap catalog/catalog-log-shipper', 'ServiceAccount catalog/catalog',
      ]);
      expect(objs.get('PodDisruptionBudget catalog/catalog').spec).toEqual({ minAvailable: 3, selector: { matchLabels: { 'app.kubernetes.io/name': 'catalog', [TRACK]: 'stable' } } });
      // the other Service selecting the pods (headless metrics) is emitted as given
      expect(objs.get('Service catalog/catalog-metrics').spec.selector).toEqual({ 'app.kubernetes.io/name': 'catalog' });
      expect(objs.get('Service catalog/catalog-canary').spec.selector).toEqual({ 'app.kubernetes.io/name': 'catalog', [TRACK]: 'canary' });
      expect(objs.get('HTTPRoute catalog/catalog').spec.rules[0].backendRefs.map((b: any) => [b.name, b.port, b.weight])).toEqual([['catalog', 80, 90], ['catalog-canary', 80, 10]]);
      for (const d of [objs.get('Deployment catalog/catalog'), canary]) expect(restrictedViolations(d.spec.template.spec)).toEqual([]);
      expect(checkDist(repo.root, 'catalog').problems).toEqual([]);
      expect(snapshotOf(distOf(repo.root, 'catalog'))).toMatchSnapshot();
    } finally {
      repo.cleanup();
    }
  });

  test('a canary in its own namespace gets copies of the ConfigMaps and ServiceAccount its pods use, never of a Secret; the PDB stays as given', async () => {
    const repo = await synthesizedRepoInProcess({ ...CATALOG, 'releases/catalog.yaml': catalogSpec('  type: nginx\n  host: catalog.example.com\n', { namespaces: '  production: catalog\n  canary: catalog-canary\n', extra: 'canary:\n  version: 2.1.0\n  weight: 10\n' }) });
    try {
      const objs = objectsOf(distOf(repo.root, 'catalog'));
      expect([...objs.keys()].filter((k) => k.includes(' catalog-canary/')).sort()).toEqual([
        'ConfigMap catalog-canary/catalog-config', 'ConfigMap catalog-canary/catalog-log-shipper', 'Deployment catalog-canary/catalog-canary',
        'Ingress catalog-canary/catalog-canary-ingress', 'Service catalog-canary/catalog-canary', 'ServiceAccount catalog-canary/catalog',
      ]);
      expect(objs.get('ConfigMap catalog-canary/catalog-config').data).toEqual(objs.get('ConfigMap catalog/catalog-config').data);
      expect(objs.get('PodDisruptionBudget catalog/catalog').spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'catalog' } });
      expect(checkDist(repo.root, 'catalog').problems).toEqual([]);
      // abort removes the copies with the canary
      await ok(repo.root, ['abort', 'catalog']);
      expect([...distOf(repo.root, 'catalog').keys()].filter((f) => f.startsWith('catalog-canary/')).sort()).toEqual(['catalog-canary/kustomization.yaml', 'catalog-canary/namespace-catalog-canary.yaml']);
    } finally {
      repo.cleanup();
    }
  });
});

describe('every router works on a manifests workload', () => {
  test.each([
    ['gatewayApi', '  type: gatewayApi\n  parentRefs:\n    - name: public\n      namespace: gateway-system\n', 'HTTPRoute'],
    ['openshiftRoute', '  type: openshiftRoute\n  domain: apps.example.com\n', 'Route'],
    ['nginx', NGINX_ROUTER, 'Ingress'],
    ['istio', ISTIO_ROUTER, 'VirtualService'],
  ])('%s: podinfo with a canary at 25% synthesizes, validates strictly and builds', async (_name, router, routeKind) => {
    const sameNs = _name !== 'nginx' && _name !== 'gatewayApi';
    const repo = await synthesizedRepoInProcess({ ...PODINFO, 'releases/podinfo.yaml': podinfoSpec(router, { ...(sameNs ? { namespaces: '  production: podinfo\n' } : {}), extra: 'canary:\n  version: 6.2.0\n  weight: 25\n' }) });
    try {
      const objs = objectsOf(distOf(repo.root, 'podinfo'));
      expect([...objs.keys()].some((k) => k.startsWith(`${routeKind} `))).toBe(true);
      expect([...objs.values()].filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.spec.containers[0].image).sort()).toEqual(['ghcr.io/stefanprodan/podinfo:6.1.1', 'ghcr.io/stefanprodan/podinfo:6.2.0']);
      const c = checkDist(repo.root, 'podinfo');
      expect(c.problems).toEqual([]);
      expect(c.objects).toBeGreaterThanOrEqual(7);
    } finally {
      repo.cleanup();
    }
  });
});

describe('the folder is emitted as given', () => {
  test('unknown fields, custom resources and comments in the user\'s objects do not break synthesis and are kept', async () => {
    const dep = PODINFO['apps/podinfo/deployment.yaml']
      .replace('metadata:\n  name: podinfo\n', 'metadata:\n  name: podinfo # the app\n  annotations:\n    team.example.com/owner: web\n')
      .replace('  minReadySeconds: 3\n', '  minReadySeconds: 3\n  futureField: {enabled: true}   # not in Kubernetes 1.27\n');
    const monitor = 'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    matchLabels:\n      app: podinfo\n  endpoints:\n    - port: http-metrics\n      interval: 15s\n';
    const kustomization = PODINFO['apps/podinfo/kustomization.yaml'].replace('  - service.yaml\n', '  - service.yaml\n  - monitor.yaml\n');
    const repo = await synthesizedRepoInProcess({ ...PODINFO, 'apps/podinfo/deployment.yaml': dep, 'apps/podinfo/monitor.yaml': monitor, 'apps/podinfo/kustomization.yaml': kustomization, 'releases/podinfo.yaml': podinfoSpec(NGINX_ROUTER, { extra: 'canary:\n  version: 6.2.0\n  weight: 0\n' }) });
    try {
      const objs = objectsOf(distOf(repo.root, 'podinfo'));
      expect(objs.get('Deployment podinfo/podinfo').spec.futureField).toEqual({ enabled: true });
      expect(objs.get('Deployment podinfo-canary/podinfo-canary').spec.futureField).toEqual({ enabled: true });
      expect(objs.get('Deployment podinfo/podinfo').metadata.annotations).toEqual({ 'team.example.com/owner': 'web' });
      expect(objs.get('ServiceMonitor podinfo/podinfo').spec).toEqual(parse(monitor).spec);
    } finally {
      repo.cleanup();
    }
  });

  test('pod-security deviations of the user\'s pods are warnings naming each one (the release declares baseline)', async () => {
    const repo = await synthesizedRepoInProcess({ ...PODINFO, 'releases/podinfo.yaml': podinfoSpec(NGINX_ROUTER) });
    try {
      const r = await ok(repo.root, ['synth']);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('deviates from the restricted Pod Security Standard'));
      expect(warnings.map((l) => /: (container podinfod [^(;]*)/.exec(l)?.[1]?.trim()).sort()).toEqual([
        'container podinfod does not drop ALL capabilities',
        'container podinfod does not set allowPrivilegeEscalation: false',
        'container podinfod has no RuntimeDefault or Localhost seccomp profile',
        'container podinfod may run as root',
      ]);
      expect(warnings[0]).toMatch(/^warning: dist\/podinfo\/podinfo\/deployment-podinfo\.yaml:\d+:\d+: spec\.template\.spec\.containers\[0\]\.securityContext/);
    } finally {
      repo.cleanup();
    }
  });
});

describe('kubectl kustomize runs once per release per process', () => {
  test('a synth and a move each build the kustomize root once (a counting kubectl on PATH)', () => {
    const repo = synthesizedRepo({ ...PODINFO, 'releases/podinfo.yaml': podinfoSpec(NGINX_ROUTER) });
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-kubectl-'));
    try {
      const log = path.join(bin, 'calls.log');
      const real = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
      fs.writeFileSync(path.join(bin, 'kubectl'), `#!/bin/sh\necho "$@" >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
      const env = { PATH: `${bin}:${process.env.PATH}` };
      const count = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
      expect(cli(repo.root, ['synth'], env).status).toBe(0);
      expect(count()).toBe(1);
      // a move renders the release before (the dist guard) and after the edit: still one build
      expect(cli(repo.root, ['start', 'podinfo', '--version', '6.2.0'], env).status).toBe(0);
      expect(count()).toBe(2);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
      repo.cleanup();
    }
  });
});

describe('a move validates its own manifests folder each time (no cache)', () => {
  test('fails on a move of a release whose manifests folder broke although its spec did not change; another release still moves', async () => {
    // GIVEN podinfo (manifests) and catalog, synthesized and committed, and a first move
    const repo = await synthesizedRepoInProcess({ ...PODINFO, ...CATALOG, 'releases/podinfo.yaml': podinfoSpec(NGINX_ROUTER), 'releases/catalog.yaml': catalogSpec(NGINX_ROUTER.replace('podinfo', 'catalog'), { namespaces: '  production: catalog\n  canary: catalog-canary\n' }) });
    try {
      await ok(repo.root, ['start', 'catalog', '--version', '2.1.0']);
      // WHEN podinfo's kustomization breaks (committed)
      repo.write('apps/podinfo/kustomization.yaml', `${PODINFO['apps/podinfo/kustomization.yaml']}  - missing.yaml\n`);
      git(repo.root, 'commit', '-qam', 'break podinfo');
      // THEN a move of podinfo is refused with its folder's problem, and validate reports it
      for (const args of [['start', 'podinfo', '--version', '6.7.1'], ['validate']]) {
        const r = cli(repo.root, args);
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/^releases\/podinfo\.yaml:\d+:\d+: workload\.path: kubectl kustomize apps\/podinfo failed/m) });
      }
      // AND catalog, whose own spec and folder are fine, still moves (a move reads its own spec only)
      await ok(repo.root, ['step', 'catalog']);
    } finally {
      repo.cleanup();
    }
  });
});

describe('the reference release releases/catalog.yaml (committed, canary at 10% in its own namespace)', () => {
  test('its dist/ is the folder as given plus the derived canary, its Service and copies of its ConfigMaps and ServiceAccount; snapshot', () => {
    // GIVEN the committed spec WHEN rendered in-process
    const s = stateOf('catalog');
    // THEN the canary is derived from the folder's Deployment, in its own namespace with what its pods use
    const canary = find(s, 'Deployment', 'catalog-canary', 'catalog-canary') as any;
    expect([canary.spec.replicas, ...canary.spec.template.spec.initContainers.map((c: any) => c.image), ...canary.spec.template.spec.containers.map((c: any) => c.image)])
      .toEqual([1, 'ghcr.io/example/catalog:2.1.0', 'ghcr.io/example/catalog:2.1.0', 'cr.fluentbit.io/fluent/fluent-bit:3.1.9']);
    expect(s.objects.filter((o) => o.metadata.namespace === 'catalog-canary').map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/catalog-config', 'ConfigMap/catalog-log-shipper', 'Deployment/catalog-canary', 'ReferenceGrant/catalog-to-catalog-canary', 'Service/catalog-canary', 'ServiceAccount/catalog',
    ]);
    expect(s.objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(s.release.model.workload.manifests?.source).toBe('plain');
    // AND the committed dist/catalog is exactly that
    expect(new Map([...s.files].map(([p, c]) => [p.slice('catalog/'.length), c]))).toEqual(distOf(REPO, 'catalog'));
    expect(snapshotOf(s.files)).toMatchSnapshot();
  });
});
