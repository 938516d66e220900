/** ingress-nginx: a production Ingress per host/path, with the canary Ingress of the same class, host and path. */
import { ingressClassOf, ingressPaths, isCanaryIngress, Located, NGINX, ObjectIndex, refOf } from '../../../manifests/objects';
import { Backend, EntryPoint, Split, TesterSplit, TrafficReader } from './reader';
import { longestPrefix } from './paths';

/**
 * The split of one host/path of a production Ingress, and the canary annotations' tester paths.
 * `canaries`: the canary Ingresses to pick from, or an index (their class, host and path looked up).
 */
export function nginxSplit(ing: Located, host: string, path: string, canaries: readonly Located[] | ObjectIndex): { split: Split; testers: TesterSplit[] } {
  const ns = ing.obj.metadata.namespace ?? '';
  const prod = ingressPaths(ing.obj).find((q) => q.host === host && q.path === path);
  const cls = ingressClassOf(ing.obj);
  const canary = canaries instanceof ObjectIndex
    ? canaryFor(canaries, cls, host, path)
    : canaries.find((c) => ingressClassOf(c.obj) === cls && ingressPaths(c.obj).some((q) => q.host === host && q.path === path));
  const prodBackend = (share: number): Backend[] => prod?.service ? [{ namespace: ns, name: prod.service.name, share, via: refOf(ing.obj) }] : [];
  if (!canary) return { split: { backends: prodBackend(1), objects: [refOf(ing.obj)], notes: [] }, testers: [] };
  const a = canary.obj.metadata.annotations ?? {};
  const cPath = ingressPaths(canary.obj).find((q) => q.host === host && q.path === path);
  const cNs = canary.obj.metadata.namespace ?? '';
  const total = parseInt(a[`${NGINX}canary-weight-total`] ?? '100', 10) || 100;
  const weight = Math.max(0, Math.min(total, parseInt(a[`${NGINX}canary-weight`] ?? '0', 10) || 0));
  const canaryBackend = (share: number): Backend[] => cPath?.service ? [{ namespace: cNs, name: cPath.service.name, share, via: `canary ${refOf(canary.obj)}` }] : [];
  const objects = [refOf(ing.obj), refOf(canary.obj)];
  const notes = [`canary ${refOf(canary.obj)}: canary-weight ${weight} of ${total}`];
  const split: Split = { backends: [...prodBackend((total - weight) / total), ...canaryBackend(weight / total)], objects, notes };
  const testers: TesterSplit[] = [];
  const toCanary: Split = { backends: canaryBackend(1), objects, notes: [] };
  const header = a[`${NGINX}canary-by-header`];
  if (header) {
    const value = a[`${NGINX}canary-by-header-value`];
    const pattern = a[`${NGINX}canary-by-header-pattern`];
    testers.push({ condition: value ? `header ${header}: ${value}` : pattern ? `header ${header} matching /${pattern}/` : `header ${header}: always`, split: toCanary });
    if (!value && !pattern) testers.push({ condition: `header ${header}: never`, split: { backends: prodBackend(1), objects, notes: [] } });
  }
  const cookie = a[`${NGINX}canary-by-cookie`];
  if (cookie) {
    testers.push({ condition: `cookie ${cookie}=always`, split: toCanary });
    testers.push({ condition: `cookie ${cookie}=never`, split: { backends: prodBackend(1), objects, notes: [] } });
  }
  return { split, testers };
}

/** The first canary Ingress (input order) of a class serving a host and path. */
function canaryFor(ix: ObjectIndex, cls: string, host: string, path: string): Located | undefined {
  return ix.memo('nginx:canaries', () => {
    const m = new Map<string, Located>();
    for (const c of ix.ofKind('Ingress').filter((i) => isCanaryIngress(i.obj))) {
      for (const q of ingressPaths(c.obj)) {
        const k = JSON.stringify([ingressClassOf(c.obj), q.host, q.path]);
        if (!m.has(k)) m.set(k, c);
      }
    }
    return m;
  }).get(JSON.stringify([cls, host, path]));
}

/** Production Ingresses' paths by host (input order kept). */
function pathsByHost(ix: ObjectIndex): Map<string, { i: Located; p: string }[]> {
  return ix.memo('nginx:paths-by-host', () => {
    const m = new Map<string, { i: Located; p: string }[]>();
    for (const i of ix.ofKind('Ingress').filter((x) => !isCanaryIngress(x.obj))) {
      for (const q of ingressPaths(i.obj)) m.set(q.host, [...(m.get(q.host) ?? []), { i, p: q.path }]);
    }
    return m;
  });
}

export const nginxReader: TrafficReader = {
  name: 'nginx',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    const out: EntryPoint[] = [];
    for (const ing of ix.ofKind('Ingress').filter((i) => !isCanaryIngress(i.obj))) {
      for (const p of ingressPaths(ing.obj)) {
        const { split, testers } = nginxSplit(ing, p.host, p.path, ix);
        out.push({ obj: ing, host: p.host, path: p.path, split, testers });
      }
    }
    return out;
  },

  /** A call to a host an Ingress serves: the longest matching path wins. */
  resolveCall(ix, call) {
    const ing = longestPrefix(pathsByHost(ix).get(call.host) ?? [], call.path);
    return ing ? nginxSplit(ing.i, call.host, ing.p, ix).split : undefined;
  },
};
