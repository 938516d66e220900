/** OpenShift Route: `to` plus `alternateBackends`, weights 0..256 (default 100), share = weight / sum. */
import { at, groupOf, isRecord, listAt, Located, ObjectIndex, refOf } from '../../../manifests/objects';
import { EntryPoint, Split, TrafficReader } from './reader';
import { longestPrefix } from './paths';

/** The split of a Route. */
export function routeSplit(rt: Located): Split {
  const ns = rt.obj.metadata.namespace ?? '';
  const targets = [at(rt.obj, 'spec', 'to'), ...listAt(rt.obj, 'spec', 'alternateBackends')].filter((b): b is Record<string, unknown> => isRecord(b) && typeof b.name === 'string');
  const weights = targets.map((b) => (typeof b.weight === 'number' ? b.weight : 100));
  const sum = weights.reduce((a, b) => a + b, 0);
  const notes = targets.length && sum === 0 ? [`${refOf(rt.obj)}: every backend has weight 0, so the router answers 503`] : [];
  return { backends: targets.map((b, i) => ({ namespace: ns, name: String(b.name), share: sum ? weights[i] / sum : 0, via: refOf(rt.obj) })), objects: [refOf(rt.obj)], notes };
}

function routes(ix: ObjectIndex): Located[] {
  return ix.ofKind('Route').filter((r) => groupOf(r.obj) === 'route.openshift.io');
}

function pathOf(rt: Located): string {
  return typeof at(rt.obj, 'spec', 'path') === 'string' ? String(at(rt.obj, 'spec', 'path')) : '/';
}

export const openshiftRouteReader: TrafficReader = {
  name: 'openshift-route',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    return routes(ix).map((rt) => {
      const host = typeof at(rt.obj, 'spec', 'host') === 'string' ? String(at(rt.obj, 'spec', 'host')) : '*';
      return { obj: rt, host, path: pathOf(rt), split: routeSplit(rt), testers: [] };
    });
  },

  /** A call to a Route's host: the longest matching path wins. */
  resolveCall(ix, call) {
    const byHost = ix.memo('openshift-route:by-host', () => {
      const m = new Map<unknown, { r: Located; p: string }[]>();
      for (const r of routes(ix)) m.set(at(r.obj, 'spec', 'host'), [...(m.get(at(r.obj, 'spec', 'host')) ?? []), { r, p: pathOf(r) }]);
      return m;
    });
    const route = longestPrefix(byHost.get(call.host) ?? [], call.path);
    return route ? routeSplit(route.r) : undefined;
  },
};
