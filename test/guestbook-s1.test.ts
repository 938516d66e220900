/**
 * Scenario S1 (../shared/SCENARIOS.md): the guestbook with a shared Redis in ns-prod, NGINX ingress
 * canary across ns-prod/ns-canary. Every state is built in memory from the committed
 * releases/guestbook.yaml with its canary section changed, then validated and rendered for real.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document } from 'yaml';
import { KubeObject } from '../lib/synth/build';
import { podSpecOf, restrictedViolations } from './support/pod-security';
import { validateObject } from './support/kube-schemas';
import { changedLines, find, folderFiles, inventory, ROOT, snapshotOf, specText, State, stateOf } from './support/states';

const A = 'nginx.ingress.kubernetes.io';
const withCanary = (weight: number) => (doc: Document) => { doc.set('canary', doc.createNode({ version: 'v1', weight })); };
const promote = (doc: Document) => { doc.setIn(['stable', 'version'], 'v1'); doc.delete('canary'); };

let first: State;
let zero: State;
let quarter: State;
let promoted: State;

beforeAll(() => {
  first = stateOf('guestbook');
  zero = stateOf('guestbook', withCanary(0));
  quarter = stateOf('guestbook', withCanary(25));
  promoted = stateOf('guestbook', promote);
});

const container = (o: KubeObject): any => (o as any).spec.template.spec.containers[0];
const envOf = (o: KubeObject): Record<string, string> => Object.fromEntries((container(o).env ?? []).map((e: any) => [e.name, e.value]));
const states = (): [string, State][] => [['first release', first], ['canary at 0%', zero], ['canary at 25%', quarter], ['promoted', promoted]];

describe('S1 reference release', () => {
  test('is committed in its first-release state with the S1 names', () => {
    // GIVEN the committed spec
    const spec = first.release.model;
    // THEN it names S1's namespaces, runs v0 without a canary and ramps [0, 25, 100]
    expect(spec.namespaces).toEqual({ production: 'ns-prod', canary: 'ns-canary' });
    expect(spec.stable.version).toBe('v0');
    expect(spec.canary).toBeUndefined();
    expect(specText('guestbook')).not.toMatch(/^canary:/m);
    expect(spec.steps.map((s) => s.weight)).toEqual([0, 25, 100]);
    expect(spec.router.type).toBe('nginx');
  });

  test('the committed dist/guestbook is exactly what the spec renders', () => {
    // GIVEN the first-release rendering WHEN compared with the committed files THEN they are equal
    for (const [p, content] of first.files) expect(fs.readFileSync(path.join(ROOT, 'dist', p), 'utf8')).toBe(content);
    const committed = [...['ns-prod', 'ns-canary'].flatMap((ns) => fs.readdirSync(path.join(ROOT, 'dist/guestbook', ns)).map((f) => `guestbook/${ns}/${f}`)), 'guestbook/kustomization.yaml'];
    expect(committed.sort()).toEqual([...first.files.keys()].sort());
  });

  test.each([['first release'], ['canary at 0%'], ['canary at 25%'], ['promoted']])('every object of the %s state passes strict upstream schema validation', (name) => {
    const state = states().find(([n]) => n === name)![1];
    // WHEN every object is validated THEN none has a problem
    expect(state.objects.length).toBeGreaterThan(0);
    expect(state.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test.each([['first release'], ['canary at 0%'], ['canary at 25%'], ['promoted']])('every pod of the %s state meets the restricted pod security standard', (name) => {
    const state = states().find(([n]) => n === name)![1];
    const pods = state.objects.map(podSpecOf).filter(Boolean);
    expect(pods.length).toBeGreaterThanOrEqual(2);
    expect(pods.flatMap(restrictedViolations)).toEqual([]);
    // AND both namespaces enforce it
    for (const ns of ['ns-prod', 'ns-canary']) expect(find(state, 'Namespace', ns).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('S1 state: first release (no canary)', () => {
  test('ns-canary holds its Namespace and nothing else', () => {
    expect(inventory(first, 'guestbook/ns-canary')).toEqual(['kustomization.yaml', 'namespace-ns-canary.yaml']);
  });

  test('ns-prod holds the frontend, its Service, the Ingress guestbook-ingress and the Redis', () => {
    expect(inventory(first, 'guestbook/ns-prod')).toEqual([
      'deployment-guestbook.yaml', 'ingress-guestbook-ingress.yaml', 'kustomization.yaml', 'namespace-ns-prod.yaml',
      'networkpolicy-redis-from-guestbook.yaml', 'service-guestbook.yaml', 'service-redis.yaml', 'statefulset-redis.yaml',
    ]);
    expect(container(find(first, 'Deployment', 'guestbook', 'ns-prod')).image).toBe('ghcr.io/example/guestbook:v0');
  });

  test('the production Ingress carries no canary annotation at all (never canary: "false")', () => {
    const ing = find(first, 'Ingress', 'guestbook-ingress', 'ns-prod');
    // only its sync wave (routes after the Services they reference, lib/gitops/sync-waves.ts)
    expect(ing.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '3' });
    expect([...first.files.values()].join('\n')).not.toMatch(/canary: "false"/);
    expect((ing as any).spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'guestbook.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'guestbook', port: { number: 80 } } } }] } }],
    });
  });

  test('snapshot', () => {
    expect(snapshotOf(first.files)).toMatchSnapshot();
  });
});

describe('S1 state: canary deployed at 0%', () => {
  test('ns-canary runs v1 behind its own Service and a canary Ingress', () => {
    expect(inventory(zero, 'guestbook/ns-canary')).toEqual([
      'deployment-guestbook-canary.yaml', 'ingress-guestbook-canary-ingress.yaml', 'kustomization.yaml', 'namespace-ns-canary.yaml', 'service-guestbook-canary.yaml',
    ]);
    expect(container(find(zero, 'Deployment', 'guestbook-canary', 'ns-canary')).image).toBe('ghcr.io/example/guestbook:v1');
    expect((find(zero, 'Service', 'guestbook-canary', 'ns-canary') as any).spec.selector).toEqual({ app: 'guestbook', 'canary.cdk8s.io/track': 'canary' });
  });

  test('the canary Ingress gets no user traffic and is reachable by header', () => {
    const ing = find(zero, 'Ingress', 'guestbook-canary-ingress', 'ns-canary');
    // THEN the weight is the string "0", the canary flag the string "true", testers use X-Canary: always
    expect(ing.metadata.annotations).toEqual({ [`${A}/canary`]: 'true', [`${A}/canary-by-header`]: 'X-Canary', [`${A}/canary-weight`]: '0', 'argocd.argoproj.io/sync-wave': '3' });
    expect(zero.files.get('guestbook/ns-canary/ingress-guestbook-canary-ingress.yaml')).toContain(`${A}/canary-weight: "0"`);
  });

  test('the canary Ingress serves the same host and path as guestbook-ingress, with the canary Service', () => {
    const prod = (find(zero, 'Ingress', 'guestbook-ingress', 'ns-prod') as any).spec;
    const canary = (find(zero, 'Ingress', 'guestbook-canary-ingress', 'ns-canary') as any).spec;
    expect(canary.ingressClassName).toBe(prod.ingressClassName);
    expect(canary.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => [p.path, p.pathType])]))
      .toEqual(prod.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => [p.path, p.pathType])]));
    expect(canary.rules[0].http.paths[0].backend.service).toEqual({ name: 'guestbook-canary', port: { number: 80 } });
    // AND there is exactly one canary Ingress for that host/path
    expect(zero.objects.filter((o) => o.kind === 'Ingress' && o.metadata.annotations?.[`${A}/canary`] === 'true')).toHaveLength(1);
  });

  test('starting the canary does not touch ns-prod', () => {
    expect(changedLines(folderFiles(first, 'guestbook/ns-prod'), folderFiles(zero, 'guestbook/ns-prod'))).toEqual([]);
  });

  test('snapshot', () => {
    expect(snapshotOf(zero.files)).toMatchSnapshot();
  });
});

describe('S1 state: canary at 25% (the ramp limit)', () => {
  test('the canary Ingress asks for 25% of the traffic', () => {
    expect(find(quarter, 'Ingress', 'guestbook-canary-ingress', 'ns-canary').metadata.annotations?.[`${A}/canary-weight`]).toBe('25');
  });

  test('between 0% and 25% only the weight line changes', () => {
    expect(changedLines(zero.files, quarter.files)).toEqual([
      `guestbook/ns-canary/ingress-guestbook-canary-ingress.yaml: -${A}/canary-weight: "0" +${A}/canary-weight: "25"`,
    ]);
  });

  test('snapshot', () => {
    expect(snapshotOf(quarter.files)).toMatchSnapshot();
  });
});

describe('S1 state: promoted', () => {
  test('production runs v1 and the canary objects are gone', () => {
    const dep = find(promoted, 'Deployment', 'guestbook', 'ns-prod') as any;
    expect(container(dep).image).toBe('ghcr.io/example/guestbook:v1');
    expect(dep.spec.template.metadata.labels.version).toBe('v1');
    expect(inventory(promoted, 'guestbook/ns-canary')).toEqual(['kustomization.yaml', 'namespace-ns-canary.yaml']);
    expect(promoted.objects.filter((o) => o.metadata.annotations?.[`${A}/canary`])).toEqual([]);
  });

  test('promotion changes only the production Deployment in ns-prod; Redis and the Ingress stay as they were', () => {
    const changed = changedLines(folderFiles(first, 'guestbook/ns-prod'), folderFiles(promoted, 'guestbook/ns-prod'));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((l) => l.startsWith('guestbook/ns-prod/deployment-guestbook.yaml: '))).toBe(true);
  });

  test('snapshot', () => {
    expect(snapshotOf(promoted.files)).toMatchSnapshot();
  });
});

describe('S1 shared Redis', () => {
  test('a StatefulSet redis in ns-prod whose first pod is redis-0, with a persistent volume claim template', () => {
    const sts = find(zero, 'StatefulSet', 'redis', 'ns-prod') as any;
    // pods of a StatefulSet are named <name>-<ordinal>: one replica gives redis-0
    expect(`${sts.metadata.name}-0`).toBe('redis-0');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('redis');
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    const pvc = sts.spec.volumeClaimTemplates[0];
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(container(sts).volumeMounts).toEqual([{ name: pvc.metadata.name, mountPath: '/data' }]);
    // AND Redis exists once in the release, in ns-prod only
    expect(zero.objects.filter((o) => o.kind === 'StatefulSet')).toHaveLength(1);
  });

  test('readiness and liveness probes, resources, and a non-root user owning the data volume', () => {
    const sts = find(zero, 'StatefulSet', 'redis', 'ns-prod') as any;
    const c = container(sts);
    expect(c.readinessProbe.exec.command.join(' ')).toMatch(/redis-cli -p 6379 ping/);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'redis' });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true });
  });

  test('the Service redis makes redis.ns-prod.svc.cluster.local resolve to the Redis pod, and both frontends use that name', () => {
    const svc = find(zero, 'Service', 'redis', 'ns-prod') as any;
    const sts = find(zero, 'StatefulSet', 'redis', 'ns-prod') as any;
    const dns = `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
    expect(dns).toBe('redis.ns-prod.svc.cluster.local');
    expect(svc.spec.clusterIP).toBe('None');
    expect(Object.entries(svc.spec.selector).every(([k, v]) => sts.spec.template.metadata.labels[k] === v)).toBe(true);
    expect(svc.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    expect(container(sts).ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
    for (const [name, ns] of [['guestbook', 'ns-prod'], ['guestbook-canary', 'ns-canary']]) {
      expect(envOf(find(zero, 'Deployment', name, ns))).toEqual({ REDIS_HOST: dns, REDIS_PORT: '6379' });
    }
  });

  test('the Redis host defaults to redis.<production namespace>.svc.cluster.local and is a parameter', () => {
    // GIVEN the spec without redis.host, then with another host
    const byDefault = stateOf('guestbook', (d) => { d.deleteIn(['workload', 'redis', 'host']); withCanary(0)(d); });
    const custom = stateOf('guestbook', (d) => { d.setIn(['workload', 'redis', 'host'], 'redis-primary.ns-prod.svc.cluster.local'); withCanary(0)(d); });
    // THEN both frontends get the default, then the parameter
    expect(envOf(find(byDefault, 'Deployment', 'guestbook-canary')).REDIS_HOST).toBe('redis.ns-prod.svc.cluster.local');
    expect(envOf(find(custom, 'Deployment', 'guestbook')).REDIS_HOST).toBe('redis-primary.ns-prod.svc.cluster.local');
    expect(envOf(find(custom, 'Deployment', 'guestbook-canary')).REDIS_HOST).toBe('redis-primary.ns-prod.svc.cluster.local');
  });

  test('with deploy: false no Redis object is generated, only the host reaches the frontends', () => {
    const external = stateOf('guestbook', (d) => { d.setIn(['workload', 'redis', 'deploy'], false); d.setIn(['workload', 'redis', 'host'], 'redis.example.internal'); });
    expect(external.objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'NetworkPolicy' || o.metadata.name === 'redis')).toEqual([]);
    expect(envOf(find(external, 'Deployment', 'guestbook')).REDIS_HOST).toBe('redis.example.internal');
  });

  test('the password is referenced from an existing Secret, never inlined', () => {
    // GIVEN a passwordSecret, declared as an existing Secret
    const s = stateOf('guestbook', (d) => {
      d.setIn(['workload', 'redis', 'passwordSecret'], d.createNode({ name: 'redis-auth', key: 'password' }));
      d.set('existingSecrets', d.createNode([{ name: 'redis-auth', keys: ['password'] }]));
      withCanary(0)(d);
    });
    const ref = { secretKeyRef: { name: 'redis-auth', key: 'password' } };
    const redis = container(find(s, 'StatefulSet', 'redis'));
    // THEN Redis requires it through env expansion and the probe's redis-cli authenticates through REDISCLI_AUTH
    expect(redis.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: ref }, { name: 'REDISCLI_AUTH', valueFrom: ref }]);
    expect(redis.args.slice(-2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
    // AND both frontends read it from the same Secret
    for (const name of ['guestbook', 'guestbook-canary']) {
      expect(container(find(s, 'Deployment', name)).env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: ref });
    }
    // AND no Secret object is generated
    expect(s.objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('Redis arguments are quoted for YAML 1.1 readers (kubectl apply -f reads a bare yes as true)', () => {
    expect(first.files.get('guestbook/ns-prod/statefulset-redis.yaml')).toMatch(/- --appendonly\n\s+- "yes"\n/);
  });
});

describe('S1 NetworkPolicy: Redis accepts only the guestbook pods of ns-prod and ns-canary', () => {
  const policy = (s: State): any => find(s, 'NetworkPolicy', 'redis-from-guestbook', 'ns-prod');
  const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

  test('it selects exactly the Redis pods and restricts ingress to one rule on the Redis port', () => {
    const np = policy(zero);
    const sts = find(zero, 'StatefulSet', 'redis', 'ns-prod') as any;
    expect(np.spec.podSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toHaveLength(1);
    expect(np.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 'redis' }]);
    // no frontend pod is a Redis pod
    for (const name of ['guestbook', 'guestbook-canary']) expect(matches(np.spec.podSelector.matchLabels, (find(zero, 'Deployment', name) as any).spec.template.metadata.labels)).toBe(false);
  });

  test('the peers are the guestbook pods of exactly the two namespaces, namespace and pod selector in one element', () => {
    const np = policy(zero);
    expect(np.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns-prod' } }, podSelector: { matchLabels: { app: 'guestbook' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns-canary' } }, podSelector: { matchLabels: { app: 'guestbook' } } },
    ]);
    // AND the stable and canary frontend pods match their namespace's peer
    for (const [name, ns] of [['guestbook', 'ns-prod'], ['guestbook-canary', 'ns-canary']]) {
      const labels = (find(zero, 'Deployment', name, ns) as any).spec.template.metadata.labels;
      expect(np.spec.ingress[0].from.some((p: any) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === ns && matches(p.podSelector.matchLabels, labels))).toBe(true);
    }
  });

  test('it is the same in every state, so no rollout move touches it', () => {
    for (const [, s] of states()) expect(policy(s)).toEqual(policy(first));
  });

  test('with the canary in the production namespace there is one peer', () => {
    const same = stateOf('guestbook', (d) => { d.setIn(['namespaces', 'canary'], 'ns-prod'); });
    expect(policy(same).spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns-prod' } }, podSelector: { matchLabels: { app: 'guestbook' } } },
    ]);
  });
});
