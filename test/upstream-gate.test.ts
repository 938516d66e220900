import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, expectRefusedUnchanged, git, inCopyOf, synthesizedRepo } from './support/cli-repo';
import { cleanupTempDirs, withRemote } from './support/git-repo';
import { webappSpec } from './support/project';

/**
 * A move on a branch behind its upstream, where the upstream (as last fetched) changed the release's
 * spec: someone else started or stepped it and Argo CD / Flux already sync that. The move used to be
 * committed on the old state (a second canary, a diverging weight) without a word; only `--push`
 * noticed. It is now refused before anything is written, naming the upstream's commit.
 */
describe('a move on a branch behind its upstream', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => {
    // GIVEN a clone whose origin/main (fetched) started shop's canary, while its main is one commit behind
    base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop'), 'releases/blog.yaml': webappSpec('blog') });
    withRemote(base.root);
    const started = cli(base.root, ['start', 'shop', '--version', '1.1.0', '--push']);
    if (started.status !== 0) throw new Error(started.stderr);
    git(base.root, 'reset', '-q', '--hard', 'HEAD~1');
  });
  afterAll(() => { base.cleanup(); cleanupTempDirs(); });

  test('fails start of the release the upstream moved: exit 2, "behind origin/main, which changed releases/shop.yaml", nothing written', () => inCopyOf(base.root, (repo) => {
    expect(git(repo.root, 'status', '-sb').split('\n')[0]).toBe('## main...origin/main [behind 1]');
    const sha = git(repo.root, 'rev-parse', '--short', 'origin/main').trim();
    expectRefusedUnchanged(repo.root, ['start', 'shop', '--version', '1.2.0'],
      `error: this branch is behind origin/main, which changed releases/shop.yaml (${sha} "shop: start canary 1.1.0 at 0%"): the move would be made on an old state of shop; run \`git pull\` first, then \`npx cdk8s-canary status shop\`, and move again\n`);
    // THEN --dry-run shows the same refusal
    expect(cli(repo.root, ['start', 'shop', '--version', '1.2.0', '--dry-run']).stderr).toMatch(/^error: this branch is behind origin\/main, which changed releases\/shop\.yaml/);
  }));

  test('GIVEN the same branch WHEN another release moves (its spec unchanged upstream) THEN the move is committed as before', () => inCopyOf(base.root, (repo) => {
    const r = cli(repo.root, ['start', 'blog', '--version', '1.1.0']);
    expect(r.status).toBe(0);
    expect(git(repo.root, 'log', '-1', '--format=%s').trim()).toBe('blog: start canary 1.1.0 at 0%');
  }));

  test('GIVEN the same branch WHEN git pull, then the move THEN it moves the upstream\'s state (the canary started there)', () => inCopyOf(base.root, (repo) => {
    git(repo.root, 'pull', '-q', '--ff-only');
    const r = cli(repo.root, ['step', 'shop']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shop: canary 1\.1\.0 0% -> 25%\n/);
  }));
});

describe('a shallow clone refreshed with git fetch --depth 1 (its upstream head grafted, so it "adds" every file)', () => {
  test('GIVEN the upstream moved another release WHEN shop moves THEN it is committed: the upstream\'s shop spec is the branch\'s', () => {
    // GIVEN origin with shop and blog, cloned at depth 1; then blog starts upstream and the clone fetches at depth 1
    const origin = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop'), 'releases/blog.yaml': webappSpec('blog') });
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-shallow-'));
    try {
      const clone = path.join(top, 'work');
      git(top, 'clone', '-q', '--depth', '1', `file://${origin.root}`, clone);
      for (const [k, v] of [['user.name', 'ci'], ['user.email', 'ci@example.com']]) git(clone, 'config', k, v);
      const started = cli(origin.root, ['start', 'blog', '--version', '1.1.0']);
      if (started.status !== 0) throw new Error(started.stderr);
      git(clone, 'fetch', '-q', '--depth', '1');
      expect(git(clone, 'log', '--format=%s', 'HEAD..@{upstream}', '--', 'releases/shop.yaml').trim()).toBe('blog: start canary 1.1.0 at 0%');
      // WHEN shop starts in the clone
      const r = cli(clone, ['start', 'shop', '--version', '1.1.0']);
      // THEN it is not refused as "behind origin/main, which changed releases/shop.yaml"
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/behind/) });
      expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe('shop: start canary 1.1.0 at 0%');
      // AND with shop moved upstream too, the clone is refused (the spec differs)
      git(clone, 'reset', '-q', '--hard', 'HEAD~1');
      const moved = cli(origin.root, ['start', 'shop', '--version', '1.2.0']);
      if (moved.status !== 0) throw new Error(moved.stderr);
      git(clone, 'fetch', '-q', '--depth', '1');
      expect(cli(clone, ['start', 'shop', '--version', '1.1.0']).stderr).toMatch(/^error: this branch is behind origin\/main, which changed releases\/shop\.yaml \(\w+ "shop: start canary 1\.2\.0 at 0%"\)/);
    } finally {
      origin.cleanup();
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
