/**
 * The GRPCRoute router on the gRPC reference release (releases/grpc-greeter.yaml: stable 1.0.0, canary
 * 1.1.0 at 10% in another namespace): weighted backendRefs restricted to helloworld.Greeter/SayHello,
 * tester rules on gRPC metadata, the ReferenceGrant from GRPCRoute, h2c Services, refusals, strict
 * validation (CEL rules of the upstream GRPCRoute CRD included), and the walk start, step, promote
 * and abort through the compiled CLI in a real git repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document } from 'yaml';
import { lintTree } from '../lib/lint/report';
import { objectsOfTree } from '../lib/manifests/tree';
import { computeTraffic, renderTrafficText } from '../lib/review/traffic';
import { readTree } from '../lib/manifests/files';
import { projectPaths, renderProject, loadProject } from '../lib/synth/project';
import { cli } from './support/cli';
import { changedFiles, changedLines as gitChangedLines, cleanupTempDirs, log, porcelain, projectRepo } from './support/git-repo';
import { validateObject, validateTree } from './support/kube-schemas';
import { nonZero, Request, routeSplit } from './support/route-sim';
import { changedLines, editSpec, find, ROOT, snapshotOf, State, stateOf, tryLoad } from './support/states';

afterAll(cleanupTempDirs);

const R = 'grpc-greeter';
const PROD = 'greeter';
const CANARY = 'greeter-canary';
const STABLE_SVC = `${PROD}/greeter`;
const CANARY_SVC = `${CANARY}/greeter-canary`;
type Edit = (d: Document) => void;
const all = (...edits: Edit[]): Edit => (d) => edits.forEach((e) => e(d));
const setRouter = (field: string, value: unknown): Edit => (d) => { d.setIn(['router', field], d.createNode(value)); };
const weight = (w: number): Edit => (d) => { d.setIn(['canary', 'weight'], w); };
const noCanary: Edit = (d) => { d.delete('canary'); };
const route = (s: State): any => find(s, 'GRPCRoute', 'grpc-greeter', PROD);
const problemsOf = (edit: Edit): string => {
  const r = tryLoad(R, editSpec(R, edit));
  return 'problems' in r ? r.problems.join('\n') : '';
};
const SAY_HELLO = { service: 'helloworld.Greeter', method: 'SayHello' };
const call = (headers: Record<string, string> = {}, grpc = SAY_HELLO): Request => ({ path: `/${grpc.service}/${grpc.method}`, headers, grpc });

let ten: State;
beforeAll(() => { ten = stateOf(R); });

describe('gRPC reference release (canary at 10%)', () => {
  test('the committed dist/grpc-greeter is exactly what the spec renders', () => {
    for (const [p, content] of ten.files) expect(fs.readFileSync(path.join(ROOT, 'dist', p), 'utf8')).toBe(content);
    const committed = [...[PROD, CANARY].flatMap((ns) => fs.readdirSync(path.join(ROOT, 'dist', R, ns)).map((f) => `${R}/${ns}/${f}`)), `${R}/kustomization.yaml`];
    expect(committed.sort()).toEqual([...ten.files.keys()].sort());
  });

  test('one GRPCRoute v1 in the production namespace, attached to the Gateway listener, splits SayHello 90/10', () => {
    const r = route(ten);
    expect(r.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'grpc' }]);
    expect(r.spec.hostnames).toEqual(['greeter.example.com']);
    const weighted = r.spec.rules.at(-1);
    expect(weighted.matches).toEqual([{ method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } }]);
    expect(weighted.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'greeter', port: 50051, weight: 90 },
      { group: '', kind: 'Service', name: 'greeter-canary', namespace: CANARY, port: 50051, weight: 10 },
    ]);
    expect(ten.objects.filter((o) => o.kind === 'GRPCRoute' || o.kind === 'HTTPRoute')).toHaveLength(1);
  });

  test('tester rules on gRPC metadata come first: x-canary always -> canary only, never -> stable only', () => {
    const [always, never] = route(ten).spec.rules;
    expect(always.matches).toEqual([{ method: { type: 'Exact', ...SAY_HELLO }, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }]);
    expect(always.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'greeter-canary', namespace: CANARY, port: 50051, weight: 1 }]);
    expect(never.matches[0].headers).toEqual([{ type: 'Exact', name: 'x-canary', value: 'never' }]);
    expect(never.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'greeter', port: 50051, weight: 1 }]);
  });

  test('calls: testers by metadata, users by weight, other methods match no rule', () => {
    const r = route(ten);
    expect(nonZero(routeSplit(r, call({ 'x-canary': 'always' })))).toEqual({ [CANARY_SVC]: 1 });
    expect(nonZero(routeSplit(r, call({ 'X-Canary': 'never' })))).toEqual({ [STABLE_SVC]: 1 });
    expect(nonZero(routeSplit(r, call()))).toEqual({ [STABLE_SVC]: 0.9, [CANARY_SVC]: 0.1 });
    expect(routeSplit(r, call({}, { service: 'helloworld.Greeter', method: 'SayGoodbye' }))).toEqual({});
  });

  test('the ReferenceGrant lets GRPCRoutes of the production namespace reach exactly the canary Service', () => {
    const g = find(ten, 'ReferenceGrant', 'grpc-greeter-to-greeter-canary', CANARY) as any;
    expect(g.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(g.spec).toEqual({ from: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: PROD }], to: [{ group: '', kind: 'Service', name: 'greeter-canary' }] });
  });

  test('both Services speak HTTP/2 cleartext to the pods (appProtocol kubernetes.io/h2c); other routers\' Services carry no appProtocol', () => {
    for (const [name, ns] of [['greeter', PROD], ['greeter-canary', CANARY]]) {
      expect((find(ten, 'Service', name, ns) as any).spec.ports).toEqual([{ name: 'grpc', port: 50051, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
    }
    expect((find(stateOf('guestbook-gateway'), 'Service', 'guestbook', 'guestbook-gw-prod') as any).spec.ports[0].appProtocol).toBeUndefined();
  });

  test('the cross-object lint checks GRPCRoute backends and fails without the ReferenceGrant', () => {
    expect(lintTree(ten.files).findings).toEqual([]);
    // WHEN the ReferenceGrant is missing
    const without = new Map([...ten.files].filter(([p]) => !p.includes('referencegrant-')));
    // THEN both GRPCRoute rules that reach the canary are findings
    expect(lintTree(without).findings.map((f) => `${f.rule}: ${f.message}`)).toEqual(Array(2).fill(
      'backend-reference-grant: GRPCRoute greeter/grpc-greeter refers to Service greeter-canary/greeter-canary in another namespace, but no ReferenceGrant in namespace greeter-canary allows GRPCRoutes of namespace greeter to reach it'));
  });
  test('traffic reads the GRPCRoute: users by weight on the method\'s HTTP/2 path, testers by metadata', () => {
    const text = renderTrafficText(computeTraffic(objectsOfTree(ten.files).objects).entries.filter((e) => e.release === R));
    expect(text.slice(0, 2)).toEqual([
      'greeter.example.com = /helloworld.Greeter/SayHello  (GRPCRoute greeter/grpc-greeter, ReferenceGrant greeter-canary/grpc-greeter-to-greeter-canary)',
      '  users: greeter 1.0.0 90% / 1.1.0 10%',
    ]);
    expect(text.filter((l) => l.includes('tester-only'))).toEqual([
      '  tester-only, header x-canary: always: greeter 1.1.0 100%',
      '  tester-only, header x-canary: never: greeter 1.0.0 100%',
    ]);
    const mirrored = stateOf(R, setRouter('mirror', { fraction: { numerator: 1, denominator: 1000 } }));
    expect(computeTraffic(objectsOfTree(mirrored.files).objects).entries.find((e) => e.release === R)?.notes)
      .toContain('GRPCRoute greeter/grpc-greeter mirrors 0.1% of these requests to Service greeter-canary/greeter-canary (copies; responses are discarded)');
  });
});

describe('GRPCRoute states and options', () => {
  test('every state passes strict validation, CEL rules of the GRPCRoute CRD included', () => {
    const states = [stateOf(R, noCanary), stateOf(R, weight(0)), ten, stateOf(R, weight(100)), stateOf(R, all(noCanary, (d) => { d.setIn(['stable', 'version'], '1.1.0'); }))];
    for (const s of states) expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('first release: one rule, all weight to stable, no tester rules, no ReferenceGrant', () => {
    const s = stateOf(R, noCanary);
    expect(route(s).spec.rules).toEqual([{ matches: [{ method: { type: 'Exact', ...SAY_HELLO } }], backendRefs: [{ group: '', kind: 'Service', name: 'greeter', port: 50051, weight: 100 }] }]);
    expect(s.objects.filter((o) => o.kind === 'ReferenceGrant')).toEqual([]);
    expect(snapshotOf(s.files)).toMatchSnapshot();
  });

  test('a weight step changes only the two weight lines', () => {
    expect(changedLines(stateOf(R, weight(10)).files, stateOf(R, weight(50)).files)).toEqual([
      `${R}/${PROD}/grpcroute-grpc-greeter.yaml: -weight: 90 +weight: 50`,
      `${R}/${PROD}/grpcroute-grpc-greeter.yaml: -weight: 10 +weight: 50`,
    ]);
  });

  test('without methods the route takes every gRPC call: tester rules match metadata only, the weighted rule has no matches', () => {
    const s = stateOf(R, (d) => { d.deleteIn(['router', 'methods']); });
    const rules = route(s).spec.rules;
    expect(rules[0].matches).toEqual([{ headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }]);
    expect(rules.at(-1).matches).toBeUndefined();
    expect(nonZero(routeSplit(route(s), call({}, { service: 'other.Service', method: 'Any' })))).toEqual({ [STABLE_SVC]: 0.9, [CANARY_SVC]: 0.1 });
    expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('a service without method matches every method of it', () => {
    const s = stateOf(R, setRouter('methods', [{ service: 'helloworld.Greeter' }, { service: 'grpc.health.v1.Health', method: 'Check' }]));
    expect(route(s).spec.rules.at(-1).matches).toEqual([
      { method: { type: 'Exact', service: 'helloworld.Greeter' } },
      { method: { type: 'Exact', service: 'grpc.health.v1.Health', method: 'Check' } },
    ]);
    expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('a mirror copies a share of the weighted calls to the canary Service', () => {
    const s = stateOf(R, setRouter('mirror', { percent: 5 }));
    expect(route(s).spec.rules.at(-1).filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'greeter-canary', namespace: CANARY, port: 50051 }, percent: 5 } }]);
    expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('a metadata pattern becomes a RegularExpression header match', () => {
    const s = stateOf(R, setRouter('header', { name: 'x-tester', pattern: '^(alice|bob)$' }));
    expect(route(s).spec.rules[0].matches[0].headers).toEqual([{ type: 'RegularExpression', name: 'x-tester', value: '^(alice|bob)$' }]);
    expect(route(s).spec.rules).toHaveLength(2);
  });
});

describe('GRPCRoute refusals name the router and the field', () => {
  test('fails on apiVersion v1beta1: GRPCRoute has no v1beta1', () => {
    expect(problemsOf(setRouter('apiVersion', 'v1beta1'))).toMatch(/^releases\/grpc-greeter\.yaml:\d+:\d+: router\.apiVersion: router grpcRoute cannot emit GRPCRoute v1beta1: GRPCRoute has no v1beta1 .*v1\.1\) \(got "v1beta1"\); use apiVersion v1/m);
  });

  test('fails on a cookie tester: gRPC clients send no cookies', () => {
    expect(problemsOf(setRouter('cookie', 'canary'))).toMatch(/router\.cookie: router grpcRoute cannot route by cookie: gRPC clients send no cookies \(got "canary"\); use router\.header/);
  });

  test('fails on smoke checks, which are HTTP/1.1 requests a gRPC port does not answer', () => {
    expect(problemsOf((d) => { d.set('checks', d.createNode([{ name: 'health', path: '/healthz' }])); }))
      .toMatch(/checks: router grpcRoute cannot run the smoke checks: .*speaks gRPC \(got 1\); remove checks/);
  });

  test('fails on a method name gRPC does not allow, and on a mirror with both shares', () => {
    expect(problemsOf(setRouter('methods', [{ service: 'helloworld.Greeter', method: 'Say-Hello' }]))).toMatch(/router\.methods\[0\]\.method: .*use a gRPC method name/);
    expect(problemsOf(setRouter('mirror', { percent: 5, fraction: { numerator: 1, denominator: 100 } }))).toMatch(/router\.mirror: the mirror gives both percent and fraction/);
  });
});

describe('gRPC reference release through the CLI (real git)', () => {
  /** dist/ of a repository equals a fresh synthesis of its specs and passes the upstream schemas. */
  const expectDistFresh = (dir: string) => {
    const fresh = renderProject(loadProject(projectPaths(dir)));
    expect([...readTree(path.join(dir, 'dist'))]).toEqual([...fresh].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(validateTree(path.join(dir, 'dist')).problems).toEqual([]);
  };
  const move = async (dir: string, args: string[], subject: string) => {
    const before = log(dir);
    const r = await cli(dir, ...args);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toContain(subject);
    expect(log(dir)).toEqual([expect.any(String), ...before]);
    expect(porcelain(dir)).toBe('');
    expectDistFresh(dir);
  };
  const GR = `dist/${R}/${PROD}/grpcroute-grpc-greeter.yaml`;

  test('step, step, promote, then start, step, abort: one commit each; steps change only weight lines', async () => {
    // GIVEN the committed reference release (canary 1.1.0 at 10%)
    const dir = projectRepo({ copy: ['grpc-greeter.yaml'] });
    await move(dir, ['step', R], 'grpc-greeter: canary 1.1.0 10% -> 50%');
    expect(changedFiles(dir).sort()).toEqual([`M ${GR}`, `M releases/${R}.yaml`]);
    expect(gitChangedLines(dir, 'HEAD', 'dist')).toEqual(['-          weight: 90', '+          weight: 50', '-          weight: 10', '+          weight: 50']);
    await move(dir, ['step', R], 'grpc-greeter: canary 1.1.0 50% -> 100%');
    await move(dir, ['promote', R], 'grpc-greeter: promote 1.1.0 to stable (was 1.0.0)');
    // THEN the canary namespace holds only its Namespace, the route sends everything to 1.1.0
    expect(fs.readdirSync(path.join(dir, 'dist', R, CANARY)).sort()).toEqual(['kustomization.yaml', `namespace-${CANARY}.yaml`]);
    expect(fs.readFileSync(path.join(dir, 'dist', R, PROD, 'deployment-greeter.yaml'), 'utf8')).toContain('image: ghcr.io/example/greeter:1.1.0');
    const promoted = readTree(path.join(dir, 'dist'));
    // WHEN the next version starts, steps and is aborted
    await move(dir, ['start', R, '--version', '1.2.0'], 'grpc-greeter: start canary 1.2.0 at 0%');
    expect(changedFiles(dir).sort()).toEqual([
      `A dist/${R}/${CANARY}/deployment-greeter-canary.yaml`, `A dist/${R}/${CANARY}/referencegrant-grpc-greeter-to-greeter-canary.yaml`,
      `A dist/${R}/${CANARY}/service-greeter-canary.yaml`, `M dist/${R}/${CANARY}/kustomization.yaml`, `M ${GR}`, `M releases/${R}.yaml`,
    ]);
    await move(dir, ['step', R], 'grpc-greeter: canary 1.2.0 0% -> 10%');
    await move(dir, ['abort', R], 'grpc-greeter: abort canary 1.2.0 at 10%, traffic back to 1.1.0');
    // THEN dist/ is back to the promoted state byte for byte
    expect(readTree(path.join(dir, 'dist'))).toEqual(promoted);
  });
});
