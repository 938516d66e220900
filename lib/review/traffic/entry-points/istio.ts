/**
 * Istio: VirtualServices bound to a Gateway other than `mesh` are entry points (HTTP routes in order,
 * first match wins); a VirtualService for the `mesh` takes calls to its Service from inside.
 */
import { at, groupOf, isRecord, listAt, Located, mapAt, ObjectIndex, refOf, serviceOfHost } from '../../../manifests/objects';
import { istioGatewayOf } from '../../../manifests/gateway-refs';
import { Backend, EntryPoint, Split, TesterSplit, TrafficReader } from './reader';
import { istioPathText } from './paths';

/** The split of one `http[i]` route of a VirtualService. */
export function istioSplit(ix: ObjectIndex, vs: Located, h: unknown, i: number, extraObjects: readonly string[]): Split {
  const ns = vs.obj.metadata.namespace ?? '';
  const route = listAt(h, 'route');
  const weights = route.map((r) => (route.length === 1 ? 1 : Number(at(r, 'weight') ?? 0)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  const objects = new Set<string>([refOf(vs.obj), ...extraObjects]);
  if (route.length > 1 && sum === 0) notes.push(`${refOf(vs.obj)} http[${i}]: every destination has weight 0`);
  const backends: Backend[] = route.map((r, j) => {
    const d = istioDestination(ix, at(r, 'destination'), ns, objects);
    return { ...d, share: sum ? weights[j] / sum : 0, via: refOf(vs.obj) };
  });
  const mirror = at(h, 'mirror');
  if (isRecord(mirror)) {
    const p = at(h, 'mirrorPercentage', 'value');
    const share = typeof p === 'number' ? p : 100;
    notes.push(`mirrors ${share}% of these requests to ${mirror.host}${mirror.subset ? ` subset ${mirror.subset}` : ''} (copies; responses are discarded)`);
  }
  if (at(h, 'redirect') !== undefined) notes.push(`${refOf(vs.obj)} http[${i}] redirects instead of routing`);
  if (at(h, 'directResponse') !== undefined) notes.push(`${refOf(vs.obj)} http[${i}] answers directly instead of routing`);
  return { backends, objects: [...objects], notes };
}

/** A destination: a Service in dist/ (with its DestinationRule subset's labels, added to `objects`) or an external host. */
function istioDestination(ix: ObjectIndex, d: unknown, ns: string, objects: Set<string>): Omit<Backend, 'share' | 'via'> {
  const host = String(at(d, 'host') ?? '');
  const svc = serviceOfHost(host, ns);
  const subsetName = at(d, 'subset');
  if (!svc || !ix.service(svc.namespace, svc.name)) {
    return { namespace: svc?.namespace ?? '', name: svc?.name ?? host, externalHost: host, ...(typeof subsetName === 'string' ? { subset: { name: subsetName, labels: {} } } : {}) };
  }
  if (typeof subsetName !== 'string') return { namespace: svc.namespace, name: svc.name };
  const dr = ix.memo('istio:destination-rules-by-service', () => {
    const m = new Map<string, Located[]>();
    for (const x of ix.ofKind('DestinationRule')) {
      const s = serviceOfHost(String(at(x.obj, 'spec', 'host') ?? ''), x.obj.metadata.namespace ?? '');
      if (s) m.set(`${s.namespace}/${s.name}`, [...(m.get(`${s.namespace}/${s.name}`) ?? []), x]);
    }
    return m;
  }).get(`${svc.namespace}/${svc.name}`)?.find((x) => listAt(x.obj, 'spec', 'subsets').some((ss) => at(ss, 'name') === subsetName));
  if (dr) objects.add(refOf(dr.obj));
  const subset = dr ? listAt(dr.obj, 'spec', 'subsets').find((ss) => at(ss, 'name') === subsetName) : undefined;
  return { namespace: svc.namespace, name: svc.name, subset: { name: subsetName, labels: subset ? mapAt(subset, 'labels') : { '(undefined subset)': subsetName } } };
}

/** Whether an earlier unconditional Istio route for `earlier` takes every request a later one for `later` would (string prefixes). */
function shadows(earlier: string, later: string): boolean {
  if (earlier === later) return true;
  if (earlier.startsWith('= ') || earlier.startsWith('~ ') || later.startsWith('~ ')) return false;
  return (later.startsWith('= ') ? later.slice(2) : later).startsWith(earlier);
}

/** VirtualServices bound to an ingress Gateway (entry points from outside) or to the mesh only (callers inside the mesh). */
export const istioGatewayReader: TrafficReader = {
  name: 'istio-gateway',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    const out: EntryPoint[] = [];
    for (const vs of ix.ofKind('VirtualService').filter((v) => groupOf(v.obj) === 'networking.istio.io')) {
      const gateways = listAt(vs.obj, 'spec', 'gateways').map(String);
      // bound to the mesh only (or to no gateway): callers inside the mesh are an entry point of their own
      const meshOnly = !gateways.some((g) => g !== 'mesh');
      const host = listAt(vs.obj, 'spec', 'hosts').map(String).join(',') || '*';
      const ns = vs.obj.metadata.namespace ?? '';
      const gwObjects = gateways.flatMap((g) => istioGatewayOf(g, ns) ?? []).map(({ namespace: gns, name: gname }) => {
        const found = ix.find('Gateway', gns, gname);
        return found ? refOf(found.obj) : `Gateway ${gns}/${gname}`;
      });
      const byPath = new Map<string, { split?: Split; testers: TesterSplit[]; notes: string[] }>();
      const unconditional: string[] = [];
      listAt(vs.obj, 'spec', 'http').forEach((h, i) => {
        const matches = listAt(h, 'match');
        const split = istioSplit(ix, vs, h, i, gwObjects);
        for (const m of matches.length ? matches : [{}]) {
          const path = istioPathText(at(m, 'uri'));
          const conds = [
            ...Object.entries(isRecord(at(m, 'headers')) ? at(m, 'headers') as Record<string, unknown> : {}).map(([k, v]) => `header ${k}${isRecord(v) && typeof v.regex === 'string' ? ` matching /${v.regex}/` : isRecord(v) && typeof v.prefix === 'string' ? ` starting with ${v.prefix}` : isRecord(v) ? `: ${v.exact}` : ''}`),
            ...Object.entries(isRecord(at(m, 'queryParams')) ? at(m, 'queryParams') as Record<string, unknown> : {}).map(([k, v]) => `query ${k}=${isRecord(v) ? v.exact ?? v.regex ?? v.prefix : ''}`),
            ...(isRecord(at(m, 'method')) ? [`method ${(at(m, 'method') as Record<string, unknown>).exact}`] : []),
            ...(typeof at(m, 'port') === 'number' ? [`port ${at(m, 'port')}`] : []),
          ];
          const e = byPath.get(path) ?? { testers: [], notes: [] };
          byPath.set(path, e);
          const shadow = unconditional.find((u) => shadows(u, path));
          if (shadow !== undefined) {
            e.notes.push(`${refOf(vs.obj)} http[${i}] (${conds.length ? conds.join(' and ') : path}) is never reached: an earlier route already takes every request for ${shadow}`);
            continue;
          }
          if (conds.length) e.testers.push({ condition: conds.join(' and '), split });
          else { e.split = split; unconditional.push(path); }
        }
      });
      for (const [path, e] of byPath) {
        const split = e.split ?? { backends: [], objects: [refOf(vs.obj), ...gwObjects], notes: e.testers.length ? ['only requests meeting a tester condition match this path'] : [] };
        const mesh = meshOnly ? ['callers inside the mesh (gateway mesh)'] : [];
        out.push({ obj: vs, host, path, split: { ...split, notes: [...mesh, ...split.notes, ...e.notes] }, testers: e.testers });
      }
    }
    return out;
  },
};

/** A VirtualService for the `mesh` (or with no gateways) that takes calls to a Service in dist/: its first route matching the call, headers aside. */
export const istioMeshReader: TrafficReader = {
  name: 'istio-mesh',

  resolveCall(ix, call) {
    const svc = serviceOfHost(call.host, call.fromNamespace);
    if (!svc || !ix.service(svc.namespace, svc.name)) return undefined;
    // the first mesh VirtualService (input order) naming the Service among its hosts
    const mesh = ix.memo('istio:mesh-virtual-services-by-service', () => {
      const m = new Map<string, Located>();
      for (const v of ix.ofKind('VirtualService')) {
        const gws = listAt(v.obj, 'spec', 'gateways').map(String);
        if (gws.length && !gws.includes('mesh')) continue;
        for (const h of listAt(v.obj, 'spec', 'hosts')) {
          const s = serviceOfHost(String(h), v.obj.metadata.namespace ?? '');
          if (s && !m.has(`${s.namespace}/${s.name}`)) m.set(`${s.namespace}/${s.name}`, v);
        }
      }
      return m;
    }).get(`${svc.namespace}/${svc.name}`);
    if (!mesh) return undefined;
    const takes = (m: unknown) => {
      if (at(m, 'headers') !== undefined) return false;
      const p = istioPathText(at(m, 'uri'));
      return p.startsWith('= ') ? p.slice(2) === call.path : !p.startsWith('~ ') && call.path.startsWith(p);
    };
    const http = listAt(mesh.obj, 'spec', 'http');
    const i = http.findIndex((x) => !listAt(x, 'match').length || listAt(x, 'match').some(takes));
    return i >= 0 ? istioSplit(ix, mesh, http[i], i, []) : undefined;
  },
};
