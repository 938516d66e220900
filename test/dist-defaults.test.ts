/**
 * Nothing the GitOps engine keeps diffing forever (issue 13, finding 6): the API server drops empty
 * lists and maps, so an object written with `env: []`, `alternateBackends: []` or `data: {}` never
 * equals its live copy and Argo CD shows it OutOfSync for good (argo-cd #136-style reports). Checked
 * over the committed dist/ and over every state of every reference move sequence.
 */
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../lib/manifests/files';
import { groupSequences, releaseSequences } from './support/move-sequences';

/**
 * Empty maps the API server keeps as they are, because they mean something: a volume's `emptyDir: {}`
 * selects the volume type (its live copy is `emptyDir: {}` too).
 */
const MEANINGFUL_EMPTY = /\.volumes\[\d+\]\.emptyDir$/;

/** Field paths of empty lists and maps in a value. */
function empties(v: unknown, at: string, out: string[]): string[] {
  if (Array.isArray(v)) {
    if (!v.length) out.push(at);
    v.forEach((x, i) => empties(x, `${at}[${i}]`, out));
  } else if (v !== null && typeof v === 'object') {
    const e = Object.entries(v as Record<string, unknown>);
    if (!e.length && !MEANINGFUL_EMPTY.test(at)) out.push(at);
    for (const [k, x] of e) empties(x, at ? `${at}.${k}` : k, out);
  }
  return out;
}

function emptiesOfTree(tree: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of tree) {
    if (!file.endsWith('.yaml')) continue;
    for (const d of parseAllDocuments(text)) {
      const o = d.toJS() as unknown;
      // an empty release folder's kustomization.yaml lists no resources: kustomize's own file, not a cluster object
      if (file.endsWith('kustomization.yaml') && (o as { kind?: string }).kind === 'Kustomization' && String((o as { apiVersion?: string }).apiVersion).startsWith('kustomize.config.k8s.io/')) continue;
      for (const p of empties(o, '', [])) out.push(`${file}: ${p}`);
    }
  }
  return out;
}

describe('no empty list or map anywhere in dist/', () => {
  test('GIVEN the committed dist/ THEN no object holds an empty list or map', () => {
    const tree = readTree(path.resolve(__dirname, '../dist'));
    expect(tree.size).toBeGreaterThan(50);
    expect(emptiesOfTree(tree)).toEqual([]);
  });

  test('GIVEN every state of every reference move sequence THEN no object holds an empty list or map', () => {
    const seqs = [...releaseSequences(), ...groupSequences()];
    const found = new Set<string>();
    for (const s of seqs) for (const t of [s.start, ...s.commits.map((c) => c.tree)]) for (const e of emptiesOfTree(t)) found.add(e);
    expect([...found]).toEqual([]);
  });

  test('GIVEN every HTTPRoute and GRPCRoute of dist/ THEN each backendRef carries the defaults the API server would add (group "", kind Service)', () => {
    const tree = readTree(path.resolve(__dirname, '../dist'));
    const refs: unknown[] = [];
    for (const [file, text] of tree) {
      if (!/^(httproute|grpcroute)-/.test(path.basename(file))) continue;
      const o = parseAllDocuments(text)[0].toJS() as { spec: { rules: { backendRefs?: unknown[] }[] } };
      for (const r of o.spec.rules) refs.push(...(r.backendRefs ?? []));
    }
    expect(refs.length).toBeGreaterThan(4);
    expect(refs.filter((b) => (b as { group?: string }).group !== '' || (b as { kind?: string }).kind !== 'Service')).toEqual([]);
  });

  test('GIVEN an object with env: [] THEN the check finds it (the check can fail)', () => {
    expect(emptiesOfTree(new Map([['a/b/x.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n']]))).toEqual(['a/b/x.yaml: data']);
  });
});
