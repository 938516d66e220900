import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive, selfIdentity } from '../lib/git';
import { cli, cliAsync, crashAt, git, repoState, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { webappSpec } from './support/project';
import { reusedRepo } from './support/reused-repo';

/**
 * Issue 14's move-engine findings through the compiled CLI in real git repositories: a repair never
 * throws away edits made after a kill (2), git lock files left by a kill are named with the move that
 * left them (21), and the repository lock's liveness sees zombies and reused pids (22). The killed
 * moves and the commands that judge the lock's holder (a pid: this process's, a zombie's) are compiled
 * CLI processes; the set-ups and the commands run after a kill run in-process (`runCli`). The cases
 * of each describe share one prepared repository, reset between them (`reusedRepo`).
 */

/** Runs `fn` on the prepared repository `repo`, reset first. */
const inReset = <T>(repo: ReturnType<typeof reusedRepo>, fn: (r: ReturnType<typeof reusedRepo>) => T): T => { repo.reset(); return fn(repo); };

const SPEC = webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 10\nsteps: [0, 10, 50, 100]\n');

describe('moves killed mid-way: the repair keeps what the user did since', () => {
  let base: ReturnType<typeof tempRepo>;
  let prepared: ReturnType<typeof reusedRepo>;
  beforeAll(async () => {
    base = tempRepo({ 'releases/shop.yaml': SPEC });
    if ((await runCli(base.root, ['synth'])).status !== 0) throw new Error('synth failed');
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    prepared = reusedRepo(base.root);
  });
  afterAll(() => prepared.cleanup());

  test('fails to repair over a later edit of the spec and a new file in dist/, and changes nothing', () => inReset(prepared, async (repo) => {
    // GIVEN a step killed after writing the spec, then the user's own edits
    expect((await cliAsync(repo.root, ['step', 'shop'], crashAt('move:spec-written'))).signal).toBe('SIGKILL');
    const spec = path.join(repo.root, 'releases/shop.yaml');
    fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace('  port: 8080\n', '  port: 8080\n  replicas: 5\n'));
    fs.writeFileSync(path.join(repo.root, 'dist/shop/shop/notes.yaml'), 'mine: true\n');
    const before = repoState(repo.root);
    // WHEN a read-only command and then a writing one run
    const s = await runCli(repo.root, ['status', 'shop']);
    const w = await runCli(repo.root, ['synth']);
    // THEN status changes nothing; synth stops, naming both, and says how to keep or drop them
    expect(s.status).toBe(0);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^error: an interrupted move of shop \("shop: canary 1\.1\.0 10% -> 50%", pid \d+, no longer running, since .*\) was killed before its commit, and dist\/shop\/shop\/notes\.yaml, releases\/shop\.yaml were changed or added since; nothing was restored\. To keep your changes and drop the move: .*rm \.git\/cdk8s-canary\/move\.json/m);
    expect(repoState(repo.root)).toEqual(before);
    expect(fs.readFileSync(spec, 'utf8')).toContain('  replicas: 5\n');
  }));

  test('puts back exactly the files the move wrote, and nothing else', () => inReset(prepared, async (repo) => {
    // GIVEN a step killed after writing the spec and dist/shop, and an unrelated new file
    expect((await cliAsync(repo.root, ['step', 'shop'], crashAt('move:dist-written'))).signal).toBe('SIGKILL');
    fs.writeFileSync(path.join(repo.root, 'NOTES.md'), 'notes\n');
    // WHEN the next writing command runs
    const w = await runCli(repo.root, ['synth']);
    // THEN the move's files are back, the unrelated file is kept, and the move can be made again
    expect(w.status).toBe(0);
    expect(w.stderr).toMatch(/^repaired an interrupted move of shop .*\(the \d+ file\(s\) it had written; nothing else was touched\); run the move again$/m);
    expect(git(repo.root, 'status', '--porcelain', '--untracked-files=all')).toBe('?? NOTES.md\n');
    expect((await runCli(repo.root, ['step', 'shop'])).status).toBe(0);
  }));

  test('names git lock files left by a kill inside git, with the move that left them, until they are gone', () => inReset(prepared, async (repo) => {
    // GIVEN a step killed right after its commit, with git's index.lock left behind (a kill inside `git commit`)
    expect((await cliAsync(repo.root, ['step', 'shop'], crashAt('move:committed'))).signal).toBe('SIGKILL');
    fs.writeFileSync(path.join(repo.root, '.git/index.lock'), '');
    // WHEN any writing command runs
    const w = await runCli(repo.root, ['step', 'shop']);
    // THEN it fails naming the lock file, the move and its dead process, and how to recover
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^error: an interrupted move of shop \(.*pid \d+, no longer running,.*\) was killed while git was writing, and git's lock file \.git\/index\.lock is left: git refuses to work until it is gone\. If no git command is running now, delete it \(rm \.git\/index\.lock\) and run the command again/m);
    // AND again on the next command (the journal stays), then, with the lock removed, the moves go on
    expect((await runCli(repo.root, ['synth'])).stderr).toMatch(/\.git\/index\.lock is left/);
    fs.rmSync(path.join(repo.root, '.git/index.lock'));
    expect((await runCli(repo.root, ['step', 'shop'])).status).toBe(0);
  }));
});

describe('the repository lock: a zombie or a reused pid does not hold it', () => {
  let base: ReturnType<typeof tempRepo>;
  let prepared: ReturnType<typeof reusedRepo>;
  beforeAll(async () => {
    base = tempRepo({ 'releases/shop.yaml': SPEC });
    if ((await runCli(base.root, ['synth'])).status !== 0) throw new Error('synth failed');
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    prepared = reusedRepo(base.root);
  });
  afterAll(() => prepared.cleanup());
  const lockOf = (root: string, holder: object) => fs.writeFileSync(path.join(root, '.git/cdk8s-canary.lock'), JSON.stringify({ host: os.hostname(), since: new Date().toISOString(), ...holder }));

  test('a live process with its own start time holds the lock; the same pid with another start time (reused) does not', () => inReset(prepared, (repo) => {
    lockOf(repo.root, { pid: process.pid, ...selfIdentity() });
    expect(cli(repo.root, ['step', 'shop']).stderr).toMatch(/another cdk8s-canary move is running in this repository \(pid \d+/);
    lockOf(repo.root, { pid: process.pid, ...selfIdentity(), start: '1' });
    expect(cli(repo.root, ['step', 'shop']).status).toBe(0);
  }));

  test('a zombie holds no lock', async () => {
    // GIVEN a zombie: a child of `sleep` (which never reaps it) that has exited; it exits 0.3 s after
    // the shell became `sleep 20` (a child exiting at once could be reaped by the shell before its exec)
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 20'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((res) => parent.stdout.once('data', (d) => res(String(d).trim()))));
    try {
      for (let i = 0; i < 150 && fs.readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1][0] !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      // THEN kill(pid, 0) alone would call it alive, processAlive does not
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(processAlive(zombie)).toBe(false);
      // AND a lock it holds is taken over by the next move
      inReset(prepared, (repo) => {
        lockOf(repo.root, { pid: zombie });
        expect(cli(repo.root, ['step', 'shop']).status).toBe(0);
      });
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
