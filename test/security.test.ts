import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { GITOPS_ROOTS } from '../lib/gitops/layout';
import { loadGroup, loadRelease } from '../lib/spec/loader';
import { readTree } from '../lib/manifests/files';
import { beginTree, safeRelativePath } from '../lib/synth/write';
import { cli, git, repoState, tempRepo } from './support/cli-repo';
import { podSpecsIn, podViolations, restrictedViolations } from './support/pod-security';
import { REPO, webappSpec } from './support/project';

/** Every object of a dist tree (path -> YAML), with the release (first path segment) it belongs to. */
function objectsOf(files: ReadonlyMap<string, string>): { file: string; release: string; obj: any }[] {
  const out: { file: string; release: string; obj: any }[] = [];
  for (const [file, text] of files) {
    if (file.endsWith('kustomization.yaml')) continue;
    for (const d of parseAllDocuments(text, { version: '1.1' }) as any[]) out.push({ file, release: file.split('/')[0], obj: d.toJS() });
  }
  return out;
}

/**
 * The pod security profile the spec of a dist file asks for (restricted unless it says baseline):
 * the release's, or for a release group the profile of the app whose project is the folder.
 */
function profileOf(specsDir: string, distFile: string): 'restricted' | 'baseline' {
  const [name, folder] = distFile.split('/');
  if (GITOPS_ROOTS.includes(name)) return 'restricted'; // dist/argocd, dist/flux: no spec relaxes them
  const file = ['yaml', 'yml'].map((e) => path.join(specsDir, `${name}.${e}`)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no spec for dist folder ${name}`);
  const options = { relativeTo: path.dirname(specsDir) };
  if (/^kind: ReleaseGroup$/m.test(fs.readFileSync(file, 'utf8'))) {
    const app = loadGroup(file, options).model.apps.find((a) => a.project === folder);
    return app?.workload.podSecurity.profile ?? 'restricted';
  }
  return loadRelease(file, options).model.workload.podSecurity.profile;
}

/** Pod-security violations of every pod template in a dist tree, judged by each release's profile. */
function podSecurityReport(files: ReadonlyMap<string, string>, specsDir: string): { checked: number; violations: string[]; baselinePods: number; kinds: string[] } {
  const kinds = new Set<string>();
  let checked = 0;
  let baselinePods = 0;
  const violations: string[] = [];
  for (const { file, obj } of objectsOf(files)) {
    const profile = profileOf(specsDir, file);
    if (obj.kind === 'Namespace') {
      const level = obj.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      if (level !== profile) violations.push(`${file}: namespace enforces ${level}, the spec asks for ${profile}`);
    }
    for (const p of podSpecsIn(obj)) {
      checked++;
      kinds.add(obj.kind);
      if (profile === 'baseline') baselinePods++;
      const v = podViolations(profile, p.spec, p.annotations);
      for (const x of v) violations.push(`${file} ${p.where} (${profile}): ${x}`);
    }
  }
  return { checked, violations, baselinePods, kinds: [...kinds].sort() };
}

/** Values that must never be in dist/ or in a commit: Secret objects, inlined secret-looking env values, known secret formats. */
function secretLeaks(text: string, where: string): string[] {
  const out: string[] = [];
  if (/^kind: Secret$/m.test(text)) out.push(`${where}: a Secret object`);
  if (/^\s*(stringData):/m.test(text)) out.push(`${where}: stringData`);
  for (const m of text.matchAll(/- name: (\S*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)\S*)\n\s+value: /gi)) out.push(`${where}: env ${m[1]} has an inlined value`);
  const formats: [string, RegExp][] = [['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/], ['AWS key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/], ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}/],
    ['JWT', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./], ['password in a URL', /[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i]];
  for (const [what, re] of formats) if (re.test(text)) out.push(`${where}: ${what}`);
  return out;
}

describe('restricted pod security of every generated pod', () => {
  test('every pod template in the committed dist/ meets the restricted standard, unless its spec says baseline', () => {
    // GIVEN the committed dist/ (tracked files only: what Argo CD and Flux read)
    const tracked = execFileSync('git', ['ls-files', '-z', 'dist'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter((f) => f.endsWith('.yaml'));
    const files = new Map(tracked.map((f) => [f.replace(/^dist\//, ''), fs.readFileSync(path.join(REPO, f), 'utf8')]));
    // WHEN every pod template (Deployments, StatefulSets, Jobs, DeploymentConfigs, Templates' objects) is checked
    const r = podSecurityReport(files, path.join(REPO, 'releases'));
    // THEN there are pods to check, and none breaks its profile; namespaces enforce the same profile
    expect(r.checked).toBeGreaterThanOrEqual(5);
    expect(r.kinds).toEqual(expect.arrayContaining(['Deployment', 'StatefulSet', 'DeploymentConfig', 'Template']));
    expect(r.violations).toEqual([]);
  });

  test('also across the code paths the committed releases do not take: baseline, guestbook, NGINX, Istio, canaries running', () => {
    // GIVEN the committed releases with a canary running, plus relaxed (baseline) variants
    const p = tempRepo();
    try {
      for (const f of fs.readdirSync(path.join(REPO, 'releases'))) {
        const doc = parseDocument(fs.readFileSync(path.join(REPO, 'releases', f), 'utf8'));
        if (doc.get('kind') === 'Release' && !doc.has('canary')) {
          const steps = (doc.toJS().steps ?? [0, 25, 100]).map((x: any) => (typeof x === 'number' ? x : x.weight));
          doc.set('canary', doc.createNode({ version: `${doc.getIn(['stable', 'version'])}-rc1`, weight: steps[1] ?? steps[0] }));
        }
        if (doc.get('kind') === 'ReleaseGroup') doc.set('stage', 2); // every app's canary deployed
        p.write(`releases/${f}`, doc.toString());
      }
      fs.cpSync(path.join(REPO, 'test/fixtures'), path.join(p.root, 'test/fixtures'), { recursive: true }); // manifests folders the releases name
      p.write('releases/relaxed.yaml', webappSpec('relaxed', 'canary:\n  version: 1.1.0\n  weight: 10\n').replace('  port: 8080\n', '  port: 8080\n  podSecurity:\n    profile: baseline\n'));
      // WHEN synthesized
      const s = cli(p.root, ['synth']);
      expect({ status: s.status, stderr: s.stderr }).toEqual({ status: 0, stderr: '' });
      const r = podSecurityReport(readTree(path.join(p.root, 'dist')), path.join(p.root, 'releases'));
      // THEN every pod meets its profile, and the baseline release really is relaxed (the checker can tell)
      expect(r.violations).toEqual([]);
      expect(r.baselinePods).toBe(2);
      const relaxed = objectsOf(readTree(path.join(p.root, 'dist/relaxed'))).flatMap((o) => podSpecsIn(o.obj));
      expect(relaxed.map((x) => restrictedViolations(x.spec))).toEqual([['app: runAsNonRoot is not true'], ['app: runAsNonRoot is not true']]);
    } finally {
      p.cleanup();
    }
  });

  test('the checker catches each restricted rule (so the tests above can fail)', () => {
    const good = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
    expect(restrictedViolations(good)).toEqual([]);
    const bad = (f: (p: any) => void) => { const p = JSON.parse(JSON.stringify(good)); f(p); return restrictedViolations(p); };
    expect(bad((p) => { delete p.securityContext.runAsNonRoot; })).toEqual(['app: runAsNonRoot is not true']);
    expect(bad((p) => { p.containers[0].securityContext.allowPrivilegeEscalation = true; })).toEqual(['app: allowPrivilegeEscalation is not false']);
    expect(bad((p) => { p.containers[0].securityContext.capabilities.drop = ['NET_RAW']; })).toEqual(['app: capabilities do not drop ALL']);
    expect(bad((p) => { delete p.securityContext.seccompProfile; })).toEqual(['app: seccompProfile undefined']);
    expect(bad((p) => { p.initContainers = [{ name: 'init' }]; })).toEqual(['init: allowPrivilegeEscalation is not false', 'init: capabilities do not drop ALL']);
    expect(bad((p) => { p.volumes = [{ name: 'h', hostPath: { path: '/' } }]; })).toEqual(['volume h is a hostPath', 'volume h of type hostPath']);
    expect(podSpecsIn({ kind: 'Template', metadata: { name: 't' }, objects: [{ kind: 'DeploymentConfig', metadata: { name: 'd' }, spec: { template: { spec: good } } }] })).toHaveLength(1);
    expect(podSpecsIn({ kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: good } } } } })).toHaveLength(1);
  });
});

describe('secrets are referenced, never inlined', () => {
  test('the committed dist/ and every commit that touched it hold no secret value', () => {
    const tracked = execFileSync('git', ['ls-files', '-z', 'dist'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    const leaks = tracked.flatMap((f) => secretLeaks(fs.readFileSync(path.join(REPO, f), 'utf8'), f));
    const history = execFileSync('git', ['log', '-p', '--format=commit %H', '--', 'dist'], { cwd: REPO, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const added = history.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1)).join('\n');
    expect([...leaks, ...secretLeaks(added, 'git history of dist/')]).toEqual([]);
  });

  test('a Secret reference reaches the pods as secretKeyRef only; the secret value appears nowhere', () => {
    // GIVEN a release whose DB password lives in an existing Secret (its value known only to the cluster, here to the test)
    const value = 'Zq8-never-in-git-4471';
    const spec = webappSpec('shop', 'existingSecrets:\n  - name: shop-db\n    keys: [password]\n')
      .replace('  port: 8080\n', '  port: 8080\n  env:\n    - name: DB_PASSWORD\n      secretKeyRef: { name: shop-db, key: password }\n');
    const p = tempRepo({ 'releases/shop.yaml': spec, 'cluster-secret.env': `password=${value}\n` });
    try {
      // WHEN synthesized
      expect(cli(p.root, ['synth']).status).toBe(0);
      const dist = readTree(path.join(p.root, 'dist'));
      const all = [...dist.values()].join('\n');
      // THEN the Deployment reads it from the Secret, and neither the value nor a Secret object is in dist/
      const dep = objectsOf(dist).find((o) => o.obj.kind === 'Deployment')!.obj;
      expect(dep.spec.template.spec.containers[0].env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } });
      expect(all).not.toContain(value);
      expect([...dist].flatMap(([f, t]) => secretLeaks(t, f))).toEqual([]);
    } finally {
      p.cleanup();
    }
  });

  const SECRET = 'postgres://app:Hunter2-db-pass@db.internal:5432/app';
  test.each([
    ['an env value', (s: string) => s.replace('  port: 8080\n', `  port: 8080\n  env:\n    - name: DATABASE_URL\n      value: "${SECRET}"\n`), 'workload.env[0].value'],
    ['config data', (s: string) => s.replace('  port: 8080\n', `  port: 8080\n  config:\n    DATABASE_URL: "${SECRET}"\n`), 'workload.config.DATABASE_URL'],
    ['a label', (s: string) => s.replace('  port: 8080\n', '  port: 8080\n  labels:\n    token: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n'), 'workload.labels.token'],
    ['a router option', (s: string) => s.replace(/  hostnames:\n    - .*\n/, '  hostnames: ["AKIAABCDEFGHIJKLMNOP.example.com"]\n'), 'router.hostnames[0]'],
  ])('fails when a secret value is put in %s: refused, hidden in the message, nothing written', (_where, edit, field) => {
    const p = tempRepo({ 'releases/shop.yaml': webappSpec('shop') });
    try {
      expect(cli(p.root, ['synth']).status).toBe(0);
      git(p.root, 'add', '-A');
      git(p.root, 'commit', '-qm', 'synth');
      p.write('releases/shop.yaml', edit(webappSpec('shop')));
      const before = repoState(p.root);
      const r = cli(p.root, ['synth']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`releases/shop\\.yaml:\\d+:\\d+: ${field.replace(/[.[\]]/g, '\\$&')}: `));
      expect(r.stderr).not.toMatch(/Hunter2|ghp_abc|AKIAABC/);
      expect(repoState(p.root)).toEqual(before);
    } finally {
      p.cleanup();
    }
  });
});

describe('paths from specs cannot escape the repository', () => {
  test('generated paths are checked before anything is written', () => {
    for (const bad of ['../x.yaml', 'a/../../x.yaml', '/etc/passwd', 'a//b.yaml', './a.yaml', 'a\\b.yaml', '']) {
      expect(() => safeRelativePath(bad)).toThrow(/generated paths must stay inside the output folder/);
    }
    expect(safeRelativePath('shop/ns/deployment-shop.yaml')).toBe(path.join('shop', 'ns', 'deployment-shop.yaml'));
  });

  test('a tree write asked to leave its folder fails and leaves the target and its parent as they were', () => {
    const p = tempRepo();
    try {
      const target = path.join(p.root, 'dist');
      const w0 = beginTree(target);
      w0.add('a/ok.yaml', 'old');
      w0.commit();
      const w = beginTree(target);
      w.add('a/ok.yaml', 'new');
      expect(() => w.add('../escaped.yaml', 'x')).toThrow(/refusing to write/);
      w.abort();
      expect(readTree(target)).toEqual(new Map([['a/ok.yaml', 'old']]));
      expect(fs.readdirSync(p.root).sort()).toEqual(['.git', 'dist', 'releases']);
    } finally {
      p.cleanup();
    }
  });

  test('GIVEN a tree being written over an old one THEN read gives the files added (staged or unchanged), not those of the old tree going away', () => {
    const p = tempRepo();
    try {
      const target = path.join(p.root, 'dist');
      const w0 = beginTree(target);
      w0.add('a/kept.yaml', 'same');
      w0.add('a/gone.yaml', 'old');
      w0.commit();
      const w = beginTree(target);
      w.add('a/kept.yaml', 'same');
      w.add('a/new.yaml', 'new');
      expect([w.read('a/kept.yaml'), w.read('a/new.yaml'), w.read('a/gone.yaml')]).toEqual(['same', 'new', undefined]);
      w.commit();
      expect(readTree(target)).toEqual(new Map([['a/kept.yaml', 'same'], ['a/new.yaml', 'new']]));
    } finally {
      p.cleanup();
    }
  });
});
