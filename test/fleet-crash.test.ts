/**
 * A fleet move writes several folders (one per cluster of its waves). Killed between them, or after
 * writing them all but before its commit, the next writing command puts the spec and every folder back
 * as HEAD has them (a read-only one says so and changes nothing) (the move journal lists each folder), so a wave is never half moved.
 * The killed move is a compiled CLI process (the crash hook of lib/crash-point.ts), in real git; the
 * set-up and the commands run after the kill (status, the repairing synth, the move again) run
 * in-process (`runCli`), on one prepared repository reset between cases (`reusedRepo`).
 */
import { cli, crashAt, git, repoState, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { fleetConfig, fleetSpec } from './support/fleet';
import { reusedRepo } from './support/reused-repo';


describe('fleet: a move killed mid-way is undone by the next command', () => {
  let template: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  beforeAll(async () => {
    // GIVEN wave 1 promoted and wave 2 running its canary: an abort --all-waves writes two clusters' folders
    template = tempRepo({ 'cdk8s-canary.yaml': fleetConfig(), 'releases/shop.yaml': fleetSpec(), '.gitignore': '' });
    for (const args of [['synth'], ['start', 'shop', '--version', '1.1.0'], ['promote', 'shop'], ['next-wave', 'shop']]) {
      const r = await runCli(template.root, args);
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
      if (args[0] === 'synth') { git(template.root, 'add', '-A'); git(template.root, 'commit', '-qm', 'synth'); }
    }
    repo = reusedRepo(template.root);
  });
  afterAll(() => repo.cleanup());

  test.each([
    ['after the first folder is written (its changed files renamed in)', 'write:applied@1'],
    ['while the first folder\'s changed files are renamed in', 'write:applying@1'],
    ['after every folder is written, before the commit', 'move:dist-written'],
  ])('killed %s: the next command restores the spec and both folders', async (_name, point) => {
    repo.reset();
    const before = repoState(repo.root);
    // WHEN the move is killed
    const r = cli(repo.root, ['abort', 'shop', '--all-waves'], crashAt(point));
    expect(r.signal).toBe('SIGKILL');
    expect(git(repo.root, 'status', '--porcelain')).not.toBe('');
    // THEN a read-only command says so and changes nothing
    const half = repoState(repo.root);
    const s = await runCli(repo.root, ['status', 'shop']);
    expect(s.status).toBe(0);
    expect(s.stderr).toMatch(/an interrupted move of shop \("shop: abort 1\.1\.0 in waves 1-2\/3 \(canary-eu, prod-eu-1\), back to 1\.0\.0"\) is not repaired yet/);
    expect(repoState(repo.root)).toEqual(half);
    // AND the next writing command repairs it first: the spec and both folders as HEAD has them
    const synth = await runCli(repo.root, ['synth']);
    expect(synth.status).toBe(0);
    expect(synth.stderr).toMatch(/repaired an interrupted move of shop \("shop: abort 1\.1\.0 in waves 1-2\/3 \(canary-eu, prod-eu-1\), back to 1\.0\.0"/);
    expect(repoState(repo.root)).toEqual(before);
    // AND the move then runs as one commit
    expect((await runCli(repo.root, ['abort', 'shop', '--all-waves'])).status).toBe(0);
    expect(git(repo.root, 'diff', '--name-only', 'HEAD~1', 'HEAD').trim().split('\n').map((p) => p.split('/').slice(0, 3).join('/')).filter((p, i, a) => a.indexOf(p) === i)).toEqual(['dist/shop/canary-eu', 'dist/shop/prod-eu-1', 'releases/shop.yaml']);
  });
});
