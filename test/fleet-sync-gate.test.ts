/**
 * The moves' sync-safety gate on fleet moves: a wave move owns `dist/<release>/<cluster>/` folders,
 * one level deeper than a release's, and the gate must still read the Argo CD and Flux wiring of the
 * dist folder and run the transition model cluster by cluster (lib/review/clusters.ts), naming the
 * cluster whose sync is unsafe. Real git, the CLI in-process, the committed wiring of the fixture.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MoveRefusedError } from '../lib/moves';
import { syncGate } from '../lib/moves/sync-gate';
import { GateContext } from '../lib/moves/gate';
import { cli } from './support/cli';
import { fleetConfig, fleetSpec, readFiles, under } from './support/fleet';
import { cleanupTempDirs, git, initRepo, tempDir } from './support/git-repo';

afterAll(() => cleanupTempDirs());

const WAVE1_PROMOTED = fleetSpec() + '  promoted:\n    version: 1.1.0\n    wave: 1\n';
/** `WAVE1_PROMOTED` with wave 2 (prod-eu-1) running canary 1.1.0 at `weight`. */
const wave2At = (weight: number) => WAVE1_PROMOTED.replace('stable:\n  version: 1.0.0\n', `stable:\n  version: 1.0.0\ncanary:\n  version: 1.1.0\n  weight: ${weight}\n`);

/** GIVEN shop at `spec` (the fleet fixture), synthesized and committed. */
async function repoAt(spec: string): Promise<string> {
  const root = initRepo(tempDir('fleet-sync-gate-'));
  fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml'), fleetConfig());
  fs.mkdirSync(path.join(root, 'releases'));
  fs.writeFileSync(path.join(root, 'releases/shop.yaml'), spec);
  await synth(root);
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'shop');
  return root;
}

async function synth(root: string): Promise<void> {
  const r = await cli(root, 'synth');
  if (r.code !== 0) throw new Error(`synth failed: ${r.err}`);
}

function ctxOf(root: string, cluster: string, before: Map<string, string>, after: Map<string, string>): GateContext {
  return {
    git: undefined as never, root, subject: undefined as never, specPath: 'releases/shop.yaml', specBefore: '', specAfter: '',
    outputPaths: [`dist/shop/${cluster}`], distPath: 'dist', distBefore: before, distAfter: after, force: false, dryRun: false, now: 0,
  };
}

describe('the sync-safety gate on a fleet move', () => {
  test('fails a wave move whose Flux sync would route 10% to the canary before its folder is applied, naming the cluster (exit 2 as MoveRefusedError, gate sync-safety)', async () => {
    // GIVEN wave 1 promoted, wave 2 (prod-eu-1) not open yet
    const root = await repoAt(WAVE1_PROMOTED);
    const before = under(readFiles(path.join(root, 'dist')), 'shop/prod-eu-1/');
    // WHEN wave 2 would open straight at 10% (its ladder starts at 0%): Flux applies the route of
    // prod-eu-1's production folder before the canary folder that depends on it
    fs.writeFileSync(path.join(root, 'releases/shop.yaml'), wave2At(10));
    await synth(root);
    const all = readFiles(path.join(root, 'dist'));
    const after = under(all, 'shop/prod-eu-1/');
    expect(after).not.toEqual(before);
    let err: unknown;
    try { syncGate.check(ctxOf(root, 'prod-eu-1', before, after)); } catch (e) { err = e; }
    // THEN the gate refuses it, on that cluster
    expect(err).toBeInstanceOf(MoveRefusedError);
    expect((err as MoveRefusedError).gate).toBe('sync-safety');
    const message = (err as Error).message;
    expect(message).toMatch(/^this move is not safe to sync:\n/);
    expect(message).toMatch(/unsafe during sync: cluster prod-eu-1: Flux, Kustomization flux-system\/shop-shop-prod-eu-1, apply: updated HTTPRoute shop\/shop: 10% of requests to shop\.example\.com\/ \(HTTPRoute shop\/shop\) fail \(before 0%, after 0%\)/);
    expect(message).not.toMatch(/cluster (canary-eu|prod-eu-2|prod-us-1|prod-ap-1)/);
    // AND under Argo CD the same change is safe (the canary's wave comes before the route's): no Argo CD line
    expect(message).not.toMatch(/Argo CD/);
  });

  test('GIVEN the real step of wave 2 THEN the gate lets it pass, and the CLI commits it', async () => {
    const root = await repoAt(wave2At(0));
    const before = under(readFiles(path.join(root, 'dist')), 'shop/prod-eu-1/');
    const r = await cli(root, 'step', 'shop');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const after = under(readFiles(path.join(root, 'dist')), 'shop/prod-eu-1/');
    expect(after).not.toEqual(before);
    expect(syncGate.check(ctxOf(root, 'prod-eu-1', before, after))).toEqual({});
  });
});
