/**
 * Nothing the GitOps engine keeps diffing forever (quant5): the API server stores a resource quantity
 * in canonical form (`0.5` as `500m`, `1.5Gi` as `1536Mi`), so a non-canonical spelling written to
 * dist/ never equals its live copy (argo-cd #21135, #17682). Specs keep what the user wrote; dist/
 * gets the canonical form. A YAML number (`cpu: 1`, `memory: 512`) is the same quantity.
 */
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../lib/manifests/files';
import { canonicalQuantity } from '../lib/spec/quantity';
import { groupFromText, s3Text } from './support/groups';
import { editSpec, find, stateOf, tryLoad } from './support/states';

describe('canonicalQuantity: the form k8s.io/apimachinery stores (quantity.go CanonicalizeBytes, ResourceList rounded up to 1m)', () => {
  test.each([
    // decimal: largest suffix (steps of 1000) with an integer mantissa
    ['0.5', '500m'], ['0.1', '100m'], ['1000m', '1'], ['1500m', '1500m'], ['1.5', '1500m'], ['100m', '100m'],
    ['1', '1'], ['1000', '1k'], ['1500', '1500'], ['1.5k', '1500'], ['1000M', '1G'], ['1000000k', '1G'],
    ['128M', '128M'], ['0.5G', '500M'], ['1000T', '1P'], ['0.0001', '1m'], ['0.0015', '2m'],
    ['0', '0'], ['0m', '0'], ['0.0', '0'], ['007', '7'],
    // binary: steps of 1024; below 1024 or fractional falls back to decimal
    ['100Mi', '100Mi'], ['1.5Gi', '1536Mi'], ['1024Mi', '1Gi'], ['1Ki', '1Ki'], ['0.5Ki', '512'],
    ['1025Ki', '1025Ki'], ['0.9Gi', '966367641600m'], ['2048Ti', '2Pi'], ['0Gi', '0'], ['1.5Ki', '1536'],
  ])('GIVEN %s THEN it is stored as %s', (given, stored) => {
    expect(canonicalQuantity(given)).toBe(stored);
  });

  test.each([
    [1, '1'], [0.5, '500m'], [512, '512'], [2000, '2k'], [0.25, '250m'], [1e-7, '1m'], [1e21, '1000E'],
  ])('GIVEN the YAML number %s THEN it is stored as %s', (given, stored) => {
    expect(canonicalQuantity(given)).toBe(stored);
  });

  test('GIVEN a canonical form THEN canonicalizing it again changes nothing', () => {
    for (const q of ['500m', '1536Mi', '1G', '966367641600m', '1500', '1Ki', '2Pi']) expect(canonicalQuantity(q)).toBe(q);
  });

  test('fails on a value that is not a quantity', () => {
    expect(() => canonicalQuantity('1.5Gb')).toThrow(/^'1\.5Gb' is not a kubernetes quantity: use a number with an optional suffix/);
    expect(() => canonicalQuantity(-1)).toThrow(/'-1' is not a kubernetes quantity/);
  });
});

const GUESTBOOK_RESOURCES = {
  requests: { 'cpu': '0.5', 'memory': '1.5Gi', 'ephemeral-storage': '1000M' },
  limits: { cpu: 1, memory: 536870912 },
};

describe('spec -> dist/: quantities written in canonical form', () => {
  test('GIVEN non-canonical quantities and YAML numbers in a release spec WHEN rendered THEN the Deployment and Redis carry the canonical forms', () => {
    const s = stateOf('guestbook', (doc) => {
      doc.setIn(['workload', 'resources'], doc.createNode(GUESTBOOK_RESOURCES));
      doc.setIn(['workload', 'redis', 'storage'], '1.5Gi');
      doc.setIn(['workload', 'redis', 'resources'], doc.createNode({ requests: { cpu: '0.1', memory: '1024Mi' } }));
    });
    const app = (find(s, 'Deployment', 'guestbook', 'ns-prod') as any).spec.template.spec.containers[0];
    expect(app.resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '1536Mi', 'ephemeral-storage': '1G' },
      limits: { cpu: '1', memory: '536870912' },
    });
    const redis = (find(s, 'StatefulSet', 'redis', 'ns-prod') as any).spec;
    expect(redis.template.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '1Gi' } });
    expect(redis.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1536Mi');
    // the YAML text holds strings, so no engine reads `1` back as a number either
    const yaml = [...s.files.values()].join('\n');
    expect(yaml).toMatch(/cpu: "1"\n/);
    expect(yaml).not.toMatch(/cpu: "?0\.5|1\.5Gi/);
  });

  test('GIVEN the spec keeps what the user wrote WHEN loaded THEN the spec text is unchanged and only the model is canonical', () => {
    const text = editSpec('guestbook', (doc) => doc.setIn(['workload', 'resources'], doc.createNode(GUESTBOOK_RESOURCES)));
    const r = tryLoad('guestbook', text);
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    expect((r.release.source.parsedData as any).workload.resources).toEqual(GUESTBOOK_RESOURCES);
    expect(r.release.model.workload.resources.requests).toEqual({ 'cpu': '500m', 'memory': '1536Mi', 'ephemeral-storage': '1G' });
  });

  test('GIVEN non-canonical quantities in a release group app WHEN loaded THEN its workload model is canonical', () => {
    const g = groupFromText(s3Text([[['apps', 0, 'resources'], { requests: { cpu: '0.25', memory: 1073741824 }, limits: { memory: '2048Mi' } }]]));
    // a plain number is decimal: 2^30 bytes stay 1073741824 (the API server does not switch to Ki..Ei)
    expect(g.apps[0].workload.resources).toEqual({ requests: { cpu: '250m', memory: '1073741824' }, limits: { memory: '2Gi' } });
  });

  test('fails on a negative YAML number as a quantity, naming the field and the fix', () => {
    const r = tryLoad('guestbook', editSpec('guestbook', (doc) => doc.setIn(['workload', 'resources'], doc.createNode({ requests: { cpu: -1 } }))));
    expect('problems' in r && r.problems.join('\n')).toMatch(/releases\/guestbook\.yaml:\d+:\d+: workload\.resources\.requests\.cpu: .*>= 0.*use a Kubernetes quantity such as '100m', '1', '128Mi' or '1Gi'/);
  });

  test('fails on a quantity with a unit Kubernetes does not know, naming the field and the fix', () => {
    const r = tryLoad('guestbook', editSpec('guestbook', (doc) => doc.setIn(['workload', 'resources'], doc.createNode({ limits: { memory: '1.5GB' } }))));
    expect('problems' in r && r.problems.join('\n')).toMatch(/releases\/guestbook\.yaml:\d+:\d+: workload\.resources\.limits\.memory: .*"1\.5GB".*use a Kubernetes quantity such as '100m', '1', '128Mi' or '1Gi'/);
  });

  test('GIVEN the committed dist/ THEN every resource quantity is already in canonical form', () => {
    const tree = readTree(path.resolve(__dirname, '../dist'));
    const seen: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          if (/\.(requests|limits)$/.test(at) && !at.includes('metadata')) seen.push(`${at}.${k}=${String(x)}`);
          walk(x, `${at}.${k}`);
        }
      }
    };
    for (const [file, text] of tree) if (file.endsWith('.yaml')) for (const d of parseAllDocuments(text)) walk(d.toJS(), file);
    expect(seen.length).toBeGreaterThan(10);
    const wrong = seen.filter((s) => { const v = s.slice(s.lastIndexOf('=') + 1); return canonicalQuantity(v) !== v; });
    expect(wrong).toEqual([]);
  });
});
