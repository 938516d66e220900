/**
 * Gateway API: each HTTPRoute rule match; matches with headers, query params or a method are tester
 * paths. Shared with the GRPCRoute reader: backendRef splits, header conditions (a RegularExpression
 * match on the Cookie header written by the cookie tester rule reads `cookie NAME=VALUE`, as on
 * ingress-nginx), RequestMirror notes.
 */
import { at, groupOf, isRecord, listAt, Located, ObjectIndex, refOf } from '../../../manifests/objects';
import { EntryPoint, Split, TesterSplit, TrafficReader } from './reader';
import { pathMatchText } from './paths';

/** API group of the Gateway API kinds. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * The split of one HTTPRoute or GRPCRoute rule: `backendRefs` to core Services, share = weight / sum
 * (default weight 1); a RequestMirror filter is a note (copies are not user traffic).
 */
export function httpRouteSplit(ix: ObjectIndex, hr: Located, rule: unknown): Split {
  const ns = hr.obj.metadata.namespace ?? '';
  const refs = listAt(rule, 'backendRefs').filter((b) => ((at(b, 'kind') as string | undefined) ?? 'Service') === 'Service' && ((at(b, 'group') as string | undefined) ?? '') === '');
  const weights = refs.map((b) => (typeof at(b, 'weight') === 'number' ? at(b, 'weight') as number : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (refs.length && sum === 0) notes.push(`${refOf(hr.obj)}: every backend has weight 0, so the Gateway answers 500`);
  const backends = refs.map((b, i) => ({ namespace: (at(b, 'namespace') as string | undefined) ?? ns, name: String(at(b, 'name')), share: sum ? weights[i] / sum : 0, via: refOf(hr.obj) }));
  for (const f of listAt(rule, 'filters')) {
    const m = at(f, 'requestMirror');
    if (!isRecord(m)) continue;
    const b = at(m, 'backendRef');
    const fraction = at(m, 'fraction');
    const share = typeof m.percent === 'number' ? m.percent
      : isRecord(fraction) && typeof fraction.numerator === 'number' ? Math.round((fraction.numerator / (typeof fraction.denominator === 'number' ? fraction.denominator : 100)) * 1e6) / 1e4 : 100;
    notes.push(`${refOf(hr.obj)} mirrors ${share}% of these requests to Service ${(at(b, 'namespace') as string | undefined) ?? ns}/${at(b, 'name')} (copies; responses are discarded)`);
  }
  const objects = [refOf(hr.obj), ...backends.filter((b) => b.namespace !== ns).flatMap((b) => ix.ofKind('ReferenceGrant', b.namespace).map((g) => refOf(g.obj)))];
  return { backends, objects: [...new Set(objects)], notes };
}

/** The cookie tester rule's expression (lib/routers/gateway-api.ts `cookieRegex`): `^(.*;)?\s*NAME=VALUE\s*(;.*)?$`. */
const COOKIE_RULE = /^\^\(\.\*;\)\?\\s\*([A-Za-z0-9_-]+)=([A-Za-z0-9_-]+)\\s\*\(;\.\*\)\?\$$/;

/** A header match as a tester condition: `header X: v`, `header X matching /re/`, or `cookie NAME=VALUE`. */
export function headerCondition(h: unknown): string {
  const name = String(at(h, 'name'));
  const value = String(at(h, 'value'));
  if (at(h, 'type') === 'RegularExpression') {
    const c = name.toLowerCase() === 'cookie' ? COOKIE_RULE.exec(value) : null;
    return c ? `cookie ${c[1]}=${c[2]}` : `header ${name} matching /${value}/`;
  }
  return `header ${name}: ${value}`;
}

/** Routes of a kind in the Gateway API group. */
export function routesOf(ix: ObjectIndex, kind: 'HTTPRoute' | 'GRPCRoute'): Located[] {
  return ix.ofKind(kind).filter((h) => groupOf(h.obj) === GATEWAY_API_GROUP);
}

/**
 * Entry points of a route: one per path (its `pathOf` text), the unconditional rule's split for users
 * and the conditional rules as tester paths (in rule order, which the Gateway API uses to break ties).
 */
export function routeEntryPoints(ix: ObjectIndex, hr: Located, pathOf: (match: unknown) => string, conditionsOf: (match: unknown) => string[]): EntryPoint[] {
  const host = listAt(hr.obj, 'spec', 'hostnames').map(String).join(',') || '*';
  const plain = new Map<string, Split>();
  const conditional: (TesterSplit & { path: string })[] = [];
  for (const rule of listAt(hr.obj, 'spec', 'rules')) {
    const split = httpRouteSplit(ix, hr, rule);
    const matches = listAt(rule, 'matches');
    for (const m of matches.length ? matches : [{}]) {
      const path = pathOf(m);
      const conds = conditionsOf(m);
      if (conds.length) conditional.push({ path, condition: conds.join(' and '), split });
      else if (!plain.has(path)) plain.set(path, split);
    }
  }
  const paths = [...new Set([...plain.keys(), ...conditional.map((c) => c.path)])];
  return paths.map((path) => ({
    obj: hr, host, path,
    split: plain.get(path) ?? { backends: [], objects: [refOf(hr.obj)], notes: ['only requests meeting a tester condition match this path'] },
    testers: conditional.filter((c) => c.path === path),
  }));
}

export const gatewayApiReader: TrafficReader = {
  name: 'gateway-api',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    return routesOf(ix, 'HTTPRoute').flatMap((hr) => routeEntryPoints(ix, hr,
      (m) => pathMatchText(at(m, 'path', 'type') as string | undefined, at(m, 'path', 'value') as string | undefined),
      (m) => [
        ...listAt(m, 'headers').map(headerCondition),
        ...listAt(m, 'queryParams').map((q) => `query ${at(q, 'name')}=${at(q, 'value')}`),
        ...(typeof at(m, 'method') === 'string' ? [`method ${at(m, 'method')}`] : []),
      ]));
  },
};
