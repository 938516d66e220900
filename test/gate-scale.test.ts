/**
 * The move gates at fleet scale (issue 17: a wave move's cost must not grow with the number of other
 * releases). The sync gate skips other releases' wiring a release at a time (a sorted listing and a
 * binary search) and the cross-release gate probes a fleet neighbour on the wave's cluster first; both
 * must choose exactly what the straightforward version chose. Its oracle here is that version: every
 * wiring file's owner looked up (wiringOwner), every release folder listed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { neighbours } from '../lib/moves/cross-release-gate';
import { rangeEnd, syncWiring } from '../lib/moves/sync-gate';
import { holdsSyncUnits, wiringOwner } from '../lib/review/transition-gate';
import { cleanupTempDirs, tempDir, writeFiles } from './support/git-repo';

afterAll(cleanupTempDirs);

/** The sync gate's choice of wiring files before the change: each file's owner, one by one. */
function oracleWiring(root: string, distPath: string, outputPaths: readonly string[]): string[] {
  const segs = outputPaths.map((p) => path.relative(distPath, p).split('/'));
  const moved = new Set(segs.map((s) => s[0]));
  const wave = new Map<string, string[]>();
  for (const s of segs) if (s.length === 2) wave.set(s[0], [...(wave.get(s[0]) ?? []), s[1]]);
  const inWave = (owner: string, file: string) => {
    const clusters = wave.get(owner);
    if (!clusters || segs.some((s) => s[0] === owner && s.length === 1)) return true;
    return clusters.some((c) => file.replace(/\.ya?ml$/, '').endsWith(`-${c}`));
  };
  const releases = new Set(fs.readdirSync(path.join(root, distPath), { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name));
  const out: string[] = [];
  const read = (dir: string, key: string, engine: string) => {
    for (const e of fs.readdirSync(path.join(root, distPath, dir), { withFileTypes: true }).filter((x) => !x.name.startsWith('.'))) {
      if (e.isDirectory()) { read(path.join(dir, e.name), `${key}${e.name}/`, engine); continue; }
      const owner = wiringOwner(e.name, releases);
      if (owner !== undefined && owner !== engine && (!moved.has(owner) || !inWave(owner, e.name))) continue;
      if (holdsSyncUnits(fs.readFileSync(path.join(root, distPath, dir, e.name), 'utf8'))) out.push(`${key}${e.name}`);
    }
  };
  for (const r of ['argocd', 'flux']) read(r, `${r}/`, r);
  return out.sort();
}

const APP = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: x\n';
const KS = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\n';

/** A dist/ of releases whose names start one another (shop, shop-api, shop-api-v2, shopx, a release named flux) over clusters c1..c3, shared wiring and a pull cluster's roots. */
function dist(clusters: readonly string[] = ['c1', 'c2', 'c3']): string {
  const root = tempDir();
  const releases = ['shop', 'shop-api', 'shop-api-v2', 'shopx', 'flux-tools', 'a'];
  const files: Record<string, string> = {
    'dist/argocd/application-cdk8s-canary-root.yaml': APP,
    'dist/argocd/appproject-cdk8s-canary.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\n',
    'dist/argocd/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    'dist/argocd/edge-1/application-shop-edge-1.yaml': APP,
    'dist/argocd/edge-1/application-shopx-edge-1.yaml': APP,
    'dist/argocd/edge-1/application-root-edge-1.yaml': APP,
    'dist/flux/gitrepository-cdk8s-canary.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n',
    'dist/flux/kustomization-cdk8s-canary.yaml': KS,
    'dist/flux/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    'dist/flux/.kustomization-shop-shop-c1.yaml.tmp-1': KS,
  };
  for (const r of releases) {
    files[`dist/argocd/application-${r}.yaml`] = APP;
    for (const c of clusters) {
      files[`dist/${r}/${c}/${r}/deployment-${r}.yaml`] = 'kind: Deployment\n';
      files[`dist/argocd/application-${r}-${c}.yaml`] = APP;
      files[`dist/flux/kustomization-${r}-${r}-${c}.yaml`] = KS;
      files[`dist/flux/kustomization-${r}-${r}-canary-${c}.yaml`] = KS;
    }
  }
  writeFiles(root, files);
  return root;
}

describe('the gates at fleet scale choose what they chose before', () => {
  test('rangeEnd: the end of the run of names with a prefix, from a position', () => {
    const sorted = ['a-1', 'a-2', 'a-2-x', 'a.yaml', 'ab-1', 'b'];
    expect(rangeEnd(sorted, 'a-', 0)).toBe(3);
    expect(rangeEnd(sorted, 'a-', 1)).toBe(3);
    expect(rangeEnd(sorted, 'a-2-', 3)).toBe(3); // nothing after position 3 starts so
    expect(rangeEnd(sorted, 'ab-', 4)).toBe(5);
    expect(rangeEnd(sorted, 'c-', 0)).toBe(6);
  });

  test.each([
    ['a release whose name starts others\'', ['dist/shop']],
    ['a release starting with another\'s name', ['dist/shop-api']],
    ['the longest of three', ['dist/shop-api-v2']],
    ['a release named like the engine', ['dist/flux-tools']],
    ['a one-letter release', ['dist/a']],
    ['a fleet wave of one cluster', ['dist/shop/c1']],
    ['a fleet wave of two clusters', ['dist/shop-api/c2', 'dist/shop-api/c3']],
    ['two releases (a group)', ['dist/shop', 'dist/shopx']],
  ])('sync gate wiring, %s: the same files as each owner looked up one by one', (_name, outputs) => {
    // GIVEN a dist/ of releases whose names start one another, with shared and pull-cluster wiring
    const root = dist();
    // WHEN the gate picks the wiring of a move of `outputs`
    const got = [...syncWiring(root, 'dist', outputs).keys()].sort();
    // THEN it is the oracle's choice, and holds the moved release's files
    expect(got).toEqual(oracleWiring(root, 'dist', outputs));
    expect(got.some((k) => k.includes(`-${outputs[0].split('/')[1]}-`))).toBe(true);
  });

  test.each([
    ['a release whose name starts others\'', ['dist/shop']],
    ['a fleet wave of one cluster', ['dist/shop-api/c07']],
  ])('sync gate wiring over 12 clusters (runs of over 8 files a release, skipped by a binary search), %s: the same files as the oracle', (_name, outputs) => {
    // GIVEN the same releases over 12 clusters: 24 Flux files and 12 Applications per release
    const root = dist(Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`));
    // WHEN the gate picks the wiring THEN it is the oracle's choice
    const got = [...syncWiring(root, 'dist', outputs).keys()].sort();
    expect(got).toEqual(oracleWiring(root, 'dist', outputs));
    expect(got.length).toBeGreaterThan(3);
  });

  test('cross-release neighbours probed on the wave\'s cluster: the same as listing every release folder', () => {
    // GIVEN fleet releases on all or some clusters, and plain releases, some sharing namespace `web`
    const root = tempDir();
    writeFiles(root, {
      'dist/moved/c1/web/x.yaml': 'x', 'dist/moved/c2/web/x.yaml': 'x',
      'dist/fleet-all/c1/web/x.yaml': 'x', 'dist/fleet-all/c2/web/x.yaml': 'x',
      'dist/fleet-other-ns/c1/api/x.yaml': 'x',
      'dist/fleet-not-on-c1/c2/web/x.yaml': 'x', 'dist/fleet-not-on-c1/c3/web/x.yaml': 'x',
      'dist/fleet-not-on-c1-other/c3/api/x.yaml': 'x',
      'dist/plain-web/kustomization.yaml': 'k', 'dist/plain-web/web/x.yaml': 'x',
      'dist/plain-api/kustomization.yaml': 'k', 'dist/plain-api/api/x.yaml': 'x',
      'dist/plain-c1-folder/kustomization.yaml': 'k', 'dist/plain-c1-folder/c1/x.yaml': 'x',
      'dist/plain-dangling-web/kustomization.yaml': 'k',
      'releases/no-dist-yet.yaml': 'name: no-dist-yet\n',
    });
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dist/plain-dangling-web/web')); // a link to nothing is no namespace folder
    const paths = { distDir: path.join(root, 'dist'), releasesDir: path.join(root, 'releases') };
    // WHEN the neighbours of `moved` in namespace web are looked for, with and without the cluster hint
    const hinted = neighbours(paths, 'moved', ['web'], 'c1');
    // THEN both find the same releases: those in web on any cluster, and the spec without dist/
    expect(hinted).toEqual(neighbours(paths, 'moved', ['web']));
    expect(hinted).toEqual(['fleet-all', 'fleet-not-on-c1', 'no-dist-yet', 'plain-web']);
  });
});
