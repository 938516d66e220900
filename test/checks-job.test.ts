import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CHECK_IMAGE, smokeCheckJobName } from '../lib/checks/job';
import { nonPortableRegex } from '../lib/checks/model';
import { SpecError } from '../lib/spec/errors';
import { loadProject, projectPaths, releaseFolders, synthProject } from '../lib/synth/project';
import { readTree } from '../lib/manifests/files';
import { expectedPrefix } from './support/catalogue-specs';
import { validateTree } from './support/kube-schemas';
import { REPO, tempProject, webappSpec } from './support/project';

/** A release in two namespaces with checks behind the tester header X-Canary; `state` is appended (canary section). */
function shopSpec(state = '', checks = CHECKS): string {
  return webappSpec('shop', `${checks}${state}`, { canaryNamespace: 'shop-canary', router: '  header:\n    name: X-Canary\n' });
}

const CHECKS = `checks:
  - name: health
    path: /healthz
  - name: version
    path: /version
    expectBody: "{{canary.version}}"
    retries: 1
  - name: order
    method: POST
    path: /api/orders?dry-run=true
    headers: { Content-Type: application/json }
    body: '{"item": "it''s"}'
    expectStatus: 201
    expectBodyRegex: '^[{]"id": [0-9]+'
    timeoutSeconds: 3
    retries: 0
`;
const canaryAt = (weight: number, version = '1.1.0') => `canary:\n  version: ${version}\n  weight: ${weight}\n`;

const JOB = 'shop/shop-canary-checks/job-shop-checks-1-1-0.yaml';

describe('smoke-check Job', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p.cleanup());
  const synth = () => { synthProject(projectPaths(p.root)); return readTree(path.join(p.root, 'dist')); };

  test('a release with checks and a running canary gets a PostSync hook Job in its own checks folder, calling the canary Service directly', () => {
    // GIVEN a release with three checks and a canary at 0%
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)) });
    // WHEN synthesized
    const tree = synth();
    // THEN the checks folder next to the canary namespace's folder holds exactly the Job
    expect([...tree.keys()].filter((k) => k.startsWith('shop/shop-canary-checks/'))).toEqual([JOB, 'shop/shop-canary-checks/kustomization.yaml']);
    expect(parse(tree.get('shop/shop-canary-checks/kustomization.yaml')!).resources).toEqual(['job-shop-checks-1-1-0.yaml']);
    const job = parse(tree.get(JOB)!);
    // AND it is an Argo CD PostSync hook, recreated before each run, in the canary namespace, named after the version
    expect(job.metadata).toMatchObject({
      name: 'shop-checks-1-1-0',
      namespace: 'shop-canary',
      annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
    });
    // AND it has a deadline covering every attempt of every check, and no pod retries
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(120 + (3 * 5 + 2 * 2) + (2 * 5 + 1 * 2) + 3);
    // AND its script calls the canary Service by its cluster name, never the router's host
    const script: string = job.spec.template.spec.containers[0].command[2];
    expect(job.spec.template.spec.containers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(script).toContain("BASE='http://shop-canary.shop-canary.svc.cluster.local:8080'");
    expect(script).not.toContain('shop.example.com');
    expect(script).toContain("check 'version' 'GET' '/version' '2' '200' '1.1.0' '' --max-time 5");
    expect(script).toContain(`check 'order' 'POST' '/api/orders?dry-run=true' '1' '201' '' '^[{]"id": [0-9]+' --max-time 3 --request POST --header 'Content-Type: application/json' --data-raw '{"item": "it'\\''s"}'`);
    // AND the image is pinned by tag and digest
    expect(job.spec.template.spec.containers[0].image).toBe(CHECK_IMAGE);
    expect(CHECK_IMAGE).toMatch(/^curlimages\/curl:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    // AND every object passes strict validation, and the folder builds with real kustomize
    expect(validateTree(path.join(p.root, 'dist')).problems).toEqual([]);
    const built = execFileSync('kubectl', ['kustomize', path.join(p.root, 'dist/shop/shop-canary-checks')], { encoding: 'utf8' });
    expect(parse(built).metadata.name).toBe('shop-checks-1-1-0');
  });

  test('the Job meets the restricted Pod Security Standard and no Service selects its pod', () => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)) });
    const tree = synth();
    const job = parse(tree.get(JOB)!);
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    // THEN non-root with a numeric UID, RuntimeDefault seccomp, no token
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC).toBeUndefined();
    // AND the container escalates nothing, holds no capability, writes only to its emptyDir
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(c.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'scratch', emptyDir: { sizeLimit: '16Mi' } }]);
    expect(c.resources.limits.memory).toBe('64Mi');
    // AND the pod labels match no Service selector of the release (it must never receive traffic)
    const services = [...tree.entries()].filter(([k]) => /\/service-[^/]+\.yaml$/.test(k)).map(([, v]) => parse(v));
    expect(services.length).toBe(2);
    const labels: Record<string, string> = job.spec.template.metadata.labels;
    for (const s of services) {
      const sel: Record<string, string> = s.spec.selector;
      expect(Object.entries(sel).every(([k, v]) => labels[k] === v)).toBe(false);
    }
    expect(labels).not.toHaveProperty('app');
    expect(labels).not.toHaveProperty('canary.cdk8s.io/track');
  });

  test('a weight step changes only weight lines: the Job does not depend on the weight', () => {
    // GIVEN dist/ at 0%
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)) });
    const before = synth();
    // WHEN the canary moves to 25%
    p.write('releases/shop.yaml', shopSpec(canaryAt(25)));
    const after = synth();
    // THEN the same files exist, the Job is byte-identical, and every changed line is a weight line
    expect([...after.keys()]).toEqual([...before.keys()]);
    expect(after.get(JOB)).toBe(before.get(JOB));
    const changed: string[] = [];
    for (const [k, v] of after) {
      const old = before.get(k)!.split('\n');
      v.split('\n').forEach((line, i) => { if (line !== old[i]) changed.push(line.trim()); });
    }
    expect(changed).toEqual(['weight: 75', 'weight: 25']);
  });

  test('a new canary version gets a new Job; without a canary the checks folder stays, empty', () => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)) });
    synth();
    // WHEN the canary version changes THEN the old Job is gone and a Job named after the new version exists
    p.write('releases/shop.yaml', shopSpec(canaryAt(0, '1.2.0-rc.1')));
    let tree = synth();
    expect(tree.has(JOB)).toBe(false);
    const job = parse(tree.get('shop/shop-canary-checks/job-shop-checks-1-2-0-rc-1.yaml')!);
    expect(job.spec.template.spec.containers[0].command[2]).toContain("'/version' '2' '200' '1.2.0-rc.1'");
    // WHEN the canary is gone (promoted or aborted) THEN the folder holds an empty kustomization that still builds
    p.write('releases/shop.yaml', shopSpec());
    tree = synth();
    expect([...tree.keys()].filter((k) => k.startsWith('shop/shop-canary-checks/'))).toEqual(['shop/shop-canary-checks/kustomization.yaml']);
    expect(parse(tree.get('shop/shop-canary-checks/kustomization.yaml')!).resources).toEqual([]);
    expect(execFileSync('kubectl', ['kustomize', path.join(p.root, 'dist/shop/shop-canary-checks')], { encoding: 'utf8' }).trim()).toBe('');
  });

  test('a release without checks has no checks folder', () => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(10), '') });
    expect([...synth().keys()].some((k) => k.includes('-checks/'))).toBe(false);
  });

  test('the checks folder says which folder it verifies, so GitOps wiring can gate it', () => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)) });
    const [r] = loadProject(projectPaths(p.root));
    const folders = releaseFolders(r);
    expect(folders.map((f) => [f.path, f.namespace, f.verifies])).toEqual([
      ['shop/shop', 'shop', undefined],
      ['shop/shop-canary', 'shop-canary', undefined],
      ['shop/shop-canary-checks', 'shop-canary', 'shop/shop-canary'],
    ]);
  });

  test('behind an Istio router (one Service for both tracks) the checks get a canary-only Service', () => {
    // GIVEN an Istio release, whose Service selects both tracks, with checks and a canary
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)).replace('  canary: shop-canary\n', '').replace(/router:\n[\s\S]*?(?=checks:)/, 'router:\n  type: istio\n  header:\n    name: X-Canary\n') });
    const ISTIO_JOB = 'shop/shop-checks/job-shop-checks-1-1-0.yaml';
    // WHEN synthesized
    const tree = synth();
    // THEN the checks folder adds a Service selecting only canary pods, and the Job calls it
    expect([...tree.keys()].filter((k) => k.startsWith('shop/shop-checks/'))).toEqual([
      ISTIO_JOB, 'shop/shop-checks/kustomization.yaml', 'shop/shop-checks/service-shop-canary-checks.yaml']);
    const svc = parse(tree.get('shop/shop-checks/service-shop-canary-checks.yaml')!);
    expect(svc.metadata).toMatchObject({ name: 'shop-canary-checks', namespace: 'shop' });
    expect(svc.spec.selector).toEqual({ app: 'shop', 'canary.cdk8s.io/track': 'canary' });
    expect(parse(tree.get(ISTIO_JOB)!).spec.template.spec.containers[0].command[2]).toContain("BASE='http://shop-canary-checks.shop.svc.cluster.local:8080'");
    // AND the Job's pod has no sidecar (a sidecar would keep a finished Job running)
    expect(parse(tree.get(ISTIO_JOB)!).spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/inject': 'false' });
    expect(validateTree(path.join(p.root, 'dist')).problems).toEqual([]);
  });

  test('the Job of the reference release workshop (snapshot)', () => {
    // GIVEN the committed S2 reference release, started at 0% WHEN synthesized THEN the Job is as reviewed
    p = tempProject({ 'releases/workshop.yaml': fs.readFileSync(path.join(REPO, 'releases/workshop.yaml'), 'utf8') + canaryAt(0) });
    const tree = synth();
    expect(tree.get('workshop/workshop-canary-checks/job-workshop-checks-1-1-0.yaml')).toMatchSnapshot();
  });
});

describe('smokeCheckJobName', () => {
  test('carries the version as a DNS-1123 label', () => {
    expect(smokeCheckJobName('shop', '1.1.0')).toBe('shop-checks-1-1-0');
    expect(smokeCheckJobName('shop', 'V2.0_RC.1')).toBe('shop-checks-v2-0-rc-1');
    expect(smokeCheckJobName('shop', '_build-')).toBe('shop-checks-build');
  });

  test('cuts long names to 63 characters and keeps two long versions apart', () => {
    const a = smokeCheckJobName('a-rather-long-release-name', `2024.06.01-${'x'.repeat(40)}-a`);
    const b = smokeCheckJobName('a-rather-long-release-name', `2024.06.01-${'x'.repeat(40)}-b`);
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(a).not.toBe(b);
  });
});

describe('portable regular expressions', () => {
  test.each(['^ok$', '<title>[^<]*Shop[^<]*</title>', 'v[0-9]+\\.[0-9]+', '(a|b){2,3}', '[]x]', 'a\\*?', '^[{]"id"'])('accepts %s', (re) => {
    expect(nonPortableRegex(re)).toBeUndefined();
  });
  test.each([
    ['\\d+', /'\\d' means different things/],
    ['[\\d]', /backslash inside \[\.\.\.\]/],
    ['[[:digit:]]', /POSIX classes/],
    ['(?=x)', /'\(\?' groups/],
    ['a*?', /stacked or lazy quantifier/],
    ['*a', /repeats nothing/],
    ['a{x}', /does not start a repetition/],
    ['[abc', /never closed/],
  ])('fails on %s', (re, why) => {
    expect(nonPortableRegex(re)).toMatch(why);
  });
});

describe('checks in the spec', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p.cleanup());
  const problems = (checks: string): string => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0), checks) });
    try {
      loadProject(projectPaths(p.root));
    } catch (e) {
      if (e instanceof SpecError) return e.message;
      throw e;
    }
    throw new Error('expected the spec to be rejected');
  };
  /** `releases/shop.yaml:LINE:COL: FIELD:` of the first `find` in the spec `problems` wrote last. */
  const at = (find: string, field: string): string => expectedPrefix(p.root, { file: 'releases/shop.yaml', find, field });

  test('fails on an unknown placeholder', () => {
    const msg = problems('checks:\n  - name: v\n    path: /version\n    expectBody: "{{canary.tag}}"\n');
    expect(msg).toBe(`${at('"{{canary.tag}}"', 'checks[0].expectBody')} unknown placeholder \'{{canary.tag}}\' (got "{{canary.tag}}"); use one of {{canary.version}}, {{stable.version}}`);
  });

  test('fails on a regular expression grep -E and JavaScript read differently', () => {
    const msg = problems('checks:\n  - name: v\n    path: /version\n    expectBodyRegex: "\\\\d+"\n');
    const prefix = at('"\\\\d+"', 'checks[0].expectBodyRegex');
    expect(msg.slice(0, prefix.length)).toBe(prefix);
    expect(msg).toMatch(/^[^ ]+ checks\[0\]\.expectBodyRegex: regular expression is not portable: '\\d' means different things to grep -E and JavaScript \(got "\\\\d\+"\); write it in the subset .* \[0-9\] instead of \\d/);
  });

  test('fails on a credential in a header, without printing it', () => {
    const msg = problems('checks:\n  - name: v\n    path: /\n    headers:\n      Authorization: Bearer abc123\n');
    const prefix = at('Authorization:', 'checks[0].headers.Authorization');
    expect(msg.slice(0, prefix.length)).toBe(prefix);
    expect(msg).toMatch(/^[^ ]+ checks\[0\]\.headers\.Authorization: header 'Authorization' carries a credential, which would be written into dist\/ in plain text \(got "<hidden>"\); check an endpoint that needs no credentials, or pass the header from CI: `npx cdk8s-canary verify RELEASE --url BASE --header 'Authorization: \.\.\.'`$/);
    expect(msg).not.toContain('abc123');
  });

  test('fails on a body expectation for HEAD', () => {
    expect(problems('checks:\n  - name: v\n    method: HEAD\n    path: /\n    expectBody: ok\n'))
      .toMatch(/checks\[0\]\.method: an answer to HEAD has no body to match expectBody or expectBodyRegex against \(got "HEAD"\); use GET, or remove the body expectation/);
  });

  test('fails on a multi-line expected body and a header value with a line break', () => {
    const msg = problems('checks:\n  - name: v\n    path: /\n    expectBody: "a\\nb"\n    headers:\n      X-A: "1\\r\\n2"\n');
    expect(msg).toMatch(/checks\[0\]\.expectBody: .*use a single-line substring; match across lines with two checks/);
    expect(msg).toMatch(/checks\[0\]\.headers\.X-A: .*use a single-line header value/);
  });

  test('fails on duplicate check names', () => {
    expect(problems('checks:\n  - name: v\n    path: /\n  - name: v\n    path: /x\n')).toMatch(/checks\[1\]\.name: duplicate check name 'v' \(got "v"\); give every check a unique name/);
  });

  test('fails when the production namespace is named like the checks folder', () => {
    p = tempProject({ 'releases/shop.yaml': shopSpec(canaryAt(0)).replace('production: shop', 'production: shop-canary-checks') });
    expect(() => loadProject(projectPaths(p.root))).toThrow(/namespaces\.production: the production namespace has the name of the canary's checks folder 'shop-canary-checks'.*; rename one of the two namespaces/);
  });
});
