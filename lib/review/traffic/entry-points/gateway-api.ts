/** Gateway API: each HTTPRoute rule match; matches with headers, query params or a method are tester paths. */
import { at, groupOf, listAt, Located, ObjectIndex, refOf } from '../../../manifests/objects';
import { EntryPoint, Split, TesterSplit, TrafficReader } from './reader';
import { pathMatchText } from './paths';

/** The split of one HTTPRoute rule: `backendRefs` to core Services, share = weight / sum (default weight 1). */
export function httpRouteSplit(ix: ObjectIndex, hr: Located, rule: unknown): Split {
  const ns = hr.obj.metadata.namespace ?? '';
  const refs = listAt(rule, 'backendRefs').filter((b) => ((at(b, 'kind') as string | undefined) ?? 'Service') === 'Service' && ((at(b, 'group') as string | undefined) ?? '') === '');
  const weights = refs.map((b) => (typeof at(b, 'weight') === 'number' ? at(b, 'weight') as number : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (refs.length && sum === 0) notes.push(`${refOf(hr.obj)}: every backend has weight 0, so the Gateway answers 500`);
  const backends = refs.map((b, i) => ({ namespace: (at(b, 'namespace') as string | undefined) ?? ns, name: String(at(b, 'name')), share: sum ? weights[i] / sum : 0, via: refOf(hr.obj) }));
  const objects = [refOf(hr.obj), ...backends.filter((b) => b.namespace !== ns).flatMap((b) => ix.ofKind('ReferenceGrant', b.namespace).map((g) => refOf(g.obj)))];
  return { backends, objects: [...new Set(objects)], notes };
}

export const gatewayApiReader: TrafficReader = {
  name: 'gateway-api',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    const out: EntryPoint[] = [];
    for (const hr of ix.ofKind('HTTPRoute').filter((h) => groupOf(h.obj) === 'gateway.networking.k8s.io')) {
      const host = listAt(hr.obj, 'spec', 'hostnames').map(String).join(',') || '*';
      const plain = new Map<string, Split>();
      const conditional: (TesterSplit & { path: string })[] = [];
      for (const rule of listAt(hr.obj, 'spec', 'rules')) {
        const split = httpRouteSplit(ix, hr, rule);
        const matches = listAt(rule, 'matches');
        for (const m of matches.length ? matches : [{}]) {
          const path = pathMatchText(at(m, 'path', 'type') as string | undefined, at(m, 'path', 'value') as string | undefined);
          const conds = [
            ...listAt(m, 'headers').map((h) => `header ${at(h, 'name')}${at(h, 'type') === 'RegularExpression' ? ` matching /${at(h, 'value')}/` : `: ${at(h, 'value')}`}`),
            ...listAt(m, 'queryParams').map((q) => `query ${at(q, 'name')}=${at(q, 'value')}`),
            ...(typeof at(m, 'method') === 'string' ? [`method ${at(m, 'method')}`] : []),
          ];
          if (conds.length) conditional.push({ path, condition: conds.join(' and '), split });
          else if (!plain.has(path)) plain.set(path, split);
        }
      }
      const paths = [...new Set([...plain.keys(), ...conditional.map((c) => c.path)])];
      for (const path of paths) {
        const split = plain.get(path) ?? { backends: [], objects: [refOf(hr.obj)], notes: ['only requests meeting a tester condition match this path'] };
        out.push({ obj: hr, host, path, split, testers: conditional.filter((c) => c.path === path) });
      }
    }
    return out;
  },
};
