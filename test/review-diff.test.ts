import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../lib/cli/main';
import { DiffReport, diffTrees, diffValues, ReleaseDiff, renderDiffMarkdown } from '../lib/review/diff';
import { Git, readTreeAt } from '../lib/git';
import { tempRepo } from './support/git';
import { buildGroup } from '../lib/synth/group';
import { renderFolders } from '../lib/synth/build';
import { at, ChangePattern, s3Group } from './support/groups';
import { s1, toFiles } from './support/manifests';
import { bufferIo } from './support/project';
import { stateOf } from './support/states';

/** Runs `cdk8s-canary diff --json` in a repository; returns the exit code and the report. */
async function diffJson(root: string, ...args: string[]): Promise<{ code: number; report?: DiffReport; err: string[] }> {
  const b = bufferIo();
  const code = await run(['node', 'cdk8s-canary', '-C', root, 'diff', ...args, '--json'], b.io);
  return { code, err: b.err, ...(code === 0 ? { report: JSON.parse(b.out.join('\n')) as DiffReport } : {}) };
}

/** A release's part of a report, with nothing left out. */
function only(report: DiffReport | undefined, release: string): ReleaseDiff {
  const r = report?.releases.find((x) => x.release === release);
  if (!r) throw new Error(`no change reported for ${release}: ${JSON.stringify(report)}`);
  return r;
}

/** The S1 guestbook rendered by the real synthesis from releases/guestbook.yaml. */
function guestbook(stable: string, canary?: { version: string; weight: number }): Map<string, string> {
  return stateOf('guestbook', (doc) => {
    doc.setIn(['stable', 'version'], stable);
    if (canary) doc.set('canary', doc.createNode(canary));
  }).files;
}

describe('cdk8s-canary diff between commits of the S1 walk (real synthesis, real git)', () => {
  let repo: ReturnType<typeof tempRepo>;
  const commits: Record<string, string> = {};
  beforeAll(() => {
    // GIVEN a repository with one commit per move: first release, start (0%), step (25%), promote, and an abort branch
    repo = tempRepo();
    const states: [string, Map<string, string>][] = [
      ['first', guestbook('v0')],
      ['start', guestbook('v0', { version: 'v1', weight: 0 })],
      ['step', guestbook('v0', { version: 'v1', weight: 25 })],
      ['promote', guestbook('v1')],
    ];
    for (const [name, files] of states) { repo.writeDist(files); commits[name] = repo.commit(`guestbook: ${name}`); }
  });
  afterAll(() => repo.cleanup());

  test('a step reports exactly the weight move and nothing else', async () => {
    const { code, report } = await diffJson(repo.root, commits.start, commits.step);
    expect(code).toBe(0);
    expect(report!.releases.map((r) => r.release)).toEqual(['guestbook']);
    const r = only(report, 'guestbook');
    expect(r.traffic.map((m) => `${m.host}${m.path} ${m.object}: ${m.text}`)).toEqual([
      'guestbook.example.com/ Ingress ns-prod/guestbook-ingress: guestbook v0 100% / v1 0% -> 75% / 25%',
    ]);
    expect(r.weightFields).toEqual([{
      object: 'Ingress ns-canary/guestbook-canary-ingress', file: 'guestbook/ns-canary/ingress-guestbook-canary-ingress.yaml',
      fields: [{ path: 'metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]', before: '0', after: '25' }],
    }]);
    expect([r.testers, r.versions, r.added, r.removed, r.changed]).toEqual([[], [], [], [], []]);
  });

  test('start reports the objects added and the tester path, with no traffic move', async () => {
    const r = only((await diffJson(repo.root, commits.first, commits.start)).report, 'guestbook');
    expect(r.traffic).toEqual([]);
    expect(r.added.map((o) => `${o.object}${o.runs ? ` (${o.runs})` : ''}`)).toEqual([
      'Deployment ns-canary/guestbook-canary (guestbook v1)', 'Ingress ns-canary/guestbook-canary-ingress', 'Service ns-canary/guestbook-canary',
    ]);
    expect(r.testers).toEqual([
      { change: 'added', entry: 'guestbook.example.com/', path: 'header X-Canary: always -> guestbook v1 100%; redis 7.2-alpine 100%' },
      { change: 'added', entry: 'guestbook.example.com/', path: 'header X-Canary: never -> guestbook v0 100%; redis 7.2-alpine 100%' },
    ]);
    expect([r.removed, r.versions, r.weightFields]).toEqual([[], [], []]);
  });

  test('promote reports the version change of production, the move to 100%, and the canary objects removed', async () => {
    const r = only((await diffJson(repo.root, commits.step, commits.promote)).report, 'guestbook');
    expect(r.traffic.map((m) => m.text)).toEqual(['guestbook v0 75% / v1 25% -> 0% / 100%']);
    expect(r.versions.map((v) => `${v.object}: ${v.summary}`)).toEqual(['Deployment ns-prod/guestbook: v0 -> v1']);
    expect(r.versions[0].fields.map((f) => f.path)).toEqual([
      'metadata.labels.version', 'spec.template.metadata.labels.version', 'spec.template.spec.containers[0].image',
    ]);
    expect(r.removed.map((o) => o.object)).toEqual(['Deployment ns-canary/guestbook-canary', 'Ingress ns-canary/guestbook-canary-ingress', 'Service ns-canary/guestbook-canary']);
    expect(r.testers.map((t) => `${t.change} ${t.path}`)).toEqual([
      'removed header X-Canary: always -> guestbook v1 100%; redis 7.2-alpine 100%',
      'removed header X-Canary: never -> guestbook v0 100%; redis 7.2-alpine 100%',
    ]);
    expect([r.added, r.changed]).toEqual([[], []]);
  });

  test('abort (25% back to the first state) moves traffic back and removes the canary objects', async () => {
    const r = diffTrees(guestbook('v0', { version: 'v1', weight: 25 }), guestbook('v0'))[0];
    expect(r.traffic.map((m) => m.text)).toEqual(['guestbook v0 75% / v1 25% -> 100% / 0%']);
    expect(r.removed.map((o) => o.object)).toEqual(['Deployment ns-canary/guestbook-canary', 'Ingress ns-canary/guestbook-canary-ingress', 'Service ns-canary/guestbook-canary']);
    expect([r.versions, r.added, r.changed]).toEqual([[], [], []]);
  });

  test('the Markdown summary of a step and of a promote', async () => {
    const md = async (a: string, b: string) => {
      const o = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', repo.root, 'diff', a, b], o.io)).toBe(0);
      return o.out.join('\n').replace(/`[0-9a-f]{7,}`/g, '`SHA`');
    };
    const step = await md(commits.start, commits.step);
    expect(step).toContain('- `guestbook.example.com/` (Ingress ns-prod/guestbook-ingress): guestbook v0 100% / v1 0% -> 75% / 25%');
    expect(step).toMatchSnapshot('step');
    expect(await md(commits.step, commits.promote)).toMatchSnapshot('promote');
  });
});

/** The S3 reference group at a stage, rendered by the real group synthesis (weight 30 at stage 3: the demo's 70/30). */
function s3Stage(stage: 1 | 2 | 3 | 4 | 5 | 6, pattern: ChangePattern = 'both'): Map<string, string> {
  return renderFolders(buildGroup(at(s3Group(pattern), stage, 30)), 'releases/frontend-backend.yaml');
}

describe('cdk8s-canary diff between the S3 stages (real group synthesis, real git)', () => {
  let repo: ReturnType<typeof tempRepo>;
  const sha: string[] = [];
  beforeAll(() => {
    // GIVEN one commit per stage 1..6 of releases/frontend-backend.yaml
    repo = tempRepo();
    for (const stage of [1, 2, 3, 4, 5, 6] as const) { repo.writeDist(s3Stage(stage)); sha[stage] = repo.commit(`frontend-backend: stage ${stage}`); }
  });
  afterAll(() => repo.cleanup());
  const between = async (a: number, b: number) => only((await diffJson(repo.root, sha[a], sha[b])).report, 'frontend-backend');
  const moves = (r: ReleaseDiff) => r.traffic.map((m) => `${m.object}: ${m.text}`);

  test('stage 1 -> 2 adds the canaries bottom-up; only B\'s canary Route is a new entry point', async () => {
    const r = await between(1, 2);
    expect(moves(r)).toEqual(['Route backend-main/backend-main-canary: new entry point: backend-main 1.2 100%']);
    expect(r.added.map((o) => `${o.object}${o.runs ? ` (${o.runs})` : ''}`)).toEqual([
      'ConfigMap backend-main/backend-main-canary-config', 'DeploymentConfig backend-main/backend-main-canary (backend-main 1.2)', 'ImageStream backend-main/backend-main-canary',
      'Route backend-main/backend-main-canary', 'Service backend-main/backend-main-canary',
      'ConfigMap frontend-main/frontend-main-canary-config', 'DeploymentConfig frontend-main/frontend-main-canary (frontend-main 1.2)', 'ImageStream frontend-main/frontend-main-canary',
      'Service frontend-main/frontend-main-canary',
    ]);
    expect([r.removed, r.versions, r.changed, r.weightFields]).toEqual([[], [], [], []]);
  });

  test('stage 2 -> 3 is exactly the entry split 70/30, B following F through the ConfigMap URL', async () => {
    const r = await between(2, 3);
    expect(moves(r)).toEqual(['Route frontend-main/frontend-main: frontend-main 1.1 100% / 1.2 0% -> 70% / 30%; backend-main 1.1 100% / 1.2 0% -> 70% / 30%']);
    expect(r.weightFields.flatMap((o) => o.fields.map((f) => f.path))).toEqual(['spec.to.weight', 'spec.alternateBackends']);
    expect([r.added, r.removed, r.versions, r.changed, r.testers]).toEqual([[], [], [], [], []]);
  });

  test('stage 3 -> 4 sends everything to the canaries and upgrades the mains to 1.2', async () => {
    const r = await between(3, 4);
    expect(moves(r)).toEqual([
      'Route frontend-main/frontend-main: frontend-main 1.1 70% / 1.2 30% -> 0% / 100%; backend-main 1.1 70% / 1.2 30% -> 0% / 100%',
      'Route backend-main/backend-main: backend-main 1.1 100% / 1.2 0% -> 0% / 100%',
    ]);
    expect(r.versions.filter((v) => v.summary).map((v) => `${v.object}: ${v.summary}`)).toEqual([
      'DeploymentConfig backend-main/backend-main: 1.1 -> 1.2', 'DeploymentConfig frontend-main/frontend-main: 1.1 -> 1.2',
    ]);
    expect([r.added, r.removed, r.changed]).toEqual([[], [], []]);
  });

  test('stage 4 -> 5 -> 6 switches the Routes back to the upgraded mains and removes the canaries, front first', async () => {
    const r45 = await between(4, 5);
    expect(moves(r45)).toEqual([]);
    expect(r45.removed.map((o) => o.object)).toEqual([
      'ConfigMap frontend-main/frontend-main-canary-config', 'DeploymentConfig frontend-main/frontend-main-canary', 'ImageStream frontend-main/frontend-main-canary', 'Service frontend-main/frontend-main-canary',
    ]);
    const r56 = await between(5, 6);
    expect(moves(r56)).toEqual(['Route backend-main/backend-main-canary: entry point removed (was backend-main 1.2 100%)']);
    expect(r56.removed.map((o) => o.object)).toEqual([
      'ConfigMap backend-main/backend-main-canary-config', 'DeploymentConfig backend-main/backend-main-canary', 'ImageStream backend-main/backend-main-canary',
      'Route backend-main/backend-main-canary', 'Service backend-main/backend-main-canary',
    ]);
    expect([r45.changed, r56.changed, r45.versions, r56.versions]).toEqual([[], [], [], []]);
  });

  test('abort from stage 3 moves the entry back to 1.1 and removes both canaries', () => {
    const [r] = diffTrees(s3Stage(3), s3Stage(1));
    expect(moves(r)).toEqual([
      'Route frontend-main/frontend-main: frontend-main 1.1 70% / 1.2 30% -> 100% / 0%; backend-main 1.1 70% / 1.2 30% -> 100% / 0%',
      'Route backend-main/backend-main-canary: entry point removed (was backend-main 1.2 100%)',
    ]);
    expect(r.removed.length).toBe(9);
  });

  test('the Markdown summary of the promotion stage groups the version labels of the other objects', async () => {
    const o = bufferIo();
    expect(await run(['node', 'cdk8s-canary', '-C', repo.root, 'diff', sha[3], sha[4]], o.io)).toBe(0);
    expect(o.out.join('\n').replace(/`[0-9a-f]{7,}`/g, '`SHA`')).toMatchSnapshot();
  });
});

describe('diff details', () => {
  test('lists of named items are matched by name, so a new env var is one added field', () => {
    const a = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const b = { env: [{ name: 'C', value: '3' }, { name: 'A', value: '1' }, { name: 'B', value: '5' }] };
    expect(diffValues(a, b, [])).toEqual([{ path: 'env[0]', after: { name: 'C', value: '3' } }, { path: 'env[2].value', before: '2', after: '5' }]);
  });

  test('with no arguments: merge base with main -> working tree, and a clean message when nothing changed', async () => {
    // GIVEN main at the first release, a branch that steps the weight in the working tree only
    const repo = tempRepo();
    try {
      repo.writeDist(toFiles(s1({ stable: 'v0', canary: { version: 'v1', weight: 0 } })));
      const base = repo.commit('start');
      repo.git('checkout', '-q', '-b', 'step');
      repo.writeDist(toFiles(s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } })));
      // WHEN diffed with no revisions
      const o = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', repo.root, 'diff'], o.io)).toBe(0);
      // THEN the base is the merge base with main and the head the working tree
      expect(o.out[0]).toBe(`## cdk8s-canary diff: \`${base.slice(0, 7)}\` (merge base with main) -> working tree`);
      expect(o.out.join('\n')).toContain('guestbook v0 100% / v1 0% -> 75% / 25%');
      // AND committed, HEAD against itself says there is no change
      repo.commit('step');
      const same = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', repo.root, 'diff', 'HEAD', 'HEAD'], same.io)).toBe(0);
      expect(same.out.slice(-1)).toEqual(['No change in dist/.']);
    } finally { repo.cleanup(); }
  });

  test('reads a revision of dist/ from a project in a subfolder of the repository', async () => {
    const repo = tempRepo();
    try {
      repo.writeDist(toFiles(s1({ stable: 'v0' })), 'deploy/dist');
      const sha = repo.commit('first');
      const files = await readTreeAt(await Git.open(repo.root), sha, 'deploy/dist');
      expect([...files.keys()]).toContain('guestbook/ns-prod/service-guestbook.yaml');
      expect(files.get('guestbook/ns-prod/service-guestbook.yaml')).toBe(fs.readFileSync(path.join(repo.root, 'deploy/dist/guestbook/ns-prod/service-guestbook.yaml'), 'utf8'));
    } finally { repo.cleanup(); }
  });

  test('a project in a subfolder (-C deploy): diff and traffic --rev read its dist/ from git', async () => {
    // GIVEN a repository whose project lives in deploy/, with a step committed
    const repo = tempRepo();
    try {
      repo.writeDist(toFiles(s1({ stable: 'v0', canary: { version: 'v1', weight: 0 } })), 'deploy/dist');
      repo.commit('start');
      repo.writeDist(toFiles(s1({ stable: 'v0', canary: { version: 'v1', weight: 25 } })), 'deploy/dist');
      repo.commit('step');
      const cwd = path.join(repo.root, 'deploy');
      // WHEN diffed and traffic read at the previous commit
      const d = await diffJson(cwd, 'HEAD~1', 'HEAD');
      const t = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', cwd, 'traffic', 'guestbook', '--rev', 'HEAD~1'], t.io)).toBe(0);
      // THEN the step's move, and the traffic before it
      expect(only(d.report, 'guestbook').traffic.map((m) => m.text)).toEqual(['guestbook v0 100% / v1 0% -> 75% / 25%']);
      expect(t.out[1]).toBe('  users: guestbook v0 100% / v1 0%; redis 7.2-alpine 100%');
    } finally { repo.cleanup(); }
  });

  test('fails with exit code 2 on an unknown revision', async () => {
    const repo = tempRepo();
    try {
      repo.writeDist(toFiles(s1({ stable: 'v0' })));
      repo.commit('first');
      const r = await diffJson(repo.root, 'no-such-branch', 'HEAD');
      expect(r.code).toBe(2);
      expect(r.err).toEqual(["error: unknown revision 'no-such-branch'; name a commit, branch or tag that exists (see git log --oneline)"]);
    } finally { repo.cleanup(); }
  });

  test('fails with exit code 2 when there is no main branch to take the merge base with', async () => {
    const repo = tempRepo();
    try {
      repo.writeDist(toFiles(s1({ stable: 'v0' })));
      repo.commit('first');
      repo.git('checkout', '-q', '-b', 'trunk');
      repo.git('branch', '-q', '-D', 'main');
      const r = await diffJson(repo.root);
      expect(r.code).toBe(2);
      expect(r.err).toEqual(['error: no main branch found (tried main, origin/main, master, origin/master); pass the base revision explicitly, e.g. `npx cdk8s-canary diff origin/main`']);
    } finally { repo.cleanup(); }
  });

  test('fails with exit code 2 outside a git repository', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-nogit-'));
    fs.mkdirSync(path.join(dir, 'releases'));
    try {
      const r = await diffJson(dir, 'HEAD~1', 'HEAD');
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`error: ${dir} is not inside a git repository; run the command in your checkout or pass -C <repository>`]);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test('renders an empty report as one line', () => {
    expect(renderDiffMarkdown({ base: { rev: 'a', label: '`a`' }, head: { rev: null, label: 'working tree' }, releases: [] })).toBe('## cdk8s-canary diff: `a` -> working tree\n\nNo change in dist/.\n');
  });
});

describe('diff of kustomize files and Flux Kustomizations', () => {
  test('a Flux Kustomization is a cluster object; a kustomization.yaml\'s resources list is not reported', () => {
    // GIVEN a tree whose dist/flux root gains a Flux Kustomization (and its kustomization.yaml lists it)
    const flux = (names: string[]) => new Map([
      ['flux/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${names.map((n) => `  - kustomization-${n}.yaml\n`).join('')}`],
      ...names.map((n): [string, string] => [`flux/kustomization-${n}.yaml`, `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${n}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./dist/${n}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: cdk8s-canary\n`]),
    ]);
    // WHEN diffed THEN exactly one object added and nothing else
    const [r] = diffTrees(flux(['a']), flux(['a', 'b']));
    expect(r.added.map((o) => o.object)).toEqual(['Kustomization flux-system/b']);
    expect([r.changed, r.removed]).toEqual([[], []]);
  });
});

describe('diff of the S2 promote (issue 20, item 8): no noise from the tester rule or the checks Job', () => {
  const workshop = (stable: string, canary?: { version: string; weight: number }) => stateOf('workshop', (doc) => {
    doc.setIn(['stable', 'version'], stable);
    if (canary) doc.set('canary', doc.createNode(canary));
  }).files;

  test('GIVEN the canary at 25% WHEN promoted THEN the rule keeps its identity: one weight, the canary backend, the tester rules, and nothing under other changes', () => {
    const [r] = diffTrees(workshop('1.0.0', { version: '1.1.0', weight: 25 }), workshop('1.1.0'));
    expect(r.release).toBe('workshop');
    const fields = r.weightFields.flatMap((o) => o.fields.map((f) => `${o.object} ${f.path} ${f.before === undefined ? 'added' : f.after === undefined ? 'removed' : 'changed'}`));
    expect(fields).toEqual([
      'HTTPRoute workshop/workshop spec.rules[0].backendRefs[0].weight changed',
      'HTTPRoute workshop/workshop spec.rules[0].backendRefs[1] removed',
      'HTTPRoute workshop/workshop spec.rules[0] removed', // the tester rules (header X-Canary: always, and never)
      'HTTPRoute workshop/workshop spec.rules[1] removed',
    ]);
    expect(r.changed).toEqual([]);
    const md = renderDiffMarkdown({ base: { rev: 'a', label: 'a' }, head: { rev: 'b', label: 'b' }, releases: [r] });
    expect(md).toMatch(/^- tester field: HTTPRoute workshop\/workshop `spec\.rules\[0\]` removed \(was {"backendRefs":\[{[^}]*"name":"workshop-canary"/m);
    expect(md).not.toContain('Other changes');
  });

  test('THEN the removed checks Job is named as the smoke checks, not as an app running curl', () => {
    const [r] = diffTrees(workshop('1.0.0', { version: '1.1.0', weight: 25 }), workshop('1.1.0'));
    const job = r.removed.find((o) => o.object.startsWith('Job '));
    expect(job).toEqual({ object: 'Job workshop-canary/workshop-checks-1-1-0', file: 'workshop/workshop-canary-checks/job-workshop-checks-1-1-0.yaml', role: 'smoke checks of workshop' });
    const md = renderDiffMarkdown({ base: { rev: 'a', label: 'a' }, head: { rev: 'b', label: 'b' }, releases: [r] });
    expect(md).toContain('- Job workshop-canary/workshop-checks-1-1-0 (smoke checks of workshop) `workshop/workshop-canary-checks/job-workshop-checks-1-1-0.yaml`');
  });
});
