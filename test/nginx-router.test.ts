/**
 * The NGINX router's options and its rules from ingress-nginx: annotation values are strings, no
 * `canary: "false"`, one canary Ingress per host/path, only canary/load-balancing/affinity
 * annotations on the canary Ingress. States are built from releases/guestbook.yaml.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Document } from 'yaml';
import { SpecError } from '../lib/spec/errors';
import { projectPaths, synthProject } from '../lib/synth/project';
import { validateObject } from './support/kube-schemas';
import { podSpecOf, restrictedViolations } from './support/pod-security';
import { editSpec, find, stateOf, tryLoad } from './support/states';

const A = 'nginx.ingress.kubernetes.io';
const withCanary = (weight: number) => (doc: Document) => { doc.set('canary', doc.createNode({ version: 'v1', weight })); };
const setRouter = (field: string, value: unknown) => (doc: Document) => { doc.setIn(['router', field], doc.createNode(value)); };
const both = (...edits: ((d: Document) => void)[]) => (d: Document) => edits.forEach((e) => e(d));
const canaryAnnotations = (edit: (d: Document) => void) => find(stateOf('guestbook', both(withCanary(10), edit)), 'Ingress', 'guestbook-canary-ingress').metadata.annotations;
/** The problems of the guestbook spec after an edit (formatted `FILE:LINE:COL path: message (value); hint`). */
const problemsOf = (edit: (d: Document) => void): string[] => {
  const r = tryLoad('guestbook', editSpec('guestbook', both(withCanary(10), edit)));
  return 'problems' in r ? r.problems : [];
};

describe('NGINX router options', () => {
  test('a finer weight total adds canary-weight-total as a string', () => {
    // GIVEN weightTotal 1000 and a canary at 5 (0.5%)
    const a = canaryAnnotations(both((d) => d.set('weightTotal', 1000), (d) => d.set('steps', d.createNode([0, 5, 250, 1000])), withCanary(5)));
    // THEN both annotations are strings
    expect(a?.[`${A}/canary-weight`]).toBe('5');
    expect(a?.[`${A}/canary-weight-total`]).toBe('1000');
  });

  test('with weightTotal 100 there is no canary-weight-total', () => {
    expect(Object.keys(canaryAnnotations(() => undefined) ?? {})).not.toContain(`${A}/canary-weight-total`);
  });

  test('a header value becomes canary-by-header-value, a pattern canary-by-header-pattern', () => {
    expect(canaryAnnotations(setRouter('header', { name: 'X-Tester', value: 'qa' }))).toMatchObject({ [`${A}/canary-by-header`]: 'X-Tester', [`${A}/canary-by-header-value`]: 'qa' });
    const p = canaryAnnotations(setRouter('header', { name: 'X-Tester', pattern: '^(alice|bob)$' }));
    expect(p).toMatchObject({ [`${A}/canary-by-header`]: 'X-Tester', [`${A}/canary-by-header-pattern`]: '^(alice|bob)$' });
    expect(Object.keys(p ?? {})).not.toContain(`${A}/canary-by-header-value`);
  });

  test('a cookie becomes canary-by-cookie', () => {
    expect(canaryAnnotations(setRouter('cookie', 'canary_tester'))?.[`${A}/canary-by-cookie`]).toBe('canary_tester');
  });

  test('affinity and load-balancing annotations are allowed on the canary Ingress, and so are other tools\' annotations', () => {
    const a = canaryAnnotations(setRouter('canaryAnnotations', { [`${A}/affinity`]: 'cookie', [`${A}/session-cookie-name`]: 'gb', [`${A}/load-balance`]: 'ewma', 'example.com/owner': 'team-a' }));
    expect(a).toEqual({
      [`${A}/affinity`]: 'cookie', [`${A}/canary`]: 'true', [`${A}/canary-by-header`]: 'X-Canary', [`${A}/canary-weight`]: '10',
      [`${A}/load-balance`]: 'ewma', [`${A}/session-cookie-name`]: 'gb', 'example.com/owner': 'team-a',
      'argocd.argoproj.io/sync-wave': '3', // routes after the Services they reference (lib/gitops/sync-waves.ts)
    });
  });

  test('production annotations and TLS go on the production Ingress only', () => {
    const s = stateOf('guestbook', both(withCanary(10), setRouter('annotations', { [`${A}/proxy-body-size`]: '8m' }), setRouter('tlsSecretName', 'guestbook-tls'), (d) => d.set('existingSecrets', d.createNode([{ name: 'guestbook-tls' }]))));
    const prod = find(s, 'Ingress', 'guestbook-ingress') as any;
    const canary = find(s, 'Ingress', 'guestbook-canary-ingress') as any;
    expect(prod.metadata.annotations).toEqual({ [`${A}/proxy-body-size`]: '8m', 'argocd.argoproj.io/sync-wave': '3' });
    expect(prod.spec.tls).toEqual([{ hosts: ['guestbook.example.com'], secretName: 'guestbook-tls' }]);
    expect(canary.spec.tls).toBeUndefined();
    expect(canary.metadata.annotations[`${A}/proxy-body-size`]).toBeUndefined();
    expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
  });

  test('a custom path, path type and ingress class apply to both Ingresses', () => {
    const s = stateOf('guestbook', both(withCanary(10), setRouter('path', '/guestbook'), setRouter('pathType', 'Exact'), setRouter('ingressClassName', 'nginx-public')));
    for (const name of ['guestbook-ingress', 'guestbook-canary-ingress']) {
      const spec = (find(s, 'Ingress', name) as any).spec;
      expect(spec.ingressClassName).toBe('nginx-public');
      expect(spec.rules[0].http.paths[0]).toMatchObject({ path: '/guestbook', pathType: 'Exact' });
    }
  });

  test('every annotation value in every rendering is a string', () => {
    const s = stateOf('guestbook', both((d) => d.set('weightTotal', 1000), (d) => d.set('steps', d.createNode([0, 5, 1000])), withCanary(5)));
    for (const o of s.objects) for (const v of Object.values(o.metadata.annotations ?? {})) expect(typeof v).toBe('string');
  });
});

describe('NGINX router failures', () => {
  test('fails when the canary annotations hold one ingress-nginx ignores on a canary ingress', () => {
    const p = problemsOf(setRouter('canaryAnnotations', { [`${A}/rewrite-target`]: '/' }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^releases\/guestbook\.yaml:\d+:\d+: router\.canaryAnnotations\["nginx\.ingress\.kubernetes\.io\/rewrite-target"\]: ingress-nginx ignores this annotation on a canary ingress .*; move it to router\.annotations/);
  });

  test('fails when the canary annotations set a canary annotation the spec generates', () => {
    expect(problemsOf(setRouter('canaryAnnotations', { [`${A}/canary-weight`]: '10' }))).toEqual([
      expect.stringMatching(/router\.canaryAnnotations\["nginx\.ingress\.kubernetes\.io\/canary-weight"\]: this canary annotation is generated from the spec .*; remove it and set canary\.weight$/),
    ]);
    expect(problemsOf(setRouter('canaryAnnotations', { [`${A}/canary-by-header`]: 'X-A' }))[0]).toMatch(/remove it and set router\.header\.name$/);
  });

  test('fails when the production annotations carry a canary annotation (canary: "false" included)', () => {
    const p = problemsOf(setRouter('annotations', { [`${A}/canary`]: 'false' }));
    expect(p).toEqual([expect.stringMatching(/router\.annotations\["nginx\.ingress\.kubernetes\.io\/canary"\]: canary annotations are not allowed on the production ingress .*; remove it/)]);
  });

  test('fails when an annotation value is not a string', () => {
    const p = problemsOf(setRouter('annotations', { [`${A}/proxy-body-size`]: 10 }));
    expect(p.join('\n')).toMatch(/router\.annotations\["nginx\.ingress\.kubernetes\.io\/proxy-body-size"\]:.*string/);
  });

  test('fails when the header has both a value and a pattern', () => {
    expect(problemsOf(setRouter('header', { name: 'X-Canary', value: 'qa', pattern: '^qa$' }))).toEqual([
      expect.stringMatching(/^releases\/guestbook\.yaml:\d+:\d+: router\.header: header has both value and pattern; keep one of value or pattern$/),
    ]);
  });

  test('fails when the header value holds characters ingress-nginx rejects', () => {
    expect(problemsOf(setRouter('header', { name: 'X-Canary', value: 'qa team' }))).toEqual([
      expect.stringMatching(/router\.header\.value: ingress-nginx rejects this canary-by-header-value \(got "qa team"\); use letters/),
    ]);
  });

  test('fails when the header pattern holds characters ingress-nginx rejects or does not compile', () => {
    expect(problemsOf(setRouter('header', { name: 'X-Canary', pattern: '^qa;drop$' }))[0]).toMatch(/router\.header\.pattern: ingress-nginx rejects this canary-by-header-pattern \(character not allowed\) \(got "\^qa;drop\$"\)/);
    expect(problemsOf(setRouter('header', { name: 'X-Canary', pattern: '(qa' }))[0]).toMatch(/router\.header\.pattern: canary-by-header-pattern is not a valid regular expression \(got "\(qa"\)/);
  });

  test('fails when the header name holds characters ingress-nginx rejects', () => {
    expect(problemsOf(setRouter('header', { name: 'X-Canary!' }))[0]).toMatch(/router\.header\.name: ingress-nginx rejects this canary-by-header name \(got "X-Canary!"\)/);
  });

  test('fails when both Ingresses would have the same name in the same namespace', () => {
    const p = problemsOf(both((d) => d.setIn(['namespaces', 'canary'], 'ns-prod'), setRouter('canaryIngressName', 'guestbook-ingress')));
    expect(p).toEqual([expect.stringMatching(/router\.canaryIngressName: the production and the canary ingress have the same name in the same namespace \(got "guestbook-ingress"\)/)]);
  });

  test('fails with every problem at once and writes nothing', () => {
    // GIVEN a project whose guestbook spec has two router problems
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1-nginx-'));
    try {
      fs.mkdirSync(path.join(dir, 'releases'));
      fs.writeFileSync(path.join(dir, 'releases/guestbook.yaml'), editSpec('guestbook', both(withCanary(10),
        setRouter('canaryAnnotations', { [`${A}/rewrite-target`]: '/' }), setRouter('annotations', { [`${A}/canary-weight`]: '5' }))));
      // WHEN synthesized THEN a SpecError lists both and no dist/ appears
      let err: unknown;
      try { synthProject(projectPaths(dir)); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).problems.map((p) => p.path).sort()).toEqual([
        'router.annotations["nginx.ingress.kubernetes.io/canary-weight"]', 'router.canaryAnnotations["nginx.ingress.kubernetes.io/rewrite-target"]',
      ]);
      expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('test support', () => {
  test('the restricted pod security check is not vacuous: a root, privileged pod fails it', () => {
    const pod = { securityContext: { runAsUser: 0 }, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'c', securityContext: { privileged: true } }] };
    expect(restrictedViolations(pod)).toEqual(expect.arrayContaining(['pod runAsUser 0', 'volume h of type hostPath', 'c: privileged', 'c: runAsNonRoot is not true', 'c: capabilities do not drop ALL']));
    expect(podSpecOf({ kind: 'Service' })).toBeUndefined();
  });
});
