import { cli, git, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * A value that begins with '=' as written (`--message '=== held ==='`, `-m '= note'`) is the user's
 * value: only a short flag with '=' joined to it (`-m=held`, one word: commander reads the value
 * "=held", as getopt does) is refused (lib/cli/args.ts). The check used to refuse any value of an
 * option that has a short form, so `--message '=== held ==='` failed with "takes its value after a
 * space" and a fix (`--message=== held ===`) that meant the same.
 */
describe('an option value that begins with =', () => {
  let repo: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => { repo = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop') }); });
  afterAll(() => repo.cleanup());

  test.each([
    ['--message', '=== held for the EU launch ==='],
    ['-m', '= see INC-42'],
  ])('GIVEN %s %j as two words WHEN start runs THEN it commits with that text in the body', (flag, text) => {
    const r = cli(repo.root, ['start', 'shop', '--version', '1.1.0', flag, text]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(git(repo.root, 'log', '-1', '--format=%B')).toContain(`\n${text}\n`);
    git(repo.root, 'reset', '-q', '--hard', 'HEAD~1');
  });

  test("fails on -m=held (one word): -m/--message takes its value after a space, so '=' became part of it", () => {
    const r = cli(repo.root, ['start', 'shop', '--version', '1.1.0', '-m=held']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: "error: -m/--message: takes its value after a space, so '=' became part of it (got \"=held\"); write -m held or --message=held\n" });
  });
});

describe('-m given more than once', () => {
  let repo: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => { repo = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop') }); });
  afterAll(() => repo.cleanup());

  test('GIVEN -m a --message b -m c WHEN start runs THEN the body holds the three as paragraphs, as git commit -m joins them', () => {
    const r = cli(repo.root, ['start', 'shop', '--version', '1.1.0', '-m', 'first note', '--message', 'second note', '-m', 'third note']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(git(repo.root, 'log', '-1', '--format=%B')).toContain('\nfirst note\n\nsecond note\n\nthird note\n');
  });

  test('fails on a second -m that is empty: -m/--message is empty', () => {
    const r = cli(repo.root, ['step', 'shop', '-m', 'a', '-m', '']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/^error: -m\/--message: is empty/) });
  });
});
