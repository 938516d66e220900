/**
 * A commit that renames Argo CD Applications or Flux Kustomizations over objects that stay: the old
 * unit is deleted, and with Argo CD's resources finalizer (or Flux's prune) it deletes those objects
 * before (or while) the new unit creates them again. The transition model plays that deletion
 * (lib/review/transition.ts argoDelete, fluxDelete); `validate` refuses such a change, and passes it
 * once `argocd.preserveResourcesOnDeletion` and `flux.deletionPolicy: Orphan` are synced first.
 * Real git; the CLI in-process (`runCli`: the findings are the subject), the first refusal through the
 * compiled CLI.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { checkTransition } from '../lib/review/transition';
import { cli } from './support/cli-repo';
import { runCli } from './support/cli';
import { remoteClustersConfig } from './support/remote-clusters';
import { cleanupTempDirs, filesAt, git, initRepo, projectRepo, tempDir, writeFiles } from './support/git-repo';
import { fleetConfig, fleetSpec, readFiles } from './support/fleet';
import { oracleCheck } from './support/sync-oracle';

afterAll(() => cleanupTempDirs());

const config = remoteClustersConfig;

async function commitAll(dir: string, message: string): Promise<void> {
  expect((await runCli(dir, ['synth'])).status).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
}

/** GIVEN webapp.yaml on the one cluster `east`, synthesized and committed (one synth, one commit). */
async function oneCluster(extra = ''): Promise<string> {
  const dir = initRepo(tempDir('cdk8s-canary-repo-'));
  writeFiles(dir, { 'releases/webapp.yaml': fs.readFileSync(path.join(__dirname, '..', 'releases', 'webapp.yaml'), 'utf8'), 'cdk8s-canary.yaml': config(['east'], extra) });
  await commitAll(dir, 'one cluster');
  return dir;
}

describe('a sync unit renamed over objects that stay', () => {
  test('fails validate when a second cluster renames the first one\'s Application and Kustomizations (their deletion deletes the objects), naming the way out', async () => {
    const dir = await oneCluster();
    expect(fs.existsSync(path.join(dir, 'dist/argocd/application-webapp.yaml'))).toBe(true);
    // WHEN a second cluster is added: east's units get its name as a suffix
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(['east', 'west']));
    const s = await runCli(dir, ['synth']);
    expect(s.status).toBe(0);
    // synth is no gate, but it says which units leave dist/ while their release stays
    expect(s.stderr).toMatch(/^warning: dist\/argocd\/application-webapp\.yaml: this Argo CD Application of webapp leaves dist\/ while webapp stays; if its objects stay under another name \(a cluster added, fleet: added, a rename\), deleting it deletes them first: run `npx cdk8s-canary validate` before you commit/m);
    expect(s.stderr).toMatch(/^warning: dist\/flux\/kustomization-webapp-webapp[-a-z]*\.yaml: this Flux Kustomization of webapp leaves dist\/ while webapp stays/m);
    expect(fs.existsSync(path.join(dir, 'dist/argocd/application-webapp-east.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dist/argocd/application-webapp.yaml'))).toBe(false);
    const r = cli(dir, ['validate']); // the compiled CLI: the refusal as the process prints it
    // THEN it is refused: the old units delete what the new ones take over
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unsafe during sync: Argo CD, Application argocd\/webapp, Application deleted with its objects \(resources finalizer\), wave 3[^\n]*deleted HTTPRoute webapp\/webapp[^\n]*100% of requests to webapp\.example\.com[^\n]* fail, its route is gone \(before 0%, after 0%\); an Application or Kustomization goes away while its objects stay under another name/);
    expect(r.stderr).toMatch(/unsafe during sync: Flux, Kustomization flux-system\/webapp-webapp, Kustomization deleted with its objects \(garbage collection\)/);
    expect(r.stderr).toMatch(/first set `argocd\.preserveResourcesOnDeletion: true` and `flux\.deletionPolicy: Orphan` in cdk8s-canary\.yaml, commit that alone and let it sync, then make this change/);
    // AND the independent oracle (its own reading and simulation) finds the same, under both engines
    const head = filesAt(dir, 'dist');
    const oracle = oracleCheck(head, readFiles(path.join(dir, 'dist')));
    expect(new Set(oracle.violations.map((v) => `${v.engine} ${v.entry} ${v.what} ${v.during}`))).toEqual(new Set(['argocd hr webapp/webapp / failing 1', 'flux hr webapp/webapp / failing 1']));
    // AND the review shows it: `diff` reads the release whose wiring changed, though its folders did not
    const d = await runCli(dir, ['diff']);
    expect(d.stdout).toMatch(/UNSAFE during sync: Argo CD, Application argocd\/webapp, Application deleted with its objects/);
  });

  test('GIVEN preserveResourcesOnDeletion and deletionPolicy: Orphan committed first WHEN the second cluster is added THEN validate passes', async () => {
    const dir = await oneCluster();
    // the first commit: only the units' deletion behaviour changes
    const keep = 'argocd:\n  preserveResourcesOnDeletion: true\nflux:\n  deletionPolicy: Orphan\n';
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(['east'], keep));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const app = parse(fs.readFileSync(path.join(dir, 'dist/argocd/application-webapp.yaml'), 'utf8'));
    expect(app.metadata.finalizers).toBeUndefined();
    const ks = parse(fs.readFileSync(path.join(dir, 'dist/flux/kustomization-webapp-webapp.yaml'), 'utf8'));
    expect(ks.spec.deletionPolicy).toBe('Orphan');
    expect((await runCli(dir, ['validate'])).status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'keep objects when a unit goes away');
    // the second commit: the rename
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(['east', 'west'], keep));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const r = await runCli(dir, ['validate']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
    const head = filesAt(dir, 'dist');
    expect(oracleCheck(head, readFiles(path.join(dir, 'dist'))).violations).toEqual([]);
  });

  test('GIVEN a release removed WHEN validated THEN its deletion with its objects is no refusal (routes go first, Namespaces stay)', async () => {
    const dir = await oneCluster();
    const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'releases/other.yaml'), spec.replace(/(name|production): webapp|ghcr\.io\/example\/webapp|webapp\.example\.com/g, (m) => m.replace('webapp', 'other')));
    await commitAll(dir, 'another release');
    fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
    const s = await runCli(dir, ['synth']);
    expect(s.status).toBe(0);
    expect(s.stderr).not.toMatch(/leaves dist\//); // its release goes too: no rename
    const r = await runCli(dir, ['validate']);
    expect(r.status).toBe(0);
  });
});

describe('wiring edits that delete no unit', () => {
  test('GIVEN every Kustomization edited (flux.interval) WHEN validated THEN no release is checked: nothing is deleted, and checking all of them would cost the whole project', async () => {
    const dir = await oneCluster();
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), config(['east'], 'flux:\n  interval: 5m\n'));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    expect(git(dir, 'status', '--porcelain', 'dist/flux')).toMatch(/kustomization-webapp-webapp\.yaml/);
    const r = await runCli(dir, ['validate']);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/syncing from HEAD/);
  });
});

describe('the deletion of a unit in the transition model', () => {
  test('GIVEN an Application deleted with its objects THEN routes go first (reverse waves) and the Namespace (Delete=false) stays', async () => {
    const dir = await oneCluster();
    const before = readFiles(path.join(dir, 'dist'));
    const after = new Map([...before].filter(([p]) => !p.startsWith('webapp/') && p !== 'argocd/application-webapp.yaml' && !p.startsWith('flux/kustomization-webapp')));
    const states: string[] = [];
    const report = checkTransition(before, after, { engines: ['argocd'], onState: (s) => states.push(s.step) });
    expect(report.violations).toEqual([]);
    const deletions = states.filter((s) => s.startsWith('Application deleted with its objects'));
    expect(deletions[0]).toMatch(/wave 3/);
    expect(deletions.join('\n')).not.toMatch(/Namespace/);
  });
});

describe('fleet: added to a running release', () => {
  test('fails validate: Application shop gives way to shop-<cluster>, and deleting it deletes what they take over', async () => {
    // GIVEN shop, without a fleet, on every cluster of the fleet project, synthesized and committed
    const dir = projectRepo({ copy: [], specs: { shop: fleetSpec('shop', '') } });
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), fleetConfig());
    await commitAll(dir, 'fleet clusters');
    expect(fs.existsSync(path.join(dir, 'dist/argocd/application-shop.yaml'))).toBe(true);
    // WHEN its spec gets a fleet
    fs.writeFileSync(path.join(dir, 'releases/shop.yaml'), fleetSpec('shop'));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const r = await runCli(dir, ['validate']);
    // THEN validate refuses it, naming the way out
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unsafe during sync: [^\n]*Argo CD, Application argocd\/shop, Application deleted with its objects[^\n]*its route is gone[^\n]*; an Application or Kustomization goes away while its objects stay under another name/);
  });
});
