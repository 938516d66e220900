/**
 * The "Done when": a release over 5 clusters in 3 waves (1, 1, 3) walks wave 1 (start, step,
 * promote), wave 2 (next-wave, step, promote) and wave 3, and in other runs aborts in wave 2 (the
 * wave only, then wave 1 too, and all waves in one commit). Real git, the CLI in-process, the real
 * `kubectl kustomize`, strict validation against the vendored upstream schemas (CEL rules included),
 * and the sync model (lib/review/transition.ts) run cluster by cluster for every move.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { objectsOfTree } from '../lib/manifests/tree';
import { checkObjects } from '../lib/review/transition';
import { clusterViews } from '../lib/review/clusters';
import { cli } from './support/cli';
import { CLUSTERS, fleetConfig, fleetSpec, kustomizeAll, readFiles, under, WAVES } from './support/fleet';
import { cleanupTempDirs, git, initRepo, tempDir } from './support/git-repo';
import { validateTree } from './support/kube-schemas';
import { webappSpec } from './support/project';
import { reusedRepo } from './support/reused-repo';

/** A release every cluster runs as one (no fleet): it must not change with any wave move. */
const BLOG = webappSpec('blog');

/** A repository with the fixture's config, the fleet release shop and the plain release blog, synthesized and committed. */
async function fleetRepo(mode: 'applications' | 'applicationSet' = 'applications', spec = fleetSpec()): Promise<string> {
  const root = initRepo(tempDir('fleet-walk-'));
  fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml'), fleetConfig(mode));
  fs.mkdirSync(path.join(root, 'releases'));
  fs.writeFileSync(path.join(root, 'releases/shop.yaml'), spec);
  fs.writeFileSync(path.join(root, 'releases/blog.yaml'), BLOG);
  const r = await cli(root, 'synth');
  if (r.code !== 0) throw new Error(`synth failed: ${r.err}`);
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'initial');
  return root;
}

const dist = (root: string) => readFiles(path.join(root, 'dist'));
const trailersOf = (text: string) => Object.fromEntries(text.trim().split('\n').map((l) => l.split(': ')).map(([k, ...v]) => [k, v.join(': ')]));
const trailers = (root: string) => trailersOf(git(root, 'log', '-1', '--format=%(trailers:only,unfold)'));
/** HEAD's commit, read from .git (HEAD and the branch's loose ref: no git process); `git rev-parse` when the ref is packed. */
function headOf(root: string): string {
  const ref = fs.readFileSync(path.join(root, '.git/HEAD'), 'utf8').trim();
  if (!ref.startsWith('ref: ')) return ref;
  const loose = path.join(root, '.git', ref.slice('ref: '.length));
  return fs.existsSync(loose) ? fs.readFileSync(loose, 'utf8').trim() : git(root, 'rev-parse', 'HEAD').trim();
}

/** The image each cluster's production Deployment and canary Deployment (if any) run. */
function images(files: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of CLUSTERS) {
    const img = (f: string | undefined) => (f ? (parse(f.replace(/^#.*\n/, '')) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0].image.split(':').pop()! : undefined);
    const stable = img(files.get(`shop/${c}/shop/deployment-shop.yaml`));
    const canary = img(files.get(`shop/${c}/shop-canary/deployment-shop-canary.yaml`));
    out[c] = canary ? `${stable}+${canary}` : stable!;
  }
  return out;
}

interface Step { readonly args: readonly string[]; readonly touches: readonly string[] }

/**
 * Runs one move and checks everything the issue asks of it; returns dist/ after it. `touches`: the
 * clusters whose folders the move may change.
 */
async function move(root: string, s: Step): Promise<Map<string, string>> {
  const before = dist(root);
  const head = headOf(root);
  // WHEN the move runs
  const r = await cli(root, ...s.args);
  expect({ code: r.code, err: r.err.split('\n').filter((l) => l && !l.startsWith('warning: ')).join('\n') }).toEqual({ code: 0, err: '' });
  const after = dist(root);
  // THEN it is exactly one commit (its only parent is the commit before the move), of the spec and the folders of the clusters it moves
  const [parents, trailerText, names] = git(root, 'show', '--format=%P%x00%(trailers:only,unfold)%x00', '--name-only', 'HEAD').split('\0');
  expect(parents).toBe(head);
  const changed = names.trim().split('\n');
  expect(changed).toContain('releases/shop.yaml');
  const distChanged = changed.filter((p) => p !== 'releases/shop.yaml');
  expect(distChanged.filter((p) => !p.startsWith('dist/shop/'))).toEqual([]);
  const clustersChanged = [...new Set(distChanged.map((p) => p.split('/')[2]))].sort();
  expect(clustersChanged).toEqual([...s.touches].sort());
  expect(git(root, 'status', '--porcelain')).toBe('');
  // AND the trailers name the wave and the clusters
  const t = trailersOf(trailerText);
  expect(t['Fleet-Clusters']).toBe(s.touches.join(', '));
  expect(t['Fleet-Wave']).toMatch(/^[123]\/3 (canary|eu|rest)$/);
  // AND every other cluster's folders, the other release and the Argo CD and Flux wiring are byte for byte as before
  for (const c of CLUSTERS.filter((x) => !s.touches.includes(x))) expect(under(after, `shop/${c}/`)).toEqual(under(before, `shop/${c}/`));
  for (const p of ['argocd/', 'flux/', 'blog/']) expect(under(after, p)).toEqual(under(before, p));
  // AND the new state passes strict schema validation (CEL rules included) and kustomize builds every root
  const v = validateTree(path.join(root, 'dist'));
  expect(v.problems).toEqual([]);
  expect(v.objects).toBe(objectsOfTree(after).objects.length);
  kustomizeAll(path.join(root, 'dist'));
  // AND, cluster by cluster, no state Argo CD or Flux passes through while applying it fails a request or lifts the canary above both ends
  const [vb, va] = clusterViews(objectsOfTree(before).objects, objectsOfTree(after).objects);
  for (let i = 0; i < vb.length; i++) {
    const report = checkObjects(vb[i].objects, va[i].objects);
    expect({ cluster: vb[i].cluster, violations: report.violations.map((x) => x.message) }).toEqual({ cluster: vb[i].cluster, violations: [] });
    if (vb[i].cluster !== undefined && s.touches.includes(vb[i].cluster!)) {
      expect(report.engines).toEqual(['argocd', 'flux']);
      expect(report.states.argocd).toBeGreaterThan(0);
      expect(report.states.flux).toBeGreaterThan(0);
    }
  }
  // AND synth gives exactly what the move wrote
  expect((await cli(root, 'synth')).code).toBe(0);
  expect(git(root, 'status', '--porcelain')).toBe('');
  return after;
}

describe('fleet: one release over 5 clusters in 3 waves (1, 1, 3)', () => {
  /** The repository of the initial state, shared by the cases: each starts from `repo.reset()` (the initial commit) or from `reach`. */
  let repo: ReturnType<typeof reusedRepo>;
  let initial: string;
  /** dist/ and the shop spec of the initial state. */
  let initialDist: Map<string, string>;
  let initialSpec: string;
  beforeAll(async () => {
    initial = await fleetRepo();
    repo = reusedRepo(initial);
    initialDist = dist(initial);
    initialSpec = fs.readFileSync(path.join(initial, 'releases/shop.yaml'), 'utf8');
  });
  afterAll(() => { repo.cleanup(); cleanupTempDirs(); });

  /** The commit each sequence of moves made from the initial state reached, once `move` had checked every one of them (by their arguments). */
  const reached = new Map<string, string>();
  const keyOf = (moves: readonly Step[]) => JSON.stringify(moves.map((m) => m.args));
  /** `move`, recording the commit the moves so far (`done`, this one included) reached. */
  async function recorded(done: readonly Step[], s: Step): Promise<Map<string, string>> {
    const after = await move(initial, s);
    reached.set(keyOf(done), headOf(initial));
    return after;
  }
  /**
   * GIVEN the state `moves` from the initial state lead to: the repository is reset to the commit the
   * longest run of them an earlier case made (the same commands on the same state, each checked
   * there by `move` as it would be here) reached, and the rest are made with `move`'s checks.
   */
  async function reach(moves: readonly Step[]): Promise<void> {
    let from = moves.length;
    while (from > 0 && !reached.has(keyOf(moves.slice(0, from)))) from--;
    repo.reset(from ? reached.get(keyOf(moves.slice(0, from))) : undefined);
    for (let i = from; i < moves.length; i++) await recorded(moves.slice(0, i + 1), moves[i]);
  }

  test('the initial state: each cluster has its own folders, every one builds and passes strict validation', () => {
    repo.reset();
    const files = dist(initial);
    for (const c of CLUSTERS) {
      expect(files.has(`shop/${c}/kustomization.yaml`)).toBe(true);
      expect(parse(files.get(`shop/${c}/kustomization.yaml`)!)).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['shop', 'shop-canary'] });
    }
    expect(files.has('shop/kustomization.yaml')).toBe(false);
    expect(images(files)).toEqual(Object.fromEntries(CLUSTERS.map((c) => [c, '1.0.0'])));
    expect(validateTree(path.join(initial, 'dist')).problems).toEqual([]);
    kustomizeAll(path.join(initial, 'dist'));
  });

  test('walks wave 1, wave 2 and wave 3 to the end, one commit per move, touching only the wave it moves', async () => {
    repo.reset();
    const root = initial;
    const steps: (Step & { readonly runs: Record<string, string> })[] = [
      { args: ['start', 'shop', '--version', '1.1.0'], touches: WAVES[0], runs: { 'canary-eu': '1.0.0+1.1.0' } },
      { args: ['step', 'shop'], touches: WAVES[0], runs: { 'canary-eu': '1.0.0+1.1.0' } },
      { args: ['promote', 'shop'], touches: WAVES[0], runs: { 'canary-eu': '1.1.0' } },
      { args: ['next-wave', 'shop'], touches: WAVES[1], runs: { 'canary-eu': '1.1.0', 'prod-eu-1': '1.0.0+1.1.0' } },
      { args: ['step', 'shop'], touches: WAVES[1], runs: { 'canary-eu': '1.1.0', 'prod-eu-1': '1.0.0+1.1.0' } },
      { args: ['promote', 'shop'], touches: WAVES[1], runs: { 'canary-eu': '1.1.0', 'prod-eu-1': '1.1.0' } },
      { args: ['next-wave', 'shop'], touches: WAVES[2], runs: { 'canary-eu': '1.1.0', 'prod-eu-1': '1.1.0', 'prod-eu-2': '1.0.0+1.1.0', 'prod-us-1': '1.0.0+1.1.0', 'prod-ap-1': '1.0.0+1.1.0' } },
      { args: ['step', 'shop'], touches: WAVES[2], runs: { 'canary-eu': '1.1.0', 'prod-eu-1': '1.1.0', 'prod-eu-2': '1.0.0+1.1.0', 'prod-us-1': '1.0.0+1.1.0', 'prod-ap-1': '1.0.0+1.1.0' } },
      { args: ['promote', 'shop'], touches: WAVES[2], runs: Object.fromEntries(CLUSTERS.map((c) => [c, '1.1.0'])) },
    ];
    for (const [i, s] of steps.entries()) {
      const after = await recorded(steps.slice(0, i + 1), s);
      expect(images(after)).toEqual({ ...Object.fromEntries(CLUSTERS.map((c) => [c, '1.0.0'])), ...s.runs });
    }
    // THEN the release is done: stable is the new version, no fleet.promoted, and the wiring never changed
    const spec = parse(fs.readFileSync(path.join(root, 'releases/shop.yaml'), 'utf8')) as { stable: { version: string }; canary?: unknown; fleet: { promoted?: unknown } };
    expect(spec.stable.version).toBe('1.1.0');
    expect(spec.canary).toBeUndefined();
    expect(spec.fleet.promoted).toBeUndefined();
    expect(git(root, 'log', '--format=%s', `-${steps.length}`).trim().split('\n').reverse()).toEqual([
      'shop: wave 1/3 (canary): start canary 1.1.0 at 0% on canary-eu',
      'shop: wave 1/3 (canary): canary 1.1.0 0% -> 10% on canary-eu',
      'shop: wave 1/3 (canary): promote 1.1.0 on canary-eu (later waves keep 1.0.0)',
      'shop: open wave 2/3 (eu): canary 1.1.0 at 0% on prod-eu-1',
      'shop: wave 2/3 (eu): canary 1.1.0 0% -> 10% on prod-eu-1',
      'shop: wave 2/3 (eu): promote 1.1.0 on prod-eu-1 (later waves keep 1.0.0)',
      'shop: open wave 3/3 (rest): canary 1.1.0 at 0% on prod-eu-2, prod-us-1, prod-ap-1',
      'shop: wave 3/3 (rest): canary 1.1.0 0% -> 10% on prod-eu-2, prod-us-1, prod-ap-1',
      'shop: wave 3/3 (rest): promote 1.1.0 to stable on prod-eu-2, prod-us-1, prod-ap-1; every wave runs 1.1.0 (was 1.0.0)',
    ]);
    expect(trailers(root)).toMatchObject({ Move: 'promote', 'Stable-Version': '1.1.0', 'Fleet-Wave': '3/3 rest' });
  });

  test('an abort in wave 2 rolls back wave 2 only; a second abort rolls back wave 1; wave 3 is never touched', async () => {
    const root = initial;
    const start = initialDist;
    const specBefore = initialSpec;
    await reach([
      { args: ['start', 'shop', '--version', '1.1.0'], touches: WAVES[0] },
      { args: ['step', 'shop'], touches: WAVES[0] },
      { args: ['promote', 'shop'], touches: WAVES[0] },
      { args: ['next-wave', 'shop'], touches: WAVES[1] },
      { args: ['set-weight', 'shop', '30'], touches: WAVES[1] },
    ]);
    // WHEN wave 2 is aborted: THEN wave 2 is back on 1.0.0, wave 1 keeps 1.1.0, wave 3 never changed
    let after = await move(root, { args: ['abort', 'shop'], touches: WAVES[1] });
    expect(git(root, 'log', '-1', '--format=%s').trim()).toBe('shop: wave 2/3 (eu): abort canary 1.1.0 at 30% on prod-eu-1, traffic back to 1.0.0');
    expect(images(after)).toEqual({ 'canary-eu': '1.1.0', 'prod-eu-1': '1.0.0', 'prod-eu-2': '1.0.0', 'prod-us-1': '1.0.0', 'prod-ap-1': '1.0.0' });
    expect(under(after, 'shop/prod-eu-1/')).toEqual(under(start, 'shop/prod-eu-1/'));
    for (const c of WAVES[2]) expect(under(after, `shop/${c}/`)).toEqual(under(start, `shop/${c}/`));
    expect((await cli(root, 'status', 'shop')).out).toContain('next: open wave 2/3 (eu: prod-eu-1) (`npx cdk8s-canary next-wave shop`)');
    // WHEN aborted again (between waves): THEN wave 1 goes back too, and everything is as before the rollout
    after = await move(root, { args: ['abort', 'shop'], touches: WAVES[0] });
    expect(git(root, 'log', '-1', '--format=%s').trim()).toBe('shop: wave 1/3 (canary): roll back 1.1.0 to 1.0.0 on canary-eu');
    expect(after).toEqual(start);
    expect(fs.readFileSync(path.join(root, 'releases/shop.yaml'), 'utf8')).toBe(specBefore);
    // AND a third abort is refused: nothing to roll back
    const r = await cli(root, 'abort', 'shop');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/release shop has no rollout in progress: every cluster of its fleet runs 1\.0\.0, so there is nothing to abort/);
  });

  test('abort --all-waves in wave 2 rolls back waves 1 and 2 in one commit; wave 3 is never touched', async () => {
    const root = initial;
    const start = initialDist;
    await reach([
      { args: ['start', 'shop', '--version', '1.1.0'], touches: WAVES[0] },
      { args: ['promote', 'shop'], touches: WAVES[0] },
      { args: ['next-wave', 'shop'], touches: WAVES[1] },
      { args: ['step', 'shop'], touches: WAVES[1] },
    ]);
    const after = await move(root, { args: ['abort', 'shop', '--all-waves'], touches: [...WAVES[0], ...WAVES[1]] });
    expect(git(root, 'log', '-1', '--format=%s').trim()).toBe('shop: abort 1.1.0 in waves 1-2/3 (canary-eu, prod-eu-1), back to 1.0.0');
    expect(trailers(root)).toMatchObject({ Move: 'abort', 'Fleet-Wave': '2/3 eu', 'Fleet-Waves': '1 canary, 2 eu', 'Canary-Weight': 'none' });
    expect(after).toEqual(start);
  });

  test('refuses moves out of order, changing nothing', async () => {
    repo.reset();
    const root = initial;
    // HEAD and `git status` in one git call (status v2 with its branch header: the commit and the branch)
    const state = () => git(root, 'status', '--porcelain=v2', '--branch');
    const expectRefused = async (args: string[], says: RegExp) => {
      const before = state();
      const r = await cli(root, ...args);
      expect({ code: r.code, says: says.test(r.err) ? 'ok' : r.err }).toEqual({ code: 2, says: 'ok' });
      // THEN HEAD is where it was and the tree is clean (only the branch header: no entry)
      const after = state();
      expect(after).toBe(before);
      expect(after.split('\n').filter((l) => l && !l.startsWith('# '))).toEqual([]);
    };
    const start = { args: ['start', 'shop', '--version', '1.1.0'], touches: WAVES[0] };
    await expectRefused(['next-wave', 'shop'], /release shop has no rollout in progress, so there is no wave to open; start one: `npx cdk8s-canary start shop --version VERSION` \(it runs in wave 1, wave 1\/3 \(canary: canary-eu\)\)/);
    await expectRefused(['step', 'shop'], /release shop has no canary running, so there is nothing to step; start one first/);
    await reach([start]);
    await expectRefused(['next-wave', 'shop'], /wave 1\/3 \(canary\) of release shop still runs canary 1\.1\.0 at 0%; promote it first/);
    await expectRefused(['start', 'shop', '--version', '1.2.0'], /release shop already runs canary 1\.1\.0 at 0%/);
    await reach([start, { args: ['promote', 'shop'], touches: WAVES[0] }]);
    await expectRefused(['start', 'shop', '--version', '1.2.0'], /release shop is between waves: waves 1\.\.1 of 3 run 1\.1\.0; open the next wave \(`npx cdk8s-canary next-wave shop`\)/);
    await expectRefused(['promote', 'shop'], /release shop runs no canary: wave 1\/3 is promoted and wave 2\/3 \(eu: prod-eu-1\) is not open yet/);
    await expectRefused(['abort', 'blog', '--all-waves'], /--all-waves applies to releases with fleet:; release blog has none: drop --all-waves/);
    await expectRefused(['next-wave', 'blog'], /^releases\/blog\.yaml:\d+:\d+: fleet: release blog has no fleet: in its spec, so there is no wave to open; next-wave moves releases that roll out across waves of clusters/m);
  });

  test("a wave's minSoak holds next-wave back until that long after its promote; --force records the override", async () => {
    // GIVEN wave 1 with minSoak: 1h, just promoted
    const root = await fleetRepo('applications', fleetSpec().replace('      clusters: [canary-eu]\n', '      clusters: [canary-eu]\n      minSoak: 1h\n'));
    await move(root, { args: ['start', 'shop', '--version', '1.1.0'], touches: WAVES[0] });
    await move(root, { args: ['promote', 'shop'], touches: WAVES[0] });
    // WHEN the next wave opens at once: THEN it is refused, naming the wave and the time left
    const r = await cli(root, 'next-wave', 'shop');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/wave 1\/3 \(canary\) of shop has run 1\.1\.0 for \d+s of its minimum soak 1h before the next wave opens since [0-9a-f]{7} "shop: wave 1\/3 \(canary\): promote 1\.1\.0 on canary-eu \(later waves keep 1\.0\.0\)"; (59m \d+s|1h) left: wait, or pass --force to move on now/);
    expect((await cli(root, 'status', 'shop')).out).toMatch(/soak {4}1h minimum before the next wave: (59m \d+s|1h) left/);
    // AND with --force it opens, and the commit says so
    await move(root, { args: ['next-wave', 'shop', '--force'], touches: WAVES[1] });
    expect(trailers(root)['Soak-Override']).toMatch(/^(59m \d+s|1h) of 1h left$/);
  });
});
