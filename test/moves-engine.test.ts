/**
 * The move engine (lib/moves) through its library API, with real git in temporary repositories:
 * pluggable pre-commit gates (trailers, warnings, refusals), moves that own several dist/ folders,
 * and recovery of an interrupted move whose folders sit below dist/<release>/.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  beginMove, contentHash, GateContext, MoveEvent, MoveGate, MoveKind, MoveRefusedError, MOVE_GATES, pendingRepair, recoverRepository, releaseMove, runMove, soakGate,
} from '../lib/moves';
import { start, setWeight } from '../lib/rollout';
import { fleetSoakGate } from '../lib/moves/fleet-soak-gate';
import { groupSoakGate } from '../lib/moves/group-soak-gate';
import { repoState } from './support/cli-repo';
import { changedFiles, cleanupTempDirs, git, log, porcelain, projectRepo } from './support/git-repo';

afterAll(cleanupTempDirs);

const startWebapp = releaseMove('webapp', (r) => start(r.model, { version: '1.1.0' }));

/** A release move that owns the given sub-folders of dist/ instead of dist/<release>/. */
function owning(kind: MoveKind, outputs: readonly string[]): MoveKind {
  return {
    async load(ctx) {
      const t = await kind.load(ctx);
      return { ...t, outputs, plan: () => t.plan() };
    },
  };
}

describe('pre-commit gates', () => {
  test('the default gates: paths inside the repository, cross-release checks, soak (a release, a fleet wave, a group), the spec changed upstream, sync-safety, then analysis', () => {
    expect(MOVE_GATES.map((g) => g.name)).toEqual(['inside', 'cross-release', 'soak', 'fleet-soak', 'group-soak', 'upstream', 'sync-safety', 'analysis']);
    expect(MOVE_GATES[2]).toBe(soakGate);
    expect(MOVE_GATES[3]).toBe(fleetSoakGate);
    expect(MOVE_GATES[4]).toBe(groupSoakGate);
  });

  test('a gate that lets the move pass adds its trailers after the move\'s own and its warnings as events, and sees old and new spec and dist/', async () => {
    // GIVEN a repository with webapp and a gate that records what it saw
    const dir = projectRepo();
    const seen: GateContext[] = [];
    const gate: MoveGate = {
      name: 'test',
      check(ctx) {
        seen.push(ctx);
        return { trailers: [['Analysis', 'success-rate 99.9% >= 99%']], warnings: ['a test warning'] };
      },
    };
    const events: MoveEvent[] = [];
    // WHEN webapp starts a canary with that gate after the soak gate
    const r = await runMove(dir, startWebapp, { commit: true }, { gates: [soakGate, gate], onEvent: (e) => events.push(e) });
    // THEN one commit, whose trailers end with the gate's
    expect(r.status).toBe('committed');
    const trailers = git(dir, 'log', '-1', '--format=%(trailers:only)').trim().split('\n');
    expect(trailers).toEqual(['Release: webapp', 'Move: start', 'Canary-Version: 1.1.0', 'Canary-Weight: 0', 'Step: 1/4', 'Analysis: success-rate 99.9% >= 99%']);
    expect(events).toEqual([{ type: 'warning', message: 'a test warning' }]);
    // AND the gate saw the release move, the spec before and after, and the owned dist/ files before and after
    expect(seen).toHaveLength(1);
    const ctx = seen[0];
    expect(ctx.subject.kind).toBe('release');
    expect(ctx.subject.kind === 'release' && ctx.subject.move.kind).toBe('start');
    expect([ctx.specPath, ctx.outputPaths, ctx.force, ctx.dryRun]).toEqual(['releases/webapp.yaml', ['dist/webapp'], false, false]);
    expect(ctx.specBefore).not.toMatch(/^canary:/m);
    expect(ctx.specAfter).toMatch(/^canary:\n {2}version: 1\.1\.0\n {2}weight: 0$/m);
    expect([...ctx.distBefore.keys()].every((k) => k.startsWith('webapp/'))).toBe(true);
    expect([...ctx.distAfter.keys()].filter((k) => !ctx.distBefore.has(k))).toEqual(expect.arrayContaining(['webapp/webapp-canary/deployment-webapp-canary.yaml']));
  });

  test('fails a move a gate refuses: MoveRefusedError naming the gate, nothing written, no commit; also on --dry-run', async () => {
    // GIVEN a repository and a gate that refuses
    const dir = projectRepo();
    const dryRuns: boolean[] = [];
    const refuse: MoveGate = {
      name: 'test-refusal',
      check(ctx) {
        dryRuns.push(ctx.dryRun);
        throw new MoveRefusedError('metric success-rate is 93% (below 99%); pass --force to record an override', 'test-refusal');
      },
    };
    const before = repoState(dir);
    // WHEN a move runs with it, for real and as a dry run
    for (const dryRun of [false, true]) {
      await expect(runMove(dir, startWebapp, { commit: true, dryRun }, { gates: [refuse] })).rejects.toMatchObject({
        name: 'MoveRefusedError', gate: 'test-refusal', message: expect.stringMatching(/^metric success-rate is 93%/),
      });
    }
    // THEN the repository is exactly as before (files, index, refs, history); the gate knew which run was a dry run
    expect(repoState(dir)).toEqual(before);
    expect(dryRuns).toEqual([false, true]);
    expect(fs.existsSync(path.join(dir, '.git/cdk8s-canary/move.json'))).toBe(false);
  });

  test('gates run in order and the first refusal stops the rest', async () => {
    const dir = projectRepo();
    const ran: string[] = [];
    const pass = (name: string): MoveGate => ({ name, check: () => { ran.push(name); return {}; } });
    const stop: MoveGate = { name: 'stop', check: () => { ran.push('stop'); throw new MoveRefusedError('stopped', 'stop'); } };
    await expect(runMove(dir, startWebapp, { commit: true }, { gates: [pass('a'), stop, pass('b')] })).rejects.toThrow('stopped');
    expect(ran).toEqual(['a', 'stop']);
    expect(log(dir)).toHaveLength(1);
  });
});

describe('moves that own several dist/ folders', () => {
  test('a move owning dist/<release>/<namespace>/ folders commits exactly the spec and those folders', async () => {
    // GIVEN the guestbook (production and canary namespaces: dist/guestbook/ns-prod and ns-canary)
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    const kind = owning(releaseMove('guestbook', (r) => start(r.model, { version: 'v2' })), ['guestbook/ns-prod', 'guestbook/ns-canary']);
    // WHEN it starts a canary as a move owning the two namespace folders
    const r = await runMove(dir, kind, { commit: true });
    // THEN one commit changes the spec and files in both folders only; the outcome names them
    expect(r.status).toBe('committed');
    expect(r.outputPaths).toEqual(['dist/guestbook/ns-prod', 'dist/guestbook/ns-canary']);
    const files = changedFiles(dir).map((l) => l.slice(2));
    expect(files).toContain('releases/guestbook.yaml');
    expect(files.filter((f) => f.startsWith('dist/')).every((f) => /^dist\/guestbook\/ns-(prod|canary)\//.test(f))).toBe(true);
    expect(files.some((f) => f.startsWith('dist/guestbook/ns-canary/'))).toBe(true);
    expect(porcelain(dir)).toBe('');
  });

  test('fails a move whose synthesis changes a file outside the folders it owns: nothing written', async () => {
    // GIVEN the guestbook move owning only the production folder, while a start also adds canary objects
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    const kind = owning(releaseMove('guestbook', (r) => start(r.model, { version: 'v2' })), ['guestbook/ns-prod']);
    const before = repoState(dir);
    // WHEN it runs THEN it fails naming a file outside, and the repository is untouched
    await expect(runMove(dir, kind, { commit: true })).rejects.toThrow(/^internal: the move of release guestbook changes guestbook\/ns-canary\/.*, outside the dist\/ folders it owns \(dist\/guestbook\/ns-prod\); nothing was written/);
    expect(repoState(dir)).toEqual(before);
  });

  test('the next command repairs a move killed mid-swap of a folder below dist/<release>/ (journal paths), leaving no leftovers', async () => {
    // GIVEN a guestbook canary at 10%, and a move owning dist/guestbook/ns-canary killed between the two renames of its swap
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    await runMove(dir, releaseMove('guestbook', (r) => start(r.model, { version: 'v2' })), { commit: true });
    await runMove(dir, releaseMove('guestbook', (r) => setWeight(r.model, '10')), { commit: true });
    const head = log(dir)[0];
    const gitDir = path.join(dir, '.git');
    const spec = path.join(dir, 'releases/guestbook.yaml');
    const edited = `${fs.readFileSync(spec, 'utf8')}# half-made edit\n`;
    beginMove(gitDir, { head, release: 'guestbook', subject: 'guestbook: canary v2 10% -> 50%', paths: ['releases/guestbook.yaml', 'dist/guestbook/ns-canary'], commits: true, wrote: { 'releases/guestbook.yaml': contentHash(edited) } });
    fs.writeFileSync(spec, edited);
    fs.renameSync(path.join(dir, 'dist/guestbook/ns-canary'), path.join(dir, 'dist/guestbook/.ns-canary.old-123-abc'));
    // WHEN the next command starts
    expect(pendingRepair(dir)).toBe(true); // what the CLI asks first (file system only) sees it
    const notes = await recoverRepository(dir);
    // THEN the spec and the folder are as committed, the swap leftover is gone, and it says what it did
    expect(notes).toEqual([expect.stringMatching(/^repaired an interrupted move of guestbook \("guestbook: canary v2 10% -> 50%", pid \d+ since .*\): it was killed before its commit, so releases\/guestbook\.yaml and dist\/guestbook\/ns-canary are back as in [0-9a-f]{7} \(the 1 file\(s\) it had written; nothing else was touched\); run the move again$/)]);
    expect(porcelain(dir)).toBe('');
    expect(fs.readdirSync(path.join(dir, 'dist/guestbook')).sort()).toEqual(['kustomization.yaml', 'ns-canary', 'ns-prod']);
    expect(fs.existsSync(path.join(gitDir, 'cdk8s-canary/move.json'))).toBe(false);
    expect(pendingRepair(dir)).toBe(false);
  });

  test('pendingRepair: a journal, or a swap leftover beside dist/, a release folder or an --output folder, is something to repair; a settled repository is not', async () => {
    // GIVEN a settled repository
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    expect(pendingRepair(dir)).toBe(false);
    // WHEN a swap's hidden folder sits beside dist/, in it, or beside an --output folder THEN there is
    for (const [leftover, output] of [['.dist.tmp-12-ab', undefined], ['dist/.guestbook.old-12-ab', undefined], ['.out.tmp-9-z1', 'out']] as const) {
      fs.mkdirSync(path.join(dir, leftover));
      expect([leftover, pendingRepair(dir, output)]).toEqual([leftover, true]);
      fs.rmSync(path.join(dir, leftover), { recursive: true });
    }
    expect(pendingRepair(dir, 'out')).toBe(false);
    // and a journal in the git directory
    fs.mkdirSync(path.join(dir, '.git/cdk8s-canary'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.git/cdk8s-canary/move.json'), '{}');
    expect(pendingRepair(dir)).toBe(true);
    fs.rmSync(path.join(dir, '.git/cdk8s-canary/move.json'));
    // and a root that is not a folder is refused, naming it
    expect(() => pendingRepair(path.join(dir, 'nope'))).toThrow(/nope: no such directory; pass the repository root$/);
  });
});
