/**
 * The Gateway API router on scenario S1's successor set-up (releases/guestbook-gateway.yaml: stable
 * v0, canary v1 at 25%, canary Service in another namespace): HTTPRoute weights and header rule,
 * the cross-namespace ReferenceGrant, and the API's limits (weights 0..1000000, 16 backendRefs).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document } from 'yaml';
import { httpRouteRules, MAX_BACKEND_REFS, MAX_BACKEND_WEIGHT, ruleProblems } from '../lib/routers/gateway-api';
import { routerFor } from '../lib/routers/registry';
import { validateObject } from './support/kube-schemas';
import { changedLines, editSpec, find, inventory, ROOT, snapshotOf, State, stateOf, tryLoad } from './support/states';

const R = 'guestbook-gateway';
const PROD = 'guestbook-gw-prod';
const CANARY = 'guestbook-gw-canary';
const setCanary = (weight: number) => (doc: Document) => { doc.setIn(['canary', 'weight'], weight); };
const noCanary = (doc: Document) => { doc.delete('canary'); };
const promote = (doc: Document) => { doc.setIn(['stable', 'version'], 'v1'); doc.delete('canary'); };

let quarter: State;
let zero: State;
let first: State;
let promoted: State;

beforeAll(() => {
  quarter = stateOf(R);
  zero = stateOf(R, setCanary(0));
  first = stateOf(R, noCanary);
  promoted = stateOf(R, promote);
});

const route = (s: State): any => find(s, 'HTTPRoute', 'guestbook', PROD);
const weightsOf = (s: State): [string, number][] => route(s).spec.rules.at(-1).backendRefs.map((b: any) => [b.name, b.weight]);

describe('Gateway API reference release (canary at 25%)', () => {
  test('the committed dist/guestbook-gateway is exactly what the spec renders', () => {
    for (const [p, content] of quarter.files) expect(fs.readFileSync(path.join(ROOT, 'dist', p), 'utf8')).toBe(content);
    const committed = [...[PROD, CANARY].flatMap((ns) => fs.readdirSync(path.join(ROOT, 'dist', R, ns)).map((f) => `${R}/${ns}/${f}`)), `${R}/kustomization.yaml`];
    expect(committed.sort()).toEqual([...quarter.files.keys()].sort());
  });

  test('one HTTPRoute in the production namespace, attached to the configured Gateway, splits 75/25', () => {
    const r = route(quarter);
    expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system' }]);
    expect(r.spec.hostnames).toEqual(['guestbook-gw.example.com']);
    expect(quarter.objects.filter((o) => o.kind === 'HTTPRoute')).toHaveLength(1);
    expect(weightsOf(quarter)).toEqual([['guestbook', 75], ['guestbook-canary', 25]]);
    // the fields the API server defaults are written out (group, kind), so Argo CD's diff stays clean
    expect(r.spec.rules.at(-1).backendRefs[1]).toEqual({ group: '', kind: 'Service', name: 'guestbook-canary', namespace: CANARY, port: 80, weight: 25 });
  });

  test('header rules before the weighted rule: always -> canary only, never -> stable only (ingress-nginx semantics)', () => {
    const [always, never, weighted] = route(quarter).spec.rules;
    expect(always.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'X-Canary', value: 'always' }] }]);
    expect(always.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'guestbook-canary', namespace: CANARY, port: 80, weight: 1 }]);
    expect(never.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'X-Canary', value: 'never' }] }]);
    expect(never.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'guestbook', port: 80, weight: 1 }]);
    // the weighted rule matches the same path without headers, so each header rule is more specific
    expect(weighted.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(route(quarter).spec.rules).toHaveLength(3);
  });

  test('a header value gives one Exact rule to the canary and no never rule', () => {
    const s = stateOf(R, (d) => { d.setIn(['router', 'header'], d.createNode({ name: 'X-Tester', value: 'qa' })); });
    const rules = route(s).spec.rules;
    expect(rules).toHaveLength(2);
    expect(rules[0].matches[0].headers).toEqual([{ type: 'Exact', name: 'X-Tester', value: 'qa' }]);
  });

  test('a header pattern becomes a RegularExpression match', () => {
    const s = stateOf(R, (d) => { d.setIn(['router', 'header'], d.createNode({ name: 'X-Tester', pattern: '^(alice|bob)$' })); });
    expect(route(s).spec.rules[0].matches[0].headers).toEqual([{ type: 'RegularExpression', name: 'X-Tester', value: '^(alice|bob)$' }]);
    expect(route(s).spec.rules).toHaveLength(2);
    expect(validateObject(route(s))).toEqual([]);
  });

  test('the ReferenceGrant in the canary namespace names the route\'s namespace and kind, and exactly the canary Service', () => {
    const grants = quarter.objects.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toHaveLength(1);
    const g = grants[0] as any;
    expect(g.metadata.namespace).toBe(CANARY);
    // `from` can only name group, kind and namespace (not one route); `to` names the one Service
    expect(g.spec.from).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: route(quarter).metadata.namespace }]);
    expect(g.spec.to).toEqual([{ group: '', kind: 'Service', name: 'guestbook-canary' }]);
    // AND every cross-namespace backendRef of the route is covered by it
    const crossRefs = route(quarter).spec.rules.flatMap((r: any) => r.backendRefs).filter((b: any) => b.namespace && b.namespace !== PROD);
    expect(crossRefs.length).toBeGreaterThan(0);
    for (const b of crossRefs) expect([b.namespace, b.name]).toEqual([g.metadata.namespace, g.spec.to[0].name]);
  });

  test('every object passes strict upstream schema validation in every state', () => {
    for (const s of [first, zero, quarter, promoted]) expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('the release collides with no object of the NGINX guestbook', () => {
    const gb = stateOf('guestbook');
    const key = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const mine = new Set(quarter.objects.map(key));
    expect(gb.objects.map(key).filter((k) => mine.has(k))).toEqual([]);
  });
});

describe('Gateway API states', () => {
  test('first release: one backend with the whole weight, no header rules, no ReferenceGrant, canary namespace empty', () => {
    expect(route(first).spec.rules).toHaveLength(1);
    expect(weightsOf(first)).toEqual([['guestbook', 100]]);
    expect(inventory(first, `${R}/${CANARY}`)).toEqual(['kustomization.yaml', `namespace-${CANARY}.yaml`]);
    expect(snapshotOf(first.files)).toMatchSnapshot();
  });

  test('canary at 0%: the canary backend gets weight 0 and testers reach it by header', () => {
    expect(weightsOf(zero)).toEqual([['guestbook', 100], ['guestbook-canary', 0]]);
    expect(route(zero).spec.rules[0].backendRefs[0].name).toBe('guestbook-canary');
    expect(snapshotOf(zero.files)).toMatchSnapshot();
  });

  test('canary at 25%', () => {
    expect(snapshotOf(quarter.files)).toMatchSnapshot();
  });

  test('between 0% and 25% only the two weight lines change', () => {
    expect(changedLines(zero.files, quarter.files)).toEqual([
      `${R}/${PROD}/httproute-guestbook.yaml: -weight: 100 +weight: 75`,
      `${R}/${PROD}/httproute-guestbook.yaml: -weight: 0 +weight: 25`,
    ]);
  });

  test('promoted: production runs v1, the route sends everything to it, canary objects and the ReferenceGrant are gone', () => {
    expect((find(promoted, 'Deployment', 'guestbook', PROD) as any).spec.template.spec.containers[0].image).toBe('ghcr.io/example/guestbook:v1');
    expect(weightsOf(promoted)).toEqual([['guestbook', 100]]);
    expect(inventory(promoted, `${R}/${CANARY}`)).toEqual(['kustomization.yaml', `namespace-${CANARY}.yaml`]);
    expect(snapshotOf(promoted.files)).toMatchSnapshot();
  });

  test('a canary in the production namespace needs no ReferenceGrant and no backendRef namespace', () => {
    const s = stateOf(R, (d) => { d.setIn(['namespaces', 'canary'], PROD); });
    expect(s.objects.filter((o) => o.kind === 'ReferenceGrant')).toEqual([]);
    expect(route(s).spec.rules.flatMap((r: any) => r.backendRefs).every((b: any) => b.namespace === undefined)).toBe(true);
  });

  test('the finest weight total, 1000000, gives 999999/1 and stays within the API\'s range', () => {
    const s = stateOf(R, (d) => { d.set('weightTotal', 1_000_000); d.set('steps', d.createNode([0, 1, 1_000_000])); setCanary(1)(d); });
    expect(weightsOf(s)).toEqual([['guestbook', 999_999], ['guestbook-canary', 1]]);
    expect(ruleProblems(route(s).spec.rules)).toEqual([]);
    expect(validateObject(route(s))).toEqual([]);
  });
});

describe('Gateway API limits', () => {
  const ref = (i: number, weight = 1) => ({ name: `svc-${i}`, port: 80, weight });

  test('every rule the router builds holds at most 16 backendRefs with weights in 0..1000000', () => {
    for (const s of [first, zero, quarter, promoted]) {
      const rules = httpRouteRules(s.release.model);
      expect(rules.every((r) => (r.backendRefs ?? []).length <= MAX_BACKEND_REFS)).toBe(true);
      expect(rules.flatMap((r) => r.backendRefs ?? []).every((b) => (b.weight ?? 1) >= 0 && (b.weight ?? 1) <= MAX_BACKEND_WEIGHT)).toBe(true);
      expect(routerFor('gatewayApi').check(s.release)).toEqual([]);
    }
  });

  test('fails when a rule would hold more than 16 backendRefs', () => {
    const rules = [{ backendRefs: Array.from({ length: 17 }, (_, i) => ref(i)) }];
    expect(ruleProblems(rules)).toEqual(['rule 1 would hold 17 backendRefs; the Gateway API allows at most 16 per rule']);
    expect(ruleProblems([{ backendRefs: Array.from({ length: 16 }, (_, i) => ref(i)) }])).toEqual([]);
  });

  test('fails when a weight is outside 0..1000000', () => {
    expect(ruleProblems([{ backendRefs: [ref(0, 1_000_001), ref(1, -1), ref(2, 0), ref(3, 1_000_000)] }])).toEqual([
      'rule 1 would give backend svc-0 weight 1000001; the Gateway API accepts integer weights from 0 to 1000000',
      'rule 1 would give backend svc-1 weight -1; the Gateway API accepts integer weights from 0 to 1000000',
    ]);
  });

  test('fails to load a weight total above 1000000 (the schema caps it)', () => {
    const r = tryLoad(R, editSpec(R, (d) => { d.set('weightTotal', 2_000_000); }));
    expect('problems' in r ? r.problems.join('\n') : '').toMatch(/^releases\/guestbook-gateway\.yaml:\d+:\d+: weightTotal: .*1000000/m);
  });
});
