/**
 * HTTPRoute features beyond the weighted split, on releases/guestbook-gateway.yaml: the cookie tester
 * rule (a RegularExpression match on the Cookie header), request mirroring with percent or fraction,
 * the emitted Gateway API version, exact paths, and what the router refuses. Every emitted object is
 * checked against the upstream CRDs, CEL rules included.
 */
import { Document } from 'yaml';
import { cookieRegex } from '../lib/routers/gateway-api';
import { validateObject } from './support/kube-schemas';
import { nonZero, routeSplit } from './support/route-sim';
import { changedLines, editSpec, find, State, stateOf, tryLoad } from './support/states';

const R = 'guestbook-gateway';
const PROD = 'guestbook-gw-prod';
const CANARY = 'guestbook-gw-canary';
const STABLE_SVC = `${PROD}/guestbook`;
const CANARY_SVC = `${CANARY}/guestbook-canary`;
type Edit = (d: Document) => void;
const all = (...edits: Edit[]): Edit => (d) => edits.forEach((e) => e(d));
const setRouter = (field: string, value: unknown): Edit => (d) => { d.setIn(['router', field], d.createNode(value)); };
const weight = (w: number): Edit => (d) => { d.setIn(['canary', 'weight'], w); };
const route = (s: State): any => find(s, 'HTTPRoute', 'guestbook', PROD);
const problemsOf = (edit: Edit): string => {
  const r = tryLoad(R, editSpec(R, edit));
  return 'problems' in r ? r.problems.join('\n') : '';
};
const valid = (s: State) => expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);

describe('cookie tester rule', () => {
  let s: State;
  beforeAll(() => { s = stateOf(R, setRouter('cookie', 'canary_tester')); });

  test('GIVEN router.cookie WHEN a canary runs THEN always/never cookie rules follow the header rules (ingress-nginx precedence)', () => {
    const rules = route(s).spec.rules;
    expect(rules.map((r: any) => r.matches[0].headers?.[0]?.value ?? 'weighted')).toEqual([
      'always', 'never', cookieRegex('canary_tester', 'always'), cookieRegex('canary_tester', 'never'), 'weighted',
    ]);
    expect(rules[2].matches[0].headers).toEqual([{ type: 'RegularExpression', name: 'Cookie', value: '^(.*;)?\\s*canary_tester=always\\s*(;.*)?$' }]);
    expect(rules[2].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'guestbook-canary', namespace: CANARY, port: 80, weight: 1 }]);
    expect(rules[3].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'guestbook', port: 80, weight: 1 }]);
    valid(s);
  });

  test('the cookie expression matches the cookie among others, and nothing that only looks like it', () => {
    const re = new RegExp(cookieRegex('canary_tester', 'always'));
    for (const yes of ['canary_tester=always', 'a=1; canary_tester=always', 'a=1;canary_tester=always; b=2', 'canary_tester=always;b=2']) expect(re.test(yes)).toBe(true);
    for (const no of ['xcanary_tester=always', 'canary_tester=alwaysx', 'canary_tester=never', 'a=canary_tester=always', '']) expect(re.test(no)).toBe(false);
  });

  test('requests: the header wins over the cookie, the cookie over the weight', () => {
    const split = (headers: Record<string, string>) => nonZero(routeSplit(route(s), { path: '/', headers }));
    expect(split({ Cookie: 'canary_tester=always' })).toEqual({ [CANARY_SVC]: 1 });
    expect(split({ Cookie: 'canary_tester=never' })).toEqual({ [STABLE_SVC]: 1 });
    expect(split({ 'X-Canary': 'never', Cookie: 'canary_tester=always' })).toEqual({ [STABLE_SVC]: 1 });
    expect(split({ 'X-Canary': 'other', Cookie: 'canary_tester=always' })).toEqual({ [CANARY_SVC]: 1 });
    expect(split({ Cookie: 'other=always' })).toEqual({ [STABLE_SVC]: 0.75, [CANARY_SVC]: 0.25 });
  });

  test('without a canary there is no tester rule at all', () => {
    const first = stateOf(R, all(setRouter('cookie', 'canary_tester'), (d) => { d.delete('canary'); }));
    expect(route(first).spec.rules).toHaveLength(1);
  });

  test('fails on a cookie name the Cookie expression could not hold literally', () => {
    expect(problemsOf(setRouter('cookie', 'a.b'))).toMatch(/router\.cookie: .*\(got "a\.b"\); use letters, digits, '_' and '-'/);
  });
});

describe('request mirroring', () => {
  test('GIVEN mirror.percent WHEN a canary runs THEN a RequestMirror filter on the weighted rule copies that share to the canary Service', () => {
    const s = stateOf(R, setRouter('mirror', { percent: 10 }));
    const rules = route(s).spec.rules;
    expect(rules.slice(0, -1).every((r: any) => r.filters === undefined)).toBe(true);
    expect(rules.at(-1).filters).toEqual([{
      type: 'RequestMirror',
      requestMirror: { backendRef: { group: '', kind: 'Service', name: 'guestbook-canary', namespace: CANARY, port: 80 }, percent: 10 },
    }]);
    valid(s);
  });

  test('a fraction gives a finer share, both fields written (the API server defaults denominator)', () => {
    const s = stateOf(R, setRouter('mirror', { fraction: { numerator: 1, denominator: 1000 } }));
    expect(route(s).spec.rules.at(-1).filters[0].requestMirror.fraction).toEqual({ numerator: 1, denominator: 1000 });
    valid(s);
  });

  test('a weight step with a mirror changes only the two weight lines', () => {
    const a = stateOf(R, all(setRouter('mirror', { percent: 10 }), weight(0)));
    const b = stateOf(R, all(setRouter('mirror', { percent: 10 }), weight(25)));
    expect(changedLines(a.files, b.files)).toEqual([
      `${R}/${PROD}/httproute-guestbook.yaml: -weight: 100 +weight: 75`,
      `${R}/${PROD}/httproute-guestbook.yaml: -weight: 0 +weight: 25`,
    ]);
  });

  test('no canary, no mirror filter (nothing to mirror to)', () => {
    const s = stateOf(R, all(setRouter('mirror', { percent: 10 }), (d) => { d.delete('canary'); }));
    expect(route(s).spec.rules.at(-1).filters).toBeUndefined();
  });

  test('fails on a mirror with both percent and fraction, or neither', () => {
    expect(problemsOf(setRouter('mirror', { percent: 10, fraction: { numerator: 1, denominator: 10 } }))).toMatch(/router\.mirror: the mirror gives both percent and fraction; give exactly one of percent/);
    expect(problemsOf(setRouter('mirror', {}))).toMatch(/router\.mirror: the mirror gives no share; give exactly one/);
  });

  test('fails on a fraction above 1 and on a percent out of range', () => {
    expect(problemsOf(setRouter('mirror', { fraction: { numerator: 3, denominator: 2 } }))).toMatch(/router\.mirror\.fraction\.numerator: the mirror fraction is above 1 .*\(got 3\)/);
    expect(problemsOf(setRouter('mirror', { percent: 0 }))).toMatch(/router\.mirror\.percent: /);
    expect(problemsOf(setRouter('mirror', { percent: 101 }))).toMatch(/router\.mirror\.percent: /);
  });

  test('fails on a mirror with apiVersion v1beta1, naming the router and why', () => {
    expect(problemsOf(all(setRouter('mirror', { percent: 10 }), setRouter('apiVersion', 'v1beta1'))))
      .toMatch(/router\.mirror: router gatewayApi cannot mirror a share of requests with apiVersion v1beta1: .*v1\.3.*mirrors every request; use apiVersion v1/);
  });
});

describe('Gateway API versions', () => {
  test('GIVEN no apiVersion THEN the HTTPRoute is gateway.networking.k8s.io/v1 and the ReferenceGrant v1beta1', () => {
    const s = stateOf(R);
    expect(route(s).apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(find(s, 'ReferenceGrant', 'guestbook-to-guestbook-canary').apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
  });

  test('GIVEN apiVersion v1beta1 THEN the HTTPRoute is v1beta1 with the same spec, valid against the v1beta1 schema', () => {
    const v1 = stateOf(R);
    const beta = stateOf(R, setRouter('apiVersion', 'v1beta1'));
    expect(route(beta).apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(route(beta).spec).toEqual(route(v1).spec);
    valid(beta);
    // AND only the apiVersion line differs
    expect(changedLines(v1.files, beta.files)).toEqual([`${R}/${PROD}/httproute-guestbook.yaml: -apiVersion: gateway.networking.k8s.io/v1 +apiVersion: gateway.networking.k8s.io/v1beta1`]);
  });

  test('fails on a version the router does not emit, listing the allowed ones', () => {
    expect(problemsOf(setRouter('apiVersion', 'v1alpha2'))).toMatch(/router\.apiVersion: .*v1.*v1beta1/);
  });
});

describe('paths and header patterns', () => {
  test('pathType Exact gives an Exact path match in every rule', () => {
    const s = stateOf(R, all(setRouter('path', '/guestbook'), setRouter('pathType', 'Exact')));
    expect(route(s).spec.rules.map((r: any) => r.matches[0].path)).toEqual(Array(3).fill({ type: 'Exact', value: '/guestbook' }));
    valid(s);
  });

  test('fails on a path with a character a URL path cannot hold (the CRD\'s CEL rule)', () => {
    expect(problemsOf(setRouter('path', '/a b'))).toMatch(/router\.path: the Gateway API refuses this path prefix: it holds a character a URL path cannot hold unencoded/);
  });

  test('fails on header patterns RE2 cannot run or that do not compile', () => {
    expect(problemsOf(setRouter('header', { name: 'X-Tester', pattern: '^(?!bob).*$' })))
      .toMatch(/router\.header\.pattern: the Gateway API routers cannot use this header pattern: it uses a lookaround .*RE2/);
    expect(problemsOf(setRouter('header', { name: 'X-Tester', pattern: '^(a)\\1$' }))).toMatch(/router\.header\.pattern: .*uses a backreference/);
    expect(problemsOf(setRouter('header', { name: 'X-Tester', pattern: '^(a$' }))).toMatch(/router\.header\.pattern: .*is not a valid regular expression/);
  });
});
