import * as fs from 'fs';
import * as path from 'path';
import { cli, cliAsync, crashAt, git, repoState, tempRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { webappSpec } from './support/project';
import { reusedRepo } from './support/reused-repo';

/**
 * Ctrl-C during a move (lib/moves/interrupt.ts): a SIGINT, SIGTERM or SIGHUP that lands while a move
 * writes or commits stops it whole, at once: no half-made move left for the next command to
 * repair, no lock file, exit 128 + the signal's number. The signal is sent by the process to itself
 * at a named point (the crash hook with CDK8S_CANARY_CRASH_SIGNAL, lib/crash-point.ts), through the
 * compiled CLI in real git repositories. The set-up and the move run again after an interrupted one
 * run in-process (`runCli`), and the cases share one prepared repository, reset between them
 * (`reusedRepo`).
 */

/** The crash hook set to send `signal` (not SIGKILL) at `point`. */
const signalAt = (point: string, signal = 'SIGINT') => crashAt(point, signal);

describe('a move interrupted by a signal (compiled CLI, real git)', () => {
  let base: ReturnType<typeof tempRepo>;
  let repo: ReturnType<typeof reusedRepo>;
  beforeAll(async () => {
    // GIVEN a committed release with a canary at 10% and its dist/
    base = tempRepo({ 'releases/shop.yaml': webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 10\n') });
    expect((await runCli(base.root, ['synth'])).status).toBe(0);
    git(base.root, 'add', '-A');
    git(base.root, 'commit', '-qm', 'synth');
    repo = reusedRepo(base.root);
  });
  afterAll(() => repo.cleanup());

  const lockFile = (root: string) => path.join(root, '.git/cdk8s-canary.lock');
  const journal = (root: string) => path.join(root, '.git/cdk8s-canary/move.json');

  test.each([
    ['move:spec-written', 'SIGINT', 130],
    ['move:dist-written', 'SIGINT', 130],
    ['move:dist-written', 'SIGTERM', 143],
    ['move:dist-written', 'SIGHUP', 129],
  ])('fails with the files put back when %s gets %s (exit %d), and leaves nothing to repair', async (point, signal, code) => {
    repo.reset();
    const before = repoState(repo.root);
    // WHEN step gets the signal after writing and before committing
    const r = await cliAsync(repo.root, ['step', 'shop'], signalAt(point, signal));
    // THEN it stops with 128 + the signal's number and says what it left
    expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code, signal: null, stdout: '' });
    expect(r.stderr).toBe(`interrupted (${signal}) before the commit of "shop: canary 1.1.0 10% -> 25%"; releases/shop.yaml and dist/shop were put back as in ${git(repo.root, 'rev-parse', '--short=7', 'HEAD').trim()}, nothing was committed; run the move again\n`);
    // AND the repository is exactly as before: files, index, refs, history; no journal, no lock
    expect(repoState(repo.root)).toEqual(before);
    expect([fs.existsSync(journal(repo.root)), fs.existsSync(lockFile(repo.root))]).toEqual([false, false]);
    // AND the next command has nothing to repair, and the move goes through
    const again = await runCli(repo.root, ['step', 'shop']);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
    expect(again.stdout).toMatch(/^shop: canary 1\.1\.0 10% -> 25%\n/);
  });

  test('fails with the move whole when SIGINT lands after its commit (exit 130, one commit, clean tree)', async () => {
    repo.reset();
    const head = git(repo.root, 'rev-parse', 'HEAD').trim();
    // WHEN step gets SIGINT right after its commit
    const r = await cliAsync(repo.root, ['step', 'shop'], signalAt('move:committed'));
    // THEN the move is one whole commit, and the command says so and stops (exit 130)
    const log = git(repo.root, 'log', '--format=%h %s', '-2').trim().split('\n');
    expect(log[1].startsWith(head.slice(0, 7))).toBe(true);
    expect(log[0].slice(8)).toBe('shop: canary 1.1.0 10% -> 25%');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 130, stderr: `interrupted (SIGINT) after the commit of "shop: canary 1.1.0 10% -> 25%": the move is whole, committed as ${log[0].slice(0, 7)}\n` });
    expect(git(repo.root, 'status', '--porcelain')).toBe('');
    expect([fs.existsSync(journal(repo.root)), fs.existsSync(lockFile(repo.root))]).toEqual([false, false]);
  });

  test('fails with the edits kept and said when SIGINT lands in a --no-commit move after its writes', async () => {
    repo.reset();
    // WHEN step --no-commit gets SIGINT once its files are written
    const r = await cliAsync(repo.root, ['step', 'shop', '--no-commit'], signalAt('move:dist-written'));
    // THEN what it wrote stays (that is what --no-commit asks) and the message says so; nothing to repair
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 130, stderr: 'interrupted (SIGINT) after the move of release shop wrote releases/shop.yaml and dist/shop (--no-commit: left edited, review with `git diff`)\n' });
    expect(git(repo.root, 'status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([' M dist/shop/shop/httproute-shop.yaml', ' M releases/shop.yaml']);
    expect([fs.existsSync(journal(repo.root)), fs.existsSync(lockFile(repo.root))]).toEqual([false, false]);
  });

  test('fails when CDK8S_CANARY_CRASH_SIGNAL names another signal, before anything runs', () => {
    repo.reset();
    const before = repoState(repo.root);
    const r = cli(repo.root, ['step', 'shop'], signalAt('move:dist-written', 'SIGUSR1'));
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'error: CDK8S_CANARY_CRASH_SIGNAL names no signal the hook sends (got "SIGUSR1"); use one of SIGINT, SIGTERM, SIGHUP, or unset it for SIGKILL\n' });
    expect(repoState(repo.root)).toEqual(before);
  });
});
