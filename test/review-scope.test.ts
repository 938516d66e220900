/**
 * `diff` and `traffic NAME` read only the folders a change touched and those connected to them
 * (lib/review/scope.ts). Their reports must equal those computed from every file of both
 * revisions: checked on the reference releases (NGINX, Gateway API, Istio, OpenShift, the S3 group)
 * over real moves, and on a caller in another release that sees the change only through its calls.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readTreeAt } from '../lib/git';
import { Git } from '../lib/git';
import { objectsOfTree } from '../lib/manifests/tree';
import { diffTrees } from '../lib/review/diff';
import { diffRevisions, trafficAtRevision } from '../lib/review/revisions';
import { diffScope } from '../lib/review/scope';
import { computeTraffic, entriesOf } from '../lib/review/traffic/graph';
import { readTree } from '../lib/manifests/files';
import { git, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { REPO } from './support/project';

const specsOf = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((f) => [`releases/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]));

/** Every file of dist/ at a revision (or the working tree). */
async function fullDist(root: string, rev?: string): Promise<Map<string, string>> {
  if (rev === undefined) return readTree(path.join(root, 'dist'));
  const g = await Git.open(root);
  return readTreeAt(g, rev, 'dist');
}

describe('diff and traffic read only what a change touches, and say the same', () => {
  const repo = tempRepo({ ...specsOf(path.join(REPO, 'releases')), ...(fs.existsSync(path.join(REPO, 'cdk8s-canary.yaml')) ? { 'cdk8s-canary.yaml': fs.readFileSync(path.join(REPO, 'cdk8s-canary.yaml'), 'utf8') } : {}) });
  const commits: string[] = [];
  beforeAll(async () => {
    // GIVEN the reference releases (and the manifests folders they name) synthesized and committed, then one move of each that can move
    // (in-process: the commands are the set-up here, not the subject)
    fs.cpSync(path.join(REPO, 'test/fixtures'), path.join(repo.root, 'test/fixtures'), { recursive: true });
    expect((await runCli(repo.root, ['synth'])).status).toBe(0);
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-qm', 'synth');
    commits.push(git(repo.root, 'rev-parse', 'HEAD').trim());
    for (const f of fs.readdirSync(path.join(repo.root, 'releases'))) {
      const name = f.replace(/\.ya?ml$/, '');
      for (const args of [['step', name], ['next', name]]) {
        if ((await runCli(repo.root, args)).status === 0) { commits.push(git(repo.root, 'rev-parse', 'HEAD').trim()); break; }
      }
    }
    expect(commits.length).toBeGreaterThan(3);
  }, 300000);
  afterAll(() => repo.cleanup());

  test('the diff of every move, and of all moves at once, equals the diff of the whole trees', async () => {
    const pairs = [...commits.slice(1).map((c, i) => [commits[i], c]), [commits[0], commits[commits.length - 1]]];
    for (const [base, head] of pairs) {
      const scoped = await diffRevisions(repo.root, { base, head, dist: 'dist' });
      const full = diffTrees(await fullDist(repo.root, base), await fullDist(repo.root, head));
      expect(scoped.releases).toEqual(full);
      expect(full.length).toBeGreaterThan(0);
    }
  });

  test('reads fewer folders than dist/ holds', async () => {
    const s = await diffScope(await Git.open(repo.root), 'dist', commits[0], commits[1]);
    const all = new Set([...(await fullDist(repo.root, commits[1])).keys()].map((f) => f.split('/')[0]));
    expect(s.folders.length).toBeGreaterThan(0);
    expect(s.folders.length).toBeLessThan(all.size - 2);
  });

  test('the working tree as head: uncommitted and untracked files count', async () => {
    // WHEN a canary weight in dist/ is edited and an object file added, uncommitted
    const files = [...(await fullDist(repo.root)).entries()];
    const [file, text] = files.find(([, t]) => /weight: "?\d+"?$/m.test(t)) ?? [];
    expect(file).toBeDefined();
    fs.writeFileSync(path.join(repo.root, 'dist', file as string), (text as string).replace(/weight: "?\d+"?$/m, 'weight: 77'));
    const [cmFile, cmText] = files.find(([f]) => /\/configmap-[^/]+\.yaml$/.test(f)) ?? files.find(([f]) => /\/service-[^/]+\.yaml$/.test(f)) ?? [];
    fs.writeFileSync(path.join(repo.root, 'dist', (cmFile as string).replace(/\.yaml$/, '-copy.yaml')), (cmText as string).replace(/^  name: (.*)$/m, '  name: $1-copy'));
    try {
      // THEN the diff from HEAD to the working tree sees both, as the full trees do
      const scoped = await diffRevisions(repo.root, { base: 'HEAD', dist: 'dist' });
      expect(scoped.releases).toEqual(diffTrees(await fullDist(repo.root, 'HEAD'), await fullDist(repo.root)));
      expect(scoped.releases.map((r) => r.release)).toEqual(expect.arrayContaining([...new Set([(file as string).split('/')[0], (cmFile as string).split('/')[0]])]));
    } finally {
      git(repo.root, 'checkout', '-q', '--', '.');
      git(repo.root, 'clean', '-qfd', '--', 'dist');
    }
  });

  test('traffic NAME equals the entries of NAME computed from every object', async () => {
    const objects = objectsOfTree(await fullDist(repo.root)).objects;
    const report = computeTraffic(objects);
    for (const name of [...new Set(report.entries.map((e) => e.release))]) {
      const scoped = await trafficAtRevision(repo.root, { dist: 'dist', name });
      expect(scoped.entries).toEqual(entriesOf(report, name, objects));
    }
  });
});

describe('a caller in another release sees a change only through its calls', () => {
  const backend = `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: api
namespaces:
  production: api
workload:
  type: webapp
  image: ghcr.io/example/api
  port: 8080
stable:
  version: 1.0.0
canary:
  version: 1.1.0
  weight: 0
steps: [0, 50, 100]
router:
  type: istio
`;
  const frontend = (extra = '') => `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: web
namespaces:
  production: web
workload:
  type: webapp
  image: ghcr.io/example/web
  port: 8080
  env:
    - name: API_URL
      value: http://api.api.svc.cluster.local:8080/
stable:
  version: 2.0.0
router:
  type: gatewayApi
  parentRefs:
    - name: public
      namespace: gateway-system
${extra}`;

  test('a step of the callee shows in the caller\'s entry point, as with the whole trees', async () => {
    const repo = tempRepo({ 'releases/api.yaml': backend, 'releases/web.yaml': frontend() });
    try {
      const synth = await runCli(repo.root, ['synth']);
      expect(synth.stderr).toBe('');
      git(repo.root, 'add', '-A');
      git(repo.root, 'commit', '-qm', 'synth');
      expect((await runCli(repo.root, ['step', 'api'])).status).toBe(0);
      const full = diffTrees(await fullDist(repo.root, 'HEAD~1'), await fullDist(repo.root, 'HEAD'));
      const scoped = await diffRevisions(repo.root, { base: 'HEAD~1', head: 'HEAD', dist: 'dist' });
      expect(scoped.releases).toEqual(full);
      // the caller's entry point is reported (only its calls changed), so the check can fail
      expect(full.map((r) => r.release)).toContain('web');
    } finally {
      repo.cleanup();
    }
  });
});
