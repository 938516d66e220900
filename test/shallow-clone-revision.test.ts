import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, git, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * CI checks out shallow by default (actions/checkout `fetch-depth: 1`, GitLab `GIT_DEPTH`): the PR
 * review's `validate --from REV` and `diff REV` then name a commit the clone does not hold. The
 * refusal said "name a commit, branch or tag that exists (see git log --oneline)", which the user
 * had done; it now says the clone is shallow and how to fetch the history.
 */
describe('a revision a shallow clone does not hold', () => {
  let repo: ReturnType<typeof synthesizedRepo>;
  let clone: string;
  let first: string;
  beforeAll(() => {
    // GIVEN a project with two commits, cloned with --depth 1
    repo = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop') });
    first = git(repo.root, 'rev-parse', 'HEAD').trim();
    const r = cli(repo.root, ['start', 'shop', '--version', '1.1.0']);
    if (r.status !== 0) throw new Error(r.stderr);
    clone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-shallow-')), 'work');
    git(path.dirname(clone), 'clone', '-q', '--depth', '1', `file://${repo.root}`, clone);
    expect(git(clone, 'rev-parse', '--is-shallow-repository').trim()).toBe('true');
  });
  afterAll(() => { repo.cleanup(); fs.rmSync(path.dirname(clone), { recursive: true, force: true }); });

  test.each([
    ['validate --from', (rev: string) => ['validate', '--from', rev]],
    ['diff', (rev: string) => ['diff', rev]],
  ])('fails %s naming a commit before the clone\'s depth: exit 2, "this clone is shallow", with the fetch that fixes it', (_what, args) => {
    const r = cli(clone, args(first));
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 2,
      stderr: `error: unknown revision '${first}'; this clone is shallow, so older commits and other branches are not in it: fetch them (\`git fetch --unshallow origin\`, or \`fetch-depth: 0\` of actions/checkout, \`GIT_DEPTH: 0\` in GitLab CI)\n`,
    });
    // AND after fetching the history the same command runs
    const full = path.join(path.dirname(clone), 'full');
    git(path.dirname(clone), 'clone', '-q', `file://${repo.root}`, full);
    try {
      expect(cli(full, args(first)).stderr).not.toMatch(/unknown revision/);
    } finally {
      fs.rmSync(full, { recursive: true, force: true });
    }
  });

  test('fails diff with its default base (the merge base with main) on a PR branch cloned shallow: "this clone is shallow"', () => {
    // GIVEN a branch pr off the first commit, and a clone of main and pr at depth 1 (their merge base is not in it)
    const pr = path.join(path.dirname(clone), 'pr');
    git(repo.root, 'branch', '-f', 'pr', first);
    git(path.dirname(clone), 'clone', '-q', '--depth', '1', '--no-single-branch', '-b', 'pr', `file://${repo.root}`, pr);
    try {
      const r = cli(pr, ['diff']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 2,
        stderr: expect.stringMatching(/^error: HEAD and (main|origin\/main) have no common commit[^\n]*; this clone is shallow, so older commits and other branches are not in it: fetch them \(`git fetch --unshallow origin`, or `fetch-depth: 0` of actions\/checkout, `GIT_DEPTH: 0` in GitLab CI\), the one they share too\n$/),
      });
    } finally {
      fs.rmSync(pr, { recursive: true, force: true });
    }
  });

  test('fails on an unknown revision in a full clone: the old fix (name one that exists)', () => {
    const r = cli(repo.root, ['validate', '--from', 'nosuchrev']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: "error: unknown revision 'nosuchrev'; name a commit, branch or tag that exists (see git log --oneline)\n" });
  });
});
