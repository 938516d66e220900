import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Application } from '../imports/argocd-application-argoproj.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/flux-kustomize-kustomize.toolkit.fluxcd.io';
import { chartsToJson } from '../lib/workloads/chart-json';
import { FIELD_NAMES, kubeObject } from '../lib/workloads/kube-object';

/** The JSON text (key order included: the emitter writes keys as built) of one object made in a fresh chart. */
function rendered(make: (chart: Chart) => ApiObject): string {
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), 'c', { disableResourceNameHashes: true });
  make(chart);
  const [objects] = chartsToJson([chart]);
  expect(objects).toHaveLength(1);
  return JSON.stringify(objects[0]);
}

const labels = { 'app.kubernetes.io/part-of': 'shop', app: 'shop', 'canary.cdk8s.io/track': 'stable' };

describe('kubeObject: the object the generated class renders, from props in Kubernetes\' own form', () => {
  test('GIVEN a Deployment with IntOrString, Quantity, probes, env and empty maps WHEN rendered both ways THEN the same JSON, in the same key order', () => {
    const probe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 };
    const ours = rendered((c) => kubeObject(k8s.KubeDeployment, c, 'd', {
      metadata: { name: 'shop', namespace: 'prod', labels, annotations: { 'b.example.com/x': '1', 'a.example.com/y': '2' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'shop' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels },
          spec: {
            containers: [{
              name: 'app', image: 'ghcr.io/example/shop:v1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'B', value: '1' }, { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
              resources: { requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '256Mi' } },
              readinessProbe: probe, livenessProbe: { tcpSocket: { port: 'http' } },
              securityContext: { capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false },
            }],
            volumes: [{ name: 'scratch', emptyDir: {} }],
          },
        },
      },
    }));
    const cdk8s = rendered((c) => new k8s.KubeDeployment(c, 'd', {
      metadata: { name: 'shop', namespace: 'prod', labels, annotations: { 'b.example.com/x': '1', 'a.example.com/y': '2' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'shop' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            containers: [{
              name: 'app', image: 'ghcr.io/example/shop:v1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'B', value: '1' }, { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
              resources: { requests: { memory: k8s.Quantity.fromString('64Mi'), cpu: k8s.Quantity.fromString('50m') }, limits: { memory: k8s.Quantity.fromString('256Mi') } },
              readinessProbe: { ...probe, httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(8080) } }, livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') } },
              securityContext: { capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false },
            }],
            volumes: [{ name: 'scratch', emptyDir: {} }],
          },
        },
      },
    }));
    expect(ours).toBe(cdk8s);
    expect(JSON.parse(ours).spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
  });

  test('GIVEN a headless Service WHEN rendered both ways THEN clusterIP is spelled as Kubernetes does, and the JSON is the same', () => {
    const ours = rendered((c) => kubeObject(k8s.KubeService, c, 's', {
      metadata: { name: 'redis', namespace: 'prod', labels },
      spec: { clusterIP: 'None', selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }] },
    }));
    const cdk8s = rendered((c) => new k8s.KubeService(c, 's', {
      metadata: { name: 'redis', namespace: 'prod', labels },
      spec: { clusterIp: 'None', selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP' }] },
    }));
    expect(ours).toBe(cdk8s);
    expect(JSON.parse(ours).spec.clusterIP).toBe('None');
    // the bindings' spelling is refused at compile time (npm run typecheck)
    // @ts-expect-error clusterIp is the bindings' name of clusterIP
    kubeObject(k8s.KubeService, new Chart(new App({ outdir: 'cdk8s.out' }), 'x'), 's', { spec: { clusterIp: 'None' } });
  });

  test('GIVEN an Argo CD Application and a Flux Kustomization (imports/) WHEN rendered both ways THEN the same JSON (repoURL spelled as the CRD does)', () => {
    const retry = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } };
    const app = (c: Chart, repo: 'repoURL' | 'repoUrl') => ({
      metadata: { name: 'shop', namespace: 'argocd', labels, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'canary', source: { [repo]: 'https://example.com/r.git', targetRevision: 'main', path: 'dist/shop' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'], retry },
      },
      chart: c,
    });
    const ours = rendered((c) => { const { chart, ...p } = app(c, 'repoURL'); return kubeObject(Application, chart, 'a', p as never); });
    const cdk8s = rendered((c) => { const { chart, ...p } = app(c, 'repoUrl'); return new Application(chart, 'a', p as never); });
    expect(ours).toBe(cdk8s);
    expect(JSON.parse(ours).spec.source.repoURL).toBe('https://example.com/r.git');

    const kust = {
      metadata: { name: 'shop-prod', namespace: 'flux-system', labels },
      spec: {
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'canary' }, path: './dist/shop/prod', interval: '1m',
        prune: true, wait: true, dependsOn: [{ name: 'shop-base' }], kubeConfig: { secretRef: { name: 'kc', key: 'value' } },
      },
    };
    expect(rendered((c) => kubeObject(Kustomization, c, 'k', kust))).toBe(rendered((c) => new Kustomization(c, 'k', kust)));
  });
});

describe('KubeJson spells every field the generated toJson_* functions rename', () => {
  test('GIVEN the generated code of cdk8s-plus-27 and of the CRD bindings kubeObject takes WHEN its renames are read THEN each is in FIELD_NAMES, the same way', () => {
    // GIVEN every `'jsonName': ...obj.propName` of the generated toJson_* functions
    const files = [
      require.resolve('cdk8s-plus-27/lib/imports/k8s.js'),
      ...['argocd-application-argoproj.io', 'argocd-appproject-argoproj.io', 'flux-kustomize-kustomize.toolkit.fluxcd.io', 'flux-source-source.toolkit.fluxcd.io']
        .map((m) => path.join(__dirname, '..', 'imports', `${m}.ts`)),
    ];
    const spellings = new Map<string, Set<string>>();
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/'([-A-Za-z$]+)': [^,;\n]*?obj\.([A-Za-z$_]+)\b/g)) {
        if (!spellings.has(m[2])) spellings.set(m[2], new Set());
        spellings.get(m[2])!.add(m[1]);
      }
    }
    expect(spellings.get('clusterIp')).toEqual(new Set(['clusterIP'])); // the reading works
    // WHEN the renamed ones are taken
    const renamed = [...spellings].filter(([prop, json]) => [...json].some((j) => j !== prop));
    const ambiguous = renamed.filter(([, json]) => json.size > 1).map(([prop]) => prop).sort();
    const missing = renamed.filter(([prop, json]) => json.size === 1 && (FIELD_NAMES as Record<string, string>)[prop] !== [...json][0])
      .map(([prop, json]) => `${prop} -> ${[...json][0]}`);
    // THEN every unambiguous rename is in FIELD_NAMES; the ambiguous ones (JSONSchemaProps' $ref and
    // $schema) are not, and nothing else is
    expect(missing).toEqual([]);
    expect(ambiguous).toEqual(['ref', 'schema']);
    expect(Object.keys(FIELD_NAMES).filter((k) => !renamed.some(([prop]) => prop === k))).toEqual([]);
  });
});
